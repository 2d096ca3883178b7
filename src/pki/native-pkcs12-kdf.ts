import { createHash, hash } from 'node:crypto';
import forge from 'node-forge';

/**
 * PKCS#12's own key derivation (RFC 7292 appendix B.2) turns a store password into the MAC key
 * of every PKCS#12 file: thousands of iterated hashes, which forge runs in pure JavaScript
 * (~90 ms for the 10,000 iterations samctl's PKCS#12 keystores use). This routes forge's
 * `pkcs12.generateKey` (and `pki.pbe.generatePkcs12Key`, the same function) to the same
 * algorithm over Node's OpenSSL hashes, byte for byte forge's result (test/unit/pkcs12-kdf.test.ts);
 * unknown digests go to forge's own code.
 */
type Kdf = (password: string | null | undefined, salt: forge.util.ByteStringBuffer, id: number, iterations: number, n: number, md?: forge.md.MessageDigest) => forge.util.ByteStringBuffer;

/** OpenSSL's name, output length u and block length v of each digest forge may pass. */
const DIGESTS: Record<string, { name: string; u: number; v: number }> = {
  sha1: { name: 'sha1', u: 20, v: 64 },
  sha256: { name: 'sha256', u: 32, v: 64 },
  sha384: { name: 'sha384', u: 48, v: 128 },
  sha512: { name: 'sha512', u: 64, v: 128 },
};

/**
 * RFC 7292 B.2 over `password` as forge encodes it (UTF-16 code units, big-endian, then two
 * zero bytes; none at all for a null password), for ID byte `id` (1 key, 2 IV, 3 MAC).
 */
export function pkcs12Kdf(password: string | null | undefined, salt: Buffer, id: number, iterations: number, n: number, digest: keyof typeof DIGESTS): Buffer {
  if (!(iterations >= 1)) throw new Error('PKCS#12 key derivation iteration count must be >= 1.');
  const { name, u, v } = DIGESTS[digest]!;
  const pass = password === null || password === undefined ? Buffer.alloc(0) : Buffer.alloc(password.length * 2 + 2);
  for (let i = 0; password && i < password.length; i++) pass.writeUInt16BE(password.charCodeAt(i), i * 2);
  const repeat = (source: Buffer) => {
    const out = Buffer.alloc(v * Math.ceil(source.length / v));
    for (let i = 0; i < out.length; i++) out[i] = source[i % source.length]!;
    return out;
  };
  const diversifier = Buffer.alloc(v, id);
  const input = Buffer.concat([repeat(salt), repeat(pass)]);
  const blocks: Buffer[] = [];
  for (let produced = 0; produced < n; produced += u) {
    let a: Buffer = createHash(name).update(diversifier).update(input).digest();
    for (let round = 1; round < iterations; round++) a = hash(name, a, 'buffer') as unknown as Buffer;
    blocks.push(a);
    // I_j = (I_j + B + 1) mod 2^(8v) for every v-byte block of I, B being A repeated to v bytes.
    for (let start = 0; start < input.length; start += v) {
      let carry = 1;
      for (let i = v - 1; i >= 0; i--) {
        const sum = input[start + i]! + a[i % u]! + carry;
        input[start + i] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(blocks).subarray(0, n);
}

const pkcs12 = forge.pkcs12 as unknown as { generateKey: Kdf & { native?: true } };
const pbe = (forge.pki as unknown as { pbe: { generatePkcs12Key: Kdf & { native?: true } } }).pbe;

export function installNativePkcs12Kdf(): void {
  if (pkcs12.generateKey.native) return;
  const forgeKdf = pkcs12.generateKey;
  const routed: Kdf & { native?: true } = (password, salt, id, iterations, n, md) => {
    const digest = md === undefined || md === null ? 'sha1' : (md as { algorithm?: string }).algorithm;
    if (!digest || !(digest in DIGESTS)) return forgeKdf(password, salt, id, iterations, n, md);
    return forge.util.createBuffer(pkcs12Kdf(password, Buffer.from(salt.bytes(), 'binary'), id, iterations, n, digest as keyof typeof DIGESTS).toString('binary'));
  };
  routed.native = true;
  pkcs12.generateKey = routed;
  pbe.generatePkcs12Key = routed;
}

installNativePkcs12Kdf();
