import { usageError } from '../errors.js';

const MAX_DAYS = 36500;

/** Broker and client certificates: one year, unless --days says otherwise. */
export const LEAF_DEFAULT_DAYS = 365;

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
  const size = Number(String(raw).trim());
  if (!(KEY_SIZES as readonly number[]).includes(size)) {
    throw usageError(`invalid --key-size "${raw}": RSA keys of ${KEY_SIZES.join(', ')} bits are supported`);
  }
  return size as KeySize;
}

/** A validity window starting a minute before `now` (clock skew between hosts). */
export function validityWindow(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now.getTime() + days * 86_400_000);
  return { notBefore, notAfter };
}
