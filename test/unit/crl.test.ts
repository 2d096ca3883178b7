import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFileCa, FileCa } from '../../src/authority/file-ca.js';
import { createCsr } from '../../src/pki/certificates.js';
import { generateKeyPair } from '../../src/pki/keys.js';
import { randomSerialHex } from '../../src/pki/serial.js';
import { pkiLayout } from '../../src/store/layout.js';
import { tempDir, tool } from '../helpers/samctl.js';

const PASSPHRASE = 'crl test passphrase';
const HOUR = 3_600_000;

/** A CA made and unlocked the way `ca init` and every signing command do it. */
async function fileCa(cn: string, dir: string): Promise<{ signer: FileCa; certPem: string }> {
  const made = await createFileCa({ dn: { cn, o: 'Ynformed' }, days: 30, keySize: 2048, passphrase: PASSPHRASE, now: new Date(Date.now() - HOUR) });
  const signer = await FileCa.unlock({ cert: made.cert, certPem: made.certPem, keyPem: made.keyPem, truststorePassword: 'unused here' }, PASSPHRASE, pkiLayout(dir));
  return { signer, certPem: made.certPem };
}

// openssl judges every CRL; `verify` checks thisUpdate/nextUpdate against the clock, so the window is around now.
describe('FileCa.signCrl: a CRL openssl accepts and enforces', () => {
  const dir = tempDir('samctl-crl-');
  const path = (name: string) => join(dir, name);
  const now = new Date();
  const window = { thisUpdate: new Date(now.getTime() - HOUR), nextUpdate: new Date(now.getTime() + 7 * 24 * HOUR), number: 42 };
  let ca: FileCa;
  let leafSerial = '';
  const otherSerial = randomSerialHex();

  /** Signs with `signer` and writes the PEM to `name`; returns the path. */
  async function crl(name: string, signer: FileCa, entries: Parameters<FileCa['signCrl']>[0], crlWindow = window): Promise<string> {
    writeFileSync(path(name), await signer.signCrl(entries, crlWindow));
    return path(name);
  }

  beforeAll(async () => {
    const made = await fileCa('samctl CRL test CA', dir);
    ca = made.signer;
    writeFileSync(path('ca.crt'), made.certPem);
    const keyPair = await generateKeyPair(2048);
    const leaf = await ca.sign(createCsr({ keyPair, dn: { cn: 'x' }, sans: [] }), {
      role: 'client',
      dn: { cn: 'x' },
      sans: [],
      validity: { notBefore: new Date(now.getTime() - HOUR), notAfter: new Date(now.getTime() + 24 * HOUR) },
    });
    leafSerial = leaf.serialNumber;
    writeFileSync(path('leaf.pem'), forge.pki.certificateToPem(leaf));
    await crl('two.crl.pem', ca, [
      { serialHex: leafSerial, revokedAt: new Date(now.getTime() - 30 * 60_000), reason: 'keyCompromise' },
      { serialHex: otherSerial, revokedAt: new Date(now.getTime() - 20 * 60_000) },
    ]);
  });

  it('is a PEM "X509 CRL" whose signature verifies against the CA certificate', async () => {
    const { all } = await tool('openssl', ['crl', '-in', path('two.crl.pem'), '-CAfile', path('ca.crt'), '-noout']);
    expect(all).toContain('verify OK');
  });

  it('is a v2 CRL from the CA, SHA-256 with RSA, listing both serials, the cRLNumber, the CA key id and the reason', async () => {
    const { stdout } = await tool('openssl', ['crl', '-in', path('two.crl.pem'), '-noout', '-text']);
    expect(stdout).toContain('Version 2 (0x1)');
    expect(stdout).toContain('Signature Algorithm: sha256WithRSAEncryption');
    // Both AlgorithmIdentifiers (inside and outside the signed part) carry NULL parameters, as RFC 4055 §5 asks.
    const der = (await tool('openssl', ['asn1parse', '-in', path('two.crl.pem')])).stdout;
    expect(der.match(/:sha256WithRSAEncryption\s*\n.*prim: NULL/g)).toHaveLength(2);
    expect(stdout).toMatch(/Issuer: O\s*=\s*Ynformed, CN\s*=\s*samctl CRL test CA\n/);
    const listed = [...stdout.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((match) => match[1]);
    expect(listed).toEqual([leafSerial.toUpperCase(), otherSerial.toUpperCase()]);
    expect(stdout).toMatch(/X509v3 CRL Number:\s*\n\s*42\n/);
    expect(stdout).toMatch(/X509v3 CRL Reason Code:\s*\n\s*Key Compromise\n/);
    expect(stdout.match(/CRL Reason Code/g)).toHaveLength(1);

    const ski = (await tool('openssl', ['x509', '-in', path('ca.crt'), '-noout', '-ext', 'subjectKeyIdentifier'])).stdout.split('\n')[1].trim();
    expect(ski).toMatch(/^[0-9A-F]{2}(:[0-9A-F]{2})+$/);
    expect(stdout).toMatch(new RegExp(`X509v3 Authority Key Identifier:\\s*\\n\\s*(keyid:)?${ski}\\n`));
  });

  it('makes openssl verify -crl_check report the leaf revoked when its serial is listed', async () => {
    const result = await tool('openssl', ['verify', '-crl_check', '-CAfile', path('ca.crt'), '-CRLfile', path('two.crl.pem'), path('leaf.pem')], { reject: false });
    expect(result.all).toContain('certificate revoked');
    expect(result.exitCode).not.toBe(0);
  });

  it('leaves the leaf valid when the CRL lists other serials only', async () => {
    const others = await crl('others.crl.pem', ca, [{ serialHex: otherSerial, revokedAt: now }, { serialHex: randomSerialHex(), revokedAt: now }]);
    const { stdout } = await tool('openssl', ['verify', '-crl_check', '-CAfile', path('ca.crt'), '-CRLfile', others, path('leaf.pem')]);
    expect(stdout).toBe(`${path('leaf.pem')}: OK`);
  });

  it('writes an empty CRL without a revokedCertificates list, and openssl accepts it', async () => {
    const empty = await crl('empty.crl.pem', ca, []);
    const { stdout } = await tool('openssl', ['crl', '-in', empty, '-noout', '-text']);
    expect(stdout).toContain('No Revoked Certificates.');
    const verified = await tool('openssl', ['verify', '-crl_check', '-CAfile', path('ca.crt'), '-CRLfile', empty, path('leaf.pem')]);
    expect(verified.stdout).toBe(`${path('leaf.pem')}: OK`);
  });

  it('is refused by openssl crl -CAfile when another CA, even one of the same name, signed it', async () => {
    const stranger = await fileCa('samctl CRL test CA', join(dir, 'stranger'));
    const forged = await crl('stranger.crl.pem', stranger.signer, [{ serialHex: leafSerial, revokedAt: now }]);
    // OpenSSL 3.0's `crl` prints "verify failure" yet exits 0: the text is the verdict.
    const result = await tool('openssl', ['crl', '-in', forged, '-CAfile', path('ca.crt'), '-noout'], { reject: false });
    expect(result.all).toContain('verify failure');
    expect(result.all).not.toContain('verify OK');
    // And it does not revoke the leaf: openssl finds no valid CRL from its issuer.
    const verified = await tool('openssl', ['verify', '-crl_check', '-CAfile', path('ca.crt'), '-CRLfile', forged, path('leaf.pem')], { reject: false });
    expect(verified.all).not.toContain('certificate revoked');
    expect(verified.exitCode).not.toBe(0);
  });

  it('writes UTCTime through 2049 and GeneralizedTime from 2050, in whole seconds (RFC 5280 §5.1.2.4)', async () => {
    const far = await crl('far.crl.pem', ca, [], { thisUpdate: new Date('2049-12-31T23:59:59.750Z'), nextUpdate: new Date('2050-01-01T00:00:00.250Z'), number: 7 });
    const { stdout } = await tool('openssl', ['asn1parse', '-in', far]);
    expect(stdout).toMatch(/UTCTIME\s*:491231235959Z\n/);
    expect(stdout).toMatch(/GENERALIZEDTIME\s*:20500101000000Z\n/);
  });

  it('refuses a window that ends before it starts, a negative number and a serial that is not hex', async () => {
    await expect(ca.signCrl([], { ...window, nextUpdate: window.thisUpdate })).rejects.toThrow(/nextUpdate .* must come after its thisUpdate/);
    await expect(ca.signCrl([], { ...window, number: -1 })).rejects.toThrow(/CRL number must be a whole number/);
    await expect(ca.signCrl([{ serialHex: 'xyz', revokedAt: now }], window)).rejects.toThrow(/cannot list serial 'xyz'/);
  });
});
