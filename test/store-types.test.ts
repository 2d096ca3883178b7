import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectStoreListing } from './helpers/keytool-list.js';
import { samctl, samctlOk, tempDir, tool } from './helpers/samctl.js';

// --store-type pkcs12 and pem: Java's keytool and OpenSSL 3 (no legacy provider) must read them.
describe('PKCS#12 and PEM store types', () => {
  const cwd = tempDir();
  const pki = join(cwd, 'pki');
  const dir = (kind: string, name: string) => join(pki, kind, name);

  beforeAll(async () => {
    await samctlOk(['ca', 'init', '--key-size', '2048'], { cwd });
    await samctlOk(['broker', 'issue', 'p12.local', '--store-type', 'pkcs12'], { cwd });
    await samctlOk(['client', 'issue', 'p12-client', '--store-type', 'pkcs12'], { cwd });
    await samctlOk(['broker', 'issue', 'pem.local', '--store-type', 'pem'], { cwd });
    await samctlOk(['client', 'issue', 'pem-client', '--store-type', 'pem'], { cwd });
  });

  it('lets keytool see the PKCS#12 truststore\'s CA as a trustedCertEntry and the keystore\'s key entry', async () => {
    const broker = dir('brokers', 'p12.local');
    await expectStoreListing(join(broker, 'truststore.p12'), join(broker, 'truststore.password'), { type: 'PKCS12', entry: 'trustedCertEntry', entries: 1 });
    await expectStoreListing(join(broker, 'keystore.p12'), join(broker, 'store.password'), { alias: 'p12.local', entry: 'PrivateKeyEntry', chainLength: 2 });
  });

  it('writes PKCS#12 files OpenSSL 3 reads without the legacy provider (no RC2/RC4)', async () => {
    for (const [name, kind] of [['p12.local', 'brokers'], ['p12-client', 'clients']]) {
      const d = dir(kind, name);
      const keystore = await tool('openssl', ['pkcs12', '-in', join(d, 'keystore.p12'), '-passin', `file:${join(d, 'store.password')}`, '-info', '-noout']);
      expect(keystore.all).toMatch(/PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256/);
      expect(keystore.all).toMatch(/MAC: sha256, Iteration 2048/);
      expect(keystore.all).not.toMatch(/RC2|RC4|legacy/i);
      const trustInfo = await tool('openssl', ['pkcs12', '-in', join(d, 'truststore.p12'), '-passin', `file:${join(d, 'truststore.password')}`, '-info', '-noout']);
      expect(trustInfo.all).toMatch(/MAC: sha256, Iteration 2048/);
      const wrong = await tool('openssl', ['pkcs12', '-in', join(d, 'keystore.p12'), '-passin', 'pass:not-the-password', '-info', '-noout'], { reject: false });
      expect(wrong.exitCode).not.toBe(0);
      expect(wrong.all).toMatch(/mac verify error/i);
      const truststore = await tool('openssl', ['pkcs12', '-in', join(d, 'truststore.p12'), '-passin', `file:${join(d, 'truststore.password')}`, '-nokeys']);
      expect(truststore.stdout).toContain('BEGIN CERTIFICATE');
      const extracted = await tool('openssl', ['pkcs12', '-in', join(d, 'keystore.p12'), '-passin', `file:${join(d, 'store.password')}`, '-nocerts', '-nodes']);
      expect(extracted.stdout).toContain('BEGIN PRIVATE KEY');
    }
  });

  it('writes a Kafka PEM keystore: unencrypted PKCS#8 key, then the chain leaf first', async () => {
    const broker = dir('brokers', 'pem.local');
    const pem = readFileSync(join(broker, 'keystore.pem'), 'utf8');
    const blocks = [...pem.matchAll(/-----BEGIN ([A-Z ]+)-----/g)].map((m) => m[1]);
    expect(blocks).toEqual(['PRIVATE KEY', 'CERTIFICATE', 'CERTIFICATE']);
    expect(statSync(join(broker, 'keystore.pem')).mode & 0o777).toBe(0o600);
    const leaf = await tool('openssl', ['x509', '-in', join(broker, 'keystore.pem'), '-noout', '-subject']);
    expect(leaf.stdout).toContain('CN = pem.local');
    const verify = await tool('openssl', ['verify', '-CAfile', join(broker, 'truststore.pem'), join(broker, 'broker.crt')]);
    expect(verify.stdout).toContain(': OK');
  });

  it('emits PEM properties without any password (Kafka rejects store passwords with PEM)', () => {
    const server = readFileSync(join(dir('brokers', 'pem.local'), 'server-ssl.properties'), 'utf8');
    expect(server).toContain('ssl.keystore.type=PEM');
    expect(server).toContain('ssl.truststore.type=PEM');
    expect(server).not.toMatch(/password/i);
    const client = readFileSync(join(dir('clients', 'pem-client'), 'client-ssl.properties'), 'utf8');
    expect(client).toContain(`ssl.keystore.location=${join(dir('clients', 'pem-client'), 'keystore.pem')}`);
    expect(client).not.toMatch(/password/i);
    expect(existsSync(join(dir('clients', 'pem-client'), 'store.password'))).toBe(false);
  });

  it('records the store type and names PKCS12 in the properties', () => {
    const inventory = JSON.parse(readFileSync(join(pki, 'samctl.json'), 'utf8'));
    expect(inventory.identities.map((i: { storeType: string }) => i.storeType)).toEqual(['pkcs12', 'pkcs12', 'pem', 'pem']);
    const client = readFileSync(join(dir('clients', 'p12-client'), 'client-ssl.properties'), 'utf8');
    expect(client).toContain('ssl.keystore.type=PKCS12');
    expect(client).toContain('ssl.truststore.type=PKCS12');
  });

  it('refuses an unknown store type', async () => {
    const result = await samctl(['client', 'issue', 'x', '--store-type', 'bks'], { cwd });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('invalid --store-type "bks": use jks, pkcs12 or pem');
  });
});
