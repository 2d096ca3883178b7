import { describe, expect, it } from 'vitest';
import { commandAsked } from '../../src/cli.js';

const argv = (...args: string[]) => ['node', 'samctl', ...args];

describe('commandAsked: which command module the CLI loads', () => {
  it.each([
    [argv('status'), { first: 'status', second: undefined }],
    [argv('--dir', 'pki-x', '--json', 'status', '--within', '30d'), { first: 'status', second: undefined }],
    [argv('--dir=pki-x', 'renew', 'sam01'), { first: 'renew', second: undefined }],
    [argv('ca', 'rotate'), { first: 'ca', second: 'rotate' }],
    [argv('--no-color', 'broker', 'issue', 'sam01', '--san', '10.0.0.1'), { first: 'broker', second: 'issue' }],
    [argv('ca', '--help'), { first: 'ca', second: undefined }],
    [argv('client'), { first: 'client', second: undefined }],
  ])('%j', (args, expected) => {
    expect(commandAsked(args)).toEqual(expected);
  });

  it.each([[argv()], [argv('--help')], [argv('--dir', 'x')], [argv('help', 'status')], [argv('--', 'status')]])('%j loads every command', (args) => {
    expect(commandAsked(args)).toBeUndefined();
  });
});
