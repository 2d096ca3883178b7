import forge from 'node-forge';
import { describe, expect, it } from 'vitest';

// forge's own pure-JS PKCS#12 key derivation, captured before samctl routes it to OpenSSL's hashes.
type Kdf = (password: string | null | undefined, salt: forge.util.ByteStringBuffer, id: number, iterations: number, n: number, md?: forge.md.MessageDigest) => forge.util.ByteStringBuffer;
const forgeKdf = forge.pkcs12.generateKey as unknown as Kdf;

const hex = (buffer: forge.util.ByteStringBuffer) => buffer.toHex();
const salt = (h: string) => forge.util.createBuffer(forge.util.hexToBytes(h));

describe('native PKCS#12 key derivation (RFC 7292 B.2) for forge', () => {
  it('derives exactly what forge derives, for every ID, digest, length, salt and password shape', async () => {
    const cases: Array<[string | null, string, number, number, number, (() => forge.md.MessageDigest) | undefined]> = [
      ['store-password-1', '0a58cf64530d823f', 3, 10_000, 20, undefined],
      ['store-password-1', '0a58cf64530d823f', 3, 10_000, 20, () => forge.md.sha1.create()],
      ['tEst-pAssword-2', '00112233445566778899aabbccddeeff', 3, 2048, 32, () => forge.md.sha256.create()],
      ['tEst-pAssword-2', '00112233445566778899aabbccddeeff', 1, 2048, 24, () => forge.md.sha1.create()],
      ['tEst-pAssword-2', '00112233445566778899aabbccddeeff', 2, 2048, 8, () => forge.md.sha1.create()],
      ['a password longer than one sixty-four byte block, in UTF-16 with its terminator: é', 'ff', 1, 3, 70, () => forge.md.sha256.create()],
      ['', 'deadbeef', 3, 1, 64, () => forge.md.sha512.create()],
      [null, 'deadbeef', 3, 5, 48, () => forge.md.sha384.create()],
    ];
    const expected = cases.map(([password, s, id, iterations, n, md]) => hex(forgeKdf(password, salt(s), id, iterations, n, md?.())));
    const { pkcs12Kdf } = await import('../../src/pki/native-pkcs12-kdf.js');
    const routed = forge.pkcs12.generateKey as unknown as Kdf & { native?: boolean };
    expect(routed.native).toBe(true);
    expect((forge.pki as unknown as { pbe: { generatePkcs12Key: unknown } }).pbe.generatePkcs12Key).toBe(routed);
    cases.forEach(([password, s, id, iterations, n, md], index) => {
      expect(hex(routed(password, salt(s), id, iterations, n, md?.()))).toBe(expected[index]);
    });
    // The routed function leaves the salt buffer as it found it (forge reads it again for the MacData).
    const kept = salt('0a58cf64530d823f');
    routed('p', kept, 3, 2, 20);
    expect(kept.toHex()).toBe('0a58cf64530d823f');
    // The published test vectors (RFC 7292's KDF, as in OpenSSL's test suite): SHA-1, password "smeg" / "queeg".
    expect(pkcs12Kdf('smeg', Buffer.from('0a58cf64530d823f', 'hex'), 1, 1, 24, 'sha1').toString('hex')).toBe('8aaae6297b6cb04642ab5b077851284eb7128f1a2a7fbca3');
    expect(pkcs12Kdf('smeg', Buffer.from('0a58cf64530d823f', 'hex'), 2, 1, 8, 'sha1').toString('hex')).toBe('79993dfe048d3b76');
    expect(pkcs12Kdf('queeg', Buffer.from('05dec959acff72f7', 'hex'), 1, 1000, 24, 'sha1').toString('hex')).toBe('ed2034e36328830ff09df1e1a07dd357185dac0d4f9eb3d4');
    expect(() => pkcs12Kdf('p', Buffer.alloc(8), 3, 0, 20, 'sha1')).toThrow('iteration count must be >= 1');
  });
});
