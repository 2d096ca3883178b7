import { randomBytes } from 'node:crypto';

/**
 * 17 random bytes as hex: the first byte gets its top bit cleared (a DER INTEGER must stay
 * positive) and its low bit set (never a leading zero byte, which DER forbids), leaving
 * 134 random bits: well past the 128 asked of us and the CA/Browser Forum's 64.
 */
export function randomSerialHex(): string {
  const bytes = randomBytes(17);
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return bytes.toString('hex');
}
