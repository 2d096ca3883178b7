import { describe, expect, it } from 'vitest';
import { SamctlError } from '../../src/errors.js';
import { daysLeft, expiryState, parseThreshold, type Threshold } from '../../src/lifecycle/threshold.js';

const DAY = 86_400_000;

describe('parseThreshold', () => {
  it.each([
    ['30d', { kind: 'window', ms: 2_592_000_000, text: '30d' }],
    ['720h', { kind: 'window', ms: 2_592_000_000, text: '720h' }],
    ['90m', { kind: 'window', ms: 5_400_000, text: '90m' }],
    ['1d', { kind: 'window', ms: 86_400_000, text: '1d' }],
    ['999999d', { kind: 'window', ms: 86_399_913_600_000, text: '999999d' }],
    [' 30d ', { kind: 'window', ms: 2_592_000_000, text: '30d' }],
    ['66%', { kind: 'share', fraction: 0.66, text: '66%' }],
    ['0.5%', { kind: 'share', fraction: 0.005, text: '0.5%' }],
    ['1%', { kind: 'share', fraction: 0.01, text: '1%' }],
    ['99.9%', { kind: 'share', fraction: 0.9990000000000001, text: '99.9%' }],
  ])('reads %j', (raw, expected) => {
    expect(parseThreshold(raw)).toEqual(expected);
  });

  it.each(['0%', '0.0%', '100%', '100.0%', '150%', '30', 'd', '%', '-1d', '+1d', '30x', '30D', '30 d', '1.5d', '1000000d', '', '  ', '66%%', '.5%', '30d5'])(
    'refuses %j with a usage error (exit 2) that names the accepted forms',
    (raw) => {
      let error: unknown;
      try {
        parseThreshold(raw);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(SamctlError);
      expect((error as SamctlError).exitCode).toBe(2);
      expect((error as SamctlError).message).toBe(
        `invalid --within "${raw}": use days (30d), hours (720h), minutes (90m) or a share of the lifetime (66%)`,
      );
    },
  );
});

describe('expiryState at the boundaries', () => {
  // A 30-day certificate: 2025-01-01T00:00Z → 2025-01-31T00:00Z (2 592 000 000 ms).
  const validity = { notBefore: new Date('2025-01-01T00:00:00.000Z'), notAfter: new Date('2025-01-31T00:00:00.000Z') };
  const window7d: Threshold = { kind: 'window', ms: 7 * DAY, text: '7d' };
  const share66: Threshold = { kind: 'share', fraction: 0.66, text: '66%' };
  const at = (iso: string) => new Date(iso);

  it('window: due exactly when the time left equals the window, ok one millisecond before', () => {
    expect(expiryState(validity, at('2025-01-23T23:59:59.999Z'), window7d)).toBe('ok');
    expect(expiryState(validity, at('2025-01-24T00:00:00.000Z'), window7d)).toBe('due');
    expect(expiryState(validity, at('2025-01-30T23:59:59.999Z'), window7d)).toBe('due');
  });

  it('expired exactly at notAfter (no time left), and after it, whatever the threshold', () => {
    for (const threshold of [window7d, share66]) {
      expect(expiryState(validity, at('2025-01-31T00:00:00.000Z'), threshold)).toBe('expired');
      expect(expiryState(validity, at('2026-01-01T00:00:00.000Z'), threshold)).toBe('expired');
    }
  });

  it('share: due exactly when 66% of the lifetime has passed (19.8 days = 2025-01-20T19:12Z)', () => {
    expect(expiryState(validity, at('2025-01-20T19:11:59.999Z'), share66)).toBe('ok');
    expect(expiryState(validity, at('2025-01-20T19:12:00.000Z'), share66)).toBe('due');
  });

  it('share: a one-year leaf with the one-minute skew (notBefore = now - 60 s) is due after 240 d 21:36:39.6', () => {
    // 66% of 365 d + 60 s = 20 813 799 600 ms after notBefore 2025-03-01T11:59:00Z.
    const leaf = { notBefore: new Date('2025-03-01T11:59:00.000Z'), notAfter: new Date('2026-03-01T12:00:00.000Z') };
    expect(expiryState(leaf, at('2025-10-28T09:35:39.599Z'), share66)).toBe('ok');
    expect(expiryState(leaf, at('2025-10-28T09:35:39.600Z'), share66)).toBe('due');
  });

  it('a window longer than the lifetime makes a fresh certificate due at once; before notBefore it is still judged by time left', () => {
    expect(expiryState(validity, at('2025-01-01T00:00:00.000Z'), { kind: 'window', ms: 31 * DAY, text: '31d' })).toBe('due');
    expect(expiryState(validity, at('2024-12-01T00:00:00.000Z'), window7d)).toBe('ok');
    expect(expiryState(validity, at('2024-12-01T00:00:00.000Z'), share66)).toBe('ok');
  });
});

describe('daysLeft rounds down to whole days', () => {
  const notAfter = new Date('2025-01-31T00:00:00.000Z');
  it.each([
    ['2025-01-01T00:00:00.000Z', 30],
    ['2025-01-01T00:00:00.001Z', 29],
    ['2025-01-29T12:00:00.000Z', 1],
    ['2025-01-30T00:00:00.001Z', 0],
    ['2025-01-31T00:00:00.000Z', 0],
    ['2025-01-31T00:00:00.001Z', -1],
    ['2025-01-31T12:00:00.000Z', -1],
    ['2025-02-02T00:00:00.000Z', -2],
  ])('at %s: %i', (now, expected) => {
    expect(daysLeft(notAfter, new Date(now))).toBe(expected);
  });
});
