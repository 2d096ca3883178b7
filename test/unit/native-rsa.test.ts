import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';

// OpenSSL's private-key operation, counted (passed through unchanged) to show who signs.
const nodeCrypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
const privateEncrypt = nodeCrypto.privateEncrypt;
let openSslSignatures = 0;
nodeCrypto.privateEncrypt = ((...args: Parameters<typeof privateEncrypt>) => {
  openSslSignatures += 1;
  return privateEncrypt(...args);
}) as typeof privateEncrypt;
syncBuiltinESMExports();

// Keys made before the routing is installed keep forge's pure-JS signing: the reference.
const pem = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
const forgeKey = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;

function selfSigned(key: forge.pki.rsa.PrivateKey): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date('2026-01-01T00:00:00Z');
  cert.validity.notAfter = new Date('2027-01-01T00:00:00Z');
  const name = [{ name: 'commonName', value: 'native rsa test' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.sign(key, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

describe('native RSA signing for forge keys', () => {
  it('signs exactly what forge signs (SHA-1, SHA-256, SHA-512; a certificate), and openssl verifies it', async () => {
    const reference = {
      sha1: forgeKey.sign(forge.md.sha1.create().update('samctl')),
      sha256: forgeKey.sign(forge.md.sha256.create().update('samctl')),
      sha512: forgeKey.sign(forge.md.sha512.create().update('samctl')),
      cert: selfSigned(forgeKey),
    };
    expect(openSslSignatures, 'forge signs by itself before the routing').toBe(0);
    await import('../../src/pki/native-rsa.js');
    const routed = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
    expect((forge.pki as unknown as { setRsaPrivateKey: { native?: boolean } }).setRsaPrivateKey.native).toBe(true);
    expect(routed.sign(forge.md.sha1.create().update('samctl'))).toBe(reference.sha1);
    expect(routed.sign(forge.md.sha256.create().update('samctl'))).toBe(reference.sha256);
    expect(routed.sign(forge.md.sha512.create().update('samctl'))).toBe(reference.sha512);
    expect(routed.sign(forge.md.sha256.create().update('other'))).not.toBe(reference.sha256);
    const cert = selfSigned(routed);
    expect(cert).toBe(reference.cert);
    expect(openSslSignatures, 'signatures OpenSSL made').toBe(5);
    const dir = mkdtempSync(join(tmpdir(), 'samctl-native-rsa-'));
    writeFileSync(join(dir, 'cert.pem'), cert);
    expect(execFileSync('openssl', ['verify', '-CAfile', join(dir, 'cert.pem'), join(dir, 'cert.pem')], { encoding: 'utf8' })).toContain(': OK');
  });
});
