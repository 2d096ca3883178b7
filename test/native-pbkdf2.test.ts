import forge from 'node-forge';
import { describe, expect, it } from 'vitest';

// forge's own pure-JS PBKDF2, captured before samctl routes it to OpenSSL.
const forgePbkdf2 = forge.pkcs5.pbkdf2 as unknown as (p: string, s: string, c: number, len: number, md: forge.md.MessageDigest) => string;

describe('native PBKDF2 routing for forge', () => {
  it('derives exactly what forge derives, for SHA-1 and SHA-256', async () => {
    const salt = forge.random.getBytesSync(16);
    const expected = {
      sha1: forgePbkdf2('store-password-1', salt, 2048, 32, forge.md.sha1.create()),
      sha256: forgePbkdf2('store-password-1', salt, 2048, 32, forge.md.sha256.create()),
    };
    await import('../src/pki/native-pbkdf2.js');
    const routed = forge.pkcs5.pbkdf2 as unknown as typeof forgePbkdf2 & { native?: boolean };
    expect(routed.native).toBe(true);
    expect(routed('store-password-1', salt, 2048, 32, forge.md.sha1.create())).toBe(expected.sha1);
    expect(routed('store-password-1', salt, 2048, 32, forge.md.sha256.create())).toBe(expected.sha256);
    expect(routed('store-password-1', salt, 2048, 32, forge.md.sha256.create())).not.toBe(routed('store-password-2', salt, 2048, 32, forge.md.sha256.create()));
  });
});
