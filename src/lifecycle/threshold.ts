import { usageError } from '../errors.js';

/** When a certificate counts as due: a fixed window before expiry, or a share of its lifetime gone. */
export type Threshold = { kind: 'window'; ms: number; text: string } | { kind: 'share'; fraction: number; text: string };

/** step's default rule: renew once 66% of the lifetime has passed. */
export const DEFAULT_THRESHOLD = '66%';

const UNITS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000 };

/** `30d`, `720h`, `90m` or `66%`. */
export function parseThreshold(raw: string): Threshold {
  const text = raw.trim();
  const share = /^(\d{1,2}(?:\.\d+)?)%$/.exec(text);
  if (share) {
    const percent = Number(share[1]);
    if (percent > 0 && percent < 100) return { kind: 'share', fraction: percent / 100, text };
  }
  const window = /^(\d{1,6})([dhm])$/.exec(text);
  if (window) return { kind: 'window', ms: Number(window[1]) * UNITS[window[2]], text };
  throw usageError(`invalid --within "${raw}": use days (30d), hours (720h), minutes (90m) or a share of the lifetime (66%)`);
}

export type ExpiryState = 'ok' | 'due' | 'expired';

export function expiryState(validity: { notBefore: Date; notAfter: Date }, now: Date, threshold: Threshold): ExpiryState {
  const left = validity.notAfter.getTime() - now.getTime();
  if (left <= 0) return 'expired';
  if (threshold.kind === 'window') return left <= threshold.ms ? 'due' : 'ok';
  const lifetime = validity.notAfter.getTime() - validity.notBefore.getTime();
  const elapsed = now.getTime() - validity.notBefore.getTime();
  return elapsed >= lifetime * threshold.fraction ? 'due' : 'ok';
}

export function daysLeft(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000);
}
