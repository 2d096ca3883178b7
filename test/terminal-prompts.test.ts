import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMCTL, tempDir, tool } from './helpers/samctl.js';

const DRIVER = new URL('./helpers/pty_driver.py', import.meta.url).pathname;

/** samctl on a real pseudo-terminal, answering its prompts only once they are on screen. */
async function onTerminal(cwd: string, args: string[], answers: Array<[string, string]>, env: Record<string, string | undefined> = {}) {
  const result = await execa('python3', [DRIVER, JSON.stringify(answers), process.execPath, SAMCTL, ...args], {
    cwd,
    reject: false,
    // A person's terminal: no CI marker, no passphrase in the environment.
    env: { ...process.env, CI: undefined, SAMCTL_CA_PASSWORD: undefined, NO_COLOR: '1', TERM: 'xterm', ...env },
    extendEnv: false,
  });
  return { exitCode: result.exitCode, screen: String(result.stdout) };
}

describe('prompts on a terminal', () => {
  const passphrase = 'typed at the keyboard 1';

  it('asks for the CA passphrase twice, masks it, and the key opens with it', async () => {
    const cwd = tempDir();
    const { exitCode, screen } = await onTerminal(cwd, ['ca', 'init', '--key-size', '2048'], [
      ['New CA passphrase', passphrase],
      ['Repeat the CA passphrase', passphrase],
    ]);
    expect(exitCode, screen).toBe(0);
    expect(screen).not.toContain(passphrase);
    expect(screen).toContain('*'.repeat(passphrase.length));
    const key = await tool('openssl', ['pkey', '-in', join(cwd, 'pki', 'ca', 'ca.key'), '-noout', '-passin', 'env:PASS'], { env: { PASS: passphrase } });
    expect(key.exitCode).toBe(0);
  }, 90_000);

  it('refuses two different passphrases and writes nothing', async () => {
    const cwd = tempDir();
    const { exitCode, screen } = await onTerminal(cwd, ['ca', 'init', '--key-size', '2048'], [
      ['New CA passphrase', passphrase],
      ['Repeat the CA passphrase', 'something else entirely'],
    ]);
    expect(exitCode, screen).toBe(2);
    expect(screen).toContain('the two passphrases differ');
    expect(existsSync(join(cwd, 'pki', 'ca'))).toBe(false);
  }, 90_000);

  it('asks for a missing client name and the CA passphrase', async () => {
    const cwd = tempDir();
    await execa(process.execPath, [SAMCTL, 'ca', 'init', '--key-size', '2048'], { cwd, env: { SAMCTL_CA_PASSWORD: passphrase } });
    const { exitCode, screen } = await onTerminal(cwd, ['client', 'issue'], [
      ['Client name', 'prediction-service'],
      ['CA passphrase', passphrase],
    ]);
    expect(exitCode, screen).toBe(0);
    expect(screen).toContain('User:CN=prediction-service');
    expect(readFileSync(join(cwd, 'pki', 'clients', 'prediction-service', 'client.key'), 'utf8')).toContain('BEGIN PRIVATE KEY');
  }, 90_000);

  it('shows one progress line per broker on a terminal, and none with --json', async () => {
    const cwd = tempDir();
    await execa(process.execPath, [SAMCTL, 'ca', 'init', '--key-size', '2048'], { cwd, env: { SAMCTL_CA_PASSWORD: passphrase } });
    const env = { SAMCTL_CA_PASSWORD: passphrase };
    const shown = await onTerminal(cwd, ['broker', 'issue', 'p1.local', 'p2.local', 'p3.local'], [], env);
    expect(shown.exitCode, shown.screen).toBe(0);
    for (const n of [1, 2, 3]) expect(shown.screen).toMatch(new RegExp(`\\[${n}/3\\] broker p\\d\\.local issued`));
    const quiet = await onTerminal(cwd, ['--json', 'broker', 'issue', 'q1.local', 'q2.local'], [], env);
    expect(quiet.exitCode, quiet.screen).toBe(0);
    expect(quiet.screen).not.toMatch(/\[\d\/2\]/);
    expect(JSON.parse(quiet.screen.slice(quiet.screen.indexOf('{'))).issued).toHaveLength(2);
  }, 120_000);
});
