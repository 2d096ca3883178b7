import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, pbkdf2Sync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CA_KEY_PBKDF2_ITERATIONS, decryptPrivateKey, sealPrivateKey, startKeySealing } from '../../src/pki/keys.js';

/**
 * The CA key's PBES2 derivation runs while the key is made (startKeySealing), and the
 * EncryptedPrivateKeyInfo is then assembled from it (sealPrivateKey): it must be exactly what
 * forge writes, and what OpenSSL reads.
 */
describe('CA key sealing with a derivation made beforehand', () => {
  const pem = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
  const key = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  const dir = mkdtempSync(join(tmpdir(), 'samctl-sealing-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes byte for byte what forge writes for the same salt and IV', () => {
    const salt = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
    const iv = Buffer.from('f0e0d0c0b0a090807060504030201000', 'hex');
    const derivedKey = pbkdf2Sync('correct horse battery', salt, CA_KEY_PBKDF2_ITERATIONS, 32, 'sha256');
    const random = vi.spyOn(forge.random, 'getBytesSync').mockReturnValueOnce(salt.toString('binary')).mockReturnValueOnce(iv.toString('binary'));
    const byForge = forge.pki.encryptRsaPrivateKey(key, 'correct horse battery', { algorithm: 'aes256', prfAlgorithm: 'sha256', count: CA_KEY_PBKDF2_ITERATIONS, saltSize: 16 } as forge.pki.EncryptionOptions);
    random.mockRestore();
    expect(sealPrivateKey(key, { salt, iv, derivedKey })).toBe(byForge);
  });

  it('is read by openssl pkey with the passphrase, and by samctl', async () => {
    const sealed = sealPrivateKey(key, await startKeySealing('correct horse battery'));
    writeFileSync(join(dir, 'ca.key'), sealed);
    writeFileSync(join(dir, 'pass'), 'correct horse battery\n', { mode: 0o600 });
    const text = execFileSync('openssl', ['pkey', '-in', join(dir, 'ca.key'), '-passin', `file:${join(dir, 'pass')}`, '-noout', '-text'], { encoding: 'utf8' });
    expect(text).toMatch(/Private-Key: \(2048 bit/);
    const asn1 = execFileSync('openssl', ['asn1parse', '-in', join(dir, 'ca.key')], { encoding: 'utf8' });
    expect(asn1).toMatch(/PBES2/);
    expect(asn1).toMatch(/hmacWithSHA256/);
    expect(asn1).toMatch(/aes-256-cbc/);
    expect(asn1).toMatch(/INTEGER\s+:0927C0\b/); // 600,000 iterations
    const opened = createPrivateKey({ key: sealed, format: 'pem', passphrase: 'correct horse battery' });
    expect(opened.export({ type: 'pkcs8', format: 'pem' })).toBe(pem);
    expect((await decryptPrivateKey(sealed, 'correct horse battery', 'ca.key')).n.equals(key.n)).toBe(true);
    await expect(decryptPrivateKey(sealed, 'wrong horse', 'ca.key')).rejects.toThrow('wrong CA passphrase');
  });

  it('uses a fresh salt and IV every time', async () => {
    const [a, b] = await Promise.all([startKeySealing('p'), startKeySealing('p')]);
    expect(a.salt.equals(b.salt)).toBe(false);
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.derivedKey.equals(b.derivedKey)).toBe(false);
  });

  it('unseals off this thread: timers keep firing while the 600,000 iterations run', async () => {
    const sealed = sealPrivateKey(key, await startKeySealing('correct horse battery'));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const opened = await decryptPrivateKey(sealed, 'correct horse battery', 'ca.key');
    clearInterval(timer);
    expect(opened.n.equals(key.n)).toBe(true);
    expect(ticks).toBeGreaterThanOrEqual(3);
  });

  it.each([
    ['AES-128, HMAC-SHA256', ['-v2', 'aes-128-cbc', '-v2prf', 'hmacWithSHA256']],
    ['AES-256, HMAC-SHA512', ['-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA512']],
    ['AES-256, HMAC-SHA256, 2,048 iterations', ['-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA256', '-iter', '2048']],
  ])('reads a key openssl encrypted another way (%s), and refuses a wrong passphrase for it', async (_name, options) => {
    writeFileSync(join(dir, 'plain.pem'), pem, { mode: 0o600 });
    writeFileSync(join(dir, 'pass'), 'correct horse battery\n', { mode: 0o600 });
    const converted = execFileSync('openssl', ['pkcs8', '-topk8', ...options, '-in', join(dir, 'plain.pem'), '-passout', `file:${join(dir, 'pass')}`], { encoding: 'utf8' });
    expect((await decryptPrivateKey(converted, 'correct horse battery', 'ca.key')).n.equals(key.n)).toBe(true);
    await expect(decryptPrivateKey(converted, 'wrong horse', 'ca.key')).rejects.toThrow('wrong CA passphrase');
  });
});
