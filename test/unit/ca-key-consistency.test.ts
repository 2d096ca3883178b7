import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { generateKeyPairSync, pbkdf2Sync, randomBytes } from 'node:crypto';
import { CA_KEY_PBKDF2_ITERATIONS, decryptPrivateKey, sealPrivateKey } from '../../src/pki/keys.js';

/**
 * A CA key that decrypts but whose numbers disagree is refused before it signs anything.
 * OpenSSL signs for samctl and quietly redoes a CRT result that does not verify, so a test
 * signature cannot find a damaged CRT part: every part is checked by arithmetic.
 */
describe('the decrypted CA key is checked part by part', () => {
  const pem = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
  const key = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  const parts = ['n', 'e', 'd', 'p', 'q', 'dP', 'dQ', 'qInv'] as const;
  const salt = randomBytes(16);
  const sealing = { salt, iv: randomBytes(16), derivedKey: pbkdf2Sync('passphrase-123', salt, CA_KEY_PBKDF2_ITERATIONS, 32, 'sha256') };
  const withDamaged = (part?: (typeof parts)[number]) => {
    const values = parts.map((name) => (name === part ? key[name].add(forge.jsbn.BigInteger.ONE.shiftLeft(40)) : key[name]));
    return sealPrivateKey(forge.pki.setRsaPrivateKey(...(values as [forge.jsbn.BigInteger, forge.jsbn.BigInteger, forge.jsbn.BigInteger, forge.jsbn.BigInteger, forge.jsbn.BigInteger, forge.jsbn.BigInteger, forge.jsbn.BigInteger, forge.jsbn.BigInteger])), sealing);
  };

  it('takes the key as it was made', async () => {
    expect((await decryptPrivateKey(withDamaged(), 'passphrase-123', 'ca.key')).n.equals(key.n)).toBe(true);
  });

  for (const part of parts) {
    it(`refuses it with ${part} changed`, async () => {
      await expect(decryptPrivateKey(withDamaged(part), 'passphrase-123', 'ca/ca.key')).rejects.toThrow(/ca\/ca\.key is damaged and cannot be read \(/);
    });
  }
});
