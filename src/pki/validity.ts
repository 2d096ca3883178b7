import { DEFAULTS } from '../defaults.js';
import { usageError } from '../errors.js';

const MAX_DAYS = 36500;

/** Broker and client certificates: 365 days, unless --days says otherwise. */
export const LEAF_DEFAULT_DAYS = DEFAULTS.leafDays;

/** --days: a whole number of days from 1 to 36500. */
export function parseDays(raw: string | number, flag = '--days'): number {
  const text = String(raw).trim();
  const days = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(days) || days < 1 || days > MAX_DAYS) {
    throw usageError(`invalid ${flag} "${text}": give a whole number of days from 1 to ${MAX_DAYS}`);
  }
  return days;
}

export const KEY_SIZES = [2048, 3072, 4096] as const;
export type KeySize = (typeof KEY_SIZES)[number];

export function parseKeySize(raw: string | number): KeySize {
  const text = String(raw).trim();
  const size = Number(text);
  if (!/^\d+$/.test(text) || !(KEY_SIZES as readonly number[]).includes(size)) {
    throw usageError(`invalid --key-size "${raw}": RSA keys of ${KEY_SIZES.join(', ')} bits are supported`);
  }
  return size as KeySize;
}

/** RFC 5280 §4.1.2.5: the last instant a certificate can express (GeneralizedTime 99991231235959Z). */
const LAST_EXPRESSIBLE = Date.UTC(9999, 11, 31, 23, 59, 59);
/** Before 1950 the encoders switch time formats that some TLS stacks refuse; no sane clock is there. */
const FIRST_SANE = Date.UTC(1970, 0, 1);

/** A validity window starting a minute before `now` (clock skew between hosts). */
export function validityWindow(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now.getTime() + days * 86_400_000);
  if (notBefore.getTime() < FIRST_SANE || notAfter.getTime() > LAST_EXPRESSIBLE) {
    throw usageError(
      `a certificate valid for ${days} days from ${now.toISOString()} cannot be encoded (it must lie between 1970 and 9999-12-31)`,
      'use fewer --days, or check SAMCTL_NOW and the system clock',
    );
  }
  return { notBefore, notAfter };
}
