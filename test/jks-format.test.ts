import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { javaUtf, passwordBytes, protectPrivateKey, writeJks } from '../src/keystore/jks-format.js';
import { samctlOk, tempDir, tool } from './helpers/samctl.js';

// samctl writes JKS itself (src/keystore/jks-format.ts). keytool is the judge: a store that
// keytool writes from the same key, chain, salt and date must be byte-for-byte the one
// samctl writes, and keytool must open what samctl writes with the right password only.

/** Non-ASCII and shell-special characters: UTF-16BE in the integrity hash and the key protection. */
const PASSWORD = 'pä$s wörd"!\'`x';
const JAVA_ENV = { LC_ALL: 'C.UTF-8', STORE_PASS: PASSWORD };
/** Java and OpenSSL disagree on non-ASCII PKCS#12 passwords; the PKCS#12 only carries the key in. */
const P12_PASS = 'p12 transit pass';

/** The entry date (int64 ms) and, for a key entry, the KeyProtector salt of a one-entry JKS. */
function firstEntry(jks: Buffer): { date: Date; salt?: Buffer } {
  expect(jks.readUInt32BE(0)).toBe(0xfeedfeed);
  expect(jks.readUInt32BE(4)).toBe(2);
  expect(jks.readUInt32BE(8)).toBe(1);
  const tag = jks.readUInt32BE(12);
  const aliasEnd = 16 + jks.readUInt16BE(16) + 2;
  const date = new Date(Number(jks.readBigInt64BE(aliasEnd)));
  if (tag === 2) return { date };
  // int32 length, then EncryptedPrivateKeyInfo: 30 82 LL LL | 30 0e <OID 12 bytes> 05 00 | 04 82 LL LL | salt…
  const epki = aliasEnd + 8 + 4;
  expect(jks.subarray(epki + 4, epki + 4 + 16).toString('hex')).toBe('300e060a2b060104012a021101010500');
  return { date, salt: jks.subarray(epki + 4 + 16 + 4, epki + 4 + 16 + 4 + 20) };
}

describe('JKS written by samctl, judged by keytool', () => {
  const dir = tempDir('samctl-jks-');
  const file = (name: string) => join(dir, name);
  const der = (name: string) => readFileSync(file(name));

  beforeAll(async () => {
    await tool('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.crt'), '-subj', '/CN=JKS Test CA', '-days', '2']);
    await tool('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('leaf.key'), '-out', file('leaf.csr'), '-subj', '/CN=broker-1.example.com']);
    await tool('openssl', ['x509', '-req', '-in', file('leaf.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-set_serial', '7', '-days', '1', '-out', file('leaf.crt')]);
    for (const name of ['ca', 'leaf']) await tool('openssl', ['x509', '-in', file(`${name}.crt`), '-outform', 'DER', '-out', file(`${name}.der`)]);
    // pkcs8 -topk8: `openssl pkey -outform DER` writes PKCS#1, not the PKCS#8 that JKS keeps.
    await tool('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', file('leaf.key'), '-outform', 'DER', '-out', file('leaf.pk8')]);
    await tool('openssl', ['pkcs12', '-export', '-inkey', file('leaf.key'), '-in', file('leaf.crt'), '-certfile', file('ca.crt'), '-name', 'Broker-1', '-out', file('leaf.p12'), '-passout', 'env:P12_PASS'], { env: { P12_PASS } });
  });

  it('writes the same bytes as keytool -importkeystore for a key entry with its chain of 2', async () => {
    await tool('keytool', [
      '-importkeystore', '-noprompt', '-srckeystore', file('leaf.p12'), '-srcstoretype', 'PKCS12', '-srcstorepass:env', 'P12_PASS',
      '-destkeystore', file('keytool-keystore.jks'), '-deststoretype', 'JKS', '-deststorepass:env', 'STORE_PASS', '-destkeypass:env', 'STORE_PASS',
    ], { env: { ...JAVA_ENV, P12_PASS } });
    const reference = der('keytool-keystore.jks');
    const { date, salt } = firstEntry(reference);
    const ours = writeJks([{ kind: 'key', alias: 'Broker-1', pkcs8: der('leaf.pk8'), chain: [der('leaf.der'), der('ca.der')] }], { password: PASSWORD, date, salts: [salt!] });
    expect(ours.toString('hex')).toBe(reference.toString('hex'));
  });

  it('writes the same bytes as keytool -importcert for a trustedCertEntry', async () => {
    await tool('keytool', ['-importcert', '-noprompt', '-alias', 'CA', '-file', file('ca.crt'), '-keystore', file('keytool-trust.jks'), '-storetype', 'JKS', '-storepass:env', 'STORE_PASS'], { env: JAVA_ENV });
    const reference = der('keytool-trust.jks');
    const ours = writeJks([{ kind: 'trusted', alias: 'CA', cert: der('ca.der') }], { password: PASSWORD, date: firstEntry(reference).date });
    expect(ours.toString('hex')).toBe(reference.toString('hex'));
  });

  it('lets keytool open its stores with the password, recover the key, and refuse a wrong password', async () => {
    writeFileSync(file('ours.jks'), writeJks(
      [
        { kind: 'key', alias: 'broker-1', pkcs8: der('leaf.pk8'), chain: [der('leaf.der'), der('ca.der')] },
        { kind: 'trusted', alias: 'ca', cert: der('ca.der') },
      ],
      { password: PASSWORD, date: new Date('2026-01-02T03:04:05Z') },
    ));
    const { stdout } = await tool('keytool', ['-list', '-v', '-keystore', file('ours.jks'), '-storepass:env', 'STORE_PASS'], { env: JAVA_ENV });
    expect(stdout).toContain('Keystore type: JKS');
    expect(stdout).toContain('Your keystore contains 2 entries');
    expect(stdout).toMatch(/Alias name: broker-1\nCreation date: Jan 2, 2026\nEntry type: PrivateKeyEntry\nCertificate chain length: 2/);
    expect(stdout).toMatch(/Alias name: ca\nCreation date: Jan 2, 2026\nEntry type: trustedCertEntry/);

    await tool('keytool', [
      '-importkeystore', '-noprompt', '-srckeystore', file('ours.jks'), '-srcstoretype', 'JKS', '-srcstorepass:env', 'STORE_PASS', '-srcalias', 'broker-1', '-srckeypass:env', 'STORE_PASS',
      '-destkeystore', file('back.p12'), '-deststoretype', 'PKCS12', '-deststorepass:env', 'P12_PASS',
    ], { env: { ...JAVA_ENV, P12_PASS } });
    await tool('openssl', ['pkcs12', '-in', file('back.p12'), '-nocerts', '-nodes', '-passin', 'env:P12_PASS', '-out', file('back.key')], { env: { P12_PASS } });
    await tool('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', file('back.key'), '-outform', 'DER', '-out', file('back.pk8')]);
    expect(der('back.pk8').equals(der('leaf.pk8'))).toBe(true);

    const wrong = await tool('keytool', ['-list', '-keystore', file('ours.jks'), '-storepass:env', 'STORE_PASS'], { env: { LC_ALL: 'C.UTF-8', STORE_PASS: `${PASSWORD}x` }, reject: false });
    expect(wrong.exitCode).not.toBe(0);
    expect(wrong.all).toContain('Keystore was tampered with, or password was incorrect');
  });
});

describe('samctl makes JKS stores without a Java runtime', () => {
  it('issues a JKS broker with no keytool or java on PATH, and keytool then opens both stores', async () => {
    const cwd = tempDir();
    await samctlOk(['ca', 'init', '--key-size', '2048'], { cwd });
    await samctlOk(['broker', 'issue', 'sam03.ynformed.nl', '--store-type', 'jks'], { cwd, env: { PATH: '/nonexistent', JAVA_HOME: undefined } });
    const broker = join(cwd, 'pki', 'brokers', 'sam03.ynformed.nl');
    const keys = await tool('keytool', ['-list', '-v', '-keystore', join(broker, 'keystore.jks'), '-storepass:file', join(broker, 'store.password')]);
    expect(keys.stdout).toMatch(/Keystore type: JKS[\s\S]*Alias name: sam03\.ynformed\.nl\n[\s\S]*Entry type: PrivateKeyEntry\nCertificate chain length: 2/);
    const trust = await tool('keytool', ['-list', '-v', '-keystore', join(broker, 'truststore.jks'), '-storepass:file', join(broker, 'truststore.password')]);
    expect(trust.stdout).toMatch(/Alias name: ca\n[\s\S]*Entry type: trustedCertEntry/);
  });
});

describe('JKS encoding pieces', () => {
  it('encodes passwords as Java chars, UTF-16BE (surrogate pairs as two units)', () => {
    expect(passwordBytes('aé😀').toString('hex')).toBe('006100e9d83dde00');
  });

  it('encodes aliases like DataOutputStream.writeUTF (modified UTF-8)', () => {
    expect(javaUtf('X.509').toString('hex')).toBe('0005582e353039');
    expect(javaUtf('é\u0000').toString('hex')).toBe('0004c3a9c080');
    expect(javaUtf('😀').toString('hex')).toBe('0006eda0bdedb880');
  });

  it('protects a key as KeyProtector does: salt, XOR with the SHA-1 keystream, SHA-1 check', () => {
    const salt = Buffer.alloc(20, 0x11);
    const key = Buffer.from('00112233445566778899aabbccddeeff0011223344', 'hex');
    // Computed independently (Python hashlib): keystream = SHA1(pw+salt) || SHA1(pw+that); check = SHA1(pw+key); pw = UTF-16BE("pw").
    expect(protectPrivateKey(key, 'pw', salt).toString('hex')).toBe(
      '304f300e060a2b060104012a021101010500043d1111111111111111111111111111111111111111379a9f0e2709270d12c24b9943fd1545ae996fa0a30340b54d21134ab8f8cbd3fe5a7e7c00c62acd79',
    );
  });

  it('refuses two entries whose aliases differ only in case (JKS lowercases them)', () => {
    const cert = Buffer.from('3000', 'hex');
    expect(() => writeJks([{ kind: 'trusted', alias: 'CA', cert }, { kind: 'trusted', alias: 'ca', cert }], { password: 'x', date: new Date(0) })).toThrow('duplicate JKS alias "ca"');
  });
});
