import { describe, expect, it } from 'vitest';
import { formatTtl } from '../../src/commands/policy.js';
import { cidrList, parseCidr, parseSecretIdTtl } from '../../src/engine/approle.js';
import { refusal } from '../helpers/refusal.js';

describe('--secret-id-ttl', () => {
  it.each([
    ['0', 0],
    ['45s', 45],
    ['30m', 1800],
    ['720h', 2_592_000],
    ['90d', 7_776_000],
    [' 3650d ', 315_360_000],
  ])('%s is %i seconds', (raw, seconds) => expect(parseSecretIdTtl(raw)).toBe(seconds));

  it.each(['', '90', '-1d', '1.5d', '90 d', '3651d', '1w', 'forever'])('"%s" is refused (exit 2) naming the form', (raw) => {
    const { message, exitCode } = refusal(() => parseSecretIdTtl(raw));
    expect(exitCode).toBe(2);
    expect(message).toBe(`invalid --secret-id-ttl "${raw.trim()}": give a number with a unit, s m h or d, up to 3650d (0 for no expiry)`);
  });

  it('formatTtl writes the largest whole unit back', () => {
    expect([7_776_000, 2_592_000 + 3600, 1800, 45, 90_061].map(formatTtl)).toEqual(['90d', '721h', '30m', '45s', '90061s']);
  });
});

describe('--cidr / --renewer-cidr', () => {
  it('networks keep their prefix, a bare address is itself alone, "any" lifts the binding', () => {
    expect(parseCidr('10.0.0.0/24')).toBe('10.0.0.0/24');
    expect(parseCidr('10.0.0.11')).toBe('10.0.0.11/32');
    expect(parseCidr('fd00::/8')).toBe('fd00::/8');
    expect(parseCidr('::1')).toBe('::1/128');
    expect(parseCidr('ANY')).toBe('any');
    expect(cidrList(['10.0.0.11', '10.0.0.11/32', '127.0.0.1/32'], '--cidr')).toEqual(['10.0.0.11/32', '127.0.0.1/32']);
    expect(cidrList(['any'], '--cidr')).toEqual([]);
    expect(cidrList(undefined, '--cidr')).toBeUndefined();
  });

  it.each(['10.0.0.0/33', '10.0.0/24', 'sam01.example.com', '10.0.0.1/24/1', '::1/129', '10.0.0.1/-1', ''])('"%s" is refused (exit 2)', (raw) => {
    const { message, exitCode } = refusal(() => parseCidr(raw));
    expect(exitCode).toBe(2);
    expect(message).toBe(`invalid CIDR "${raw}": give an IPv4 or IPv6 network such as 10.0.0.11/32 or 10.0.0.0/24`);
  });

  it('"any" with networks is refused', () => {
    expect(refusal(() => cidrList(['any', '10.0.0.1'], '--renewer-cidr')).message).toBe('--renewer-cidr any lifts the binding, and cannot go with networks');
  });
});
