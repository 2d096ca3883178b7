import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { samctl, samctlOk, tempDir, tool } from './helpers/samctl.js';

/**
 * CRLs through a CA rotation. With CRL checking OpenSSL wants a CRL from the issuer of the
 * certificate it checks ("unable to get certificate CRL" otherwise): ca/crl.pem holds one per
 * trusted CA, each signed by its own CA, and `openssl verify -crl_check` (the same X509_STORE
 * lookup librdkafka's ssl.crl.location uses) accepts old-CA and new-CA certificates in every
 * phase while still refusing the revoked ones. The librdkafka side on a live broker is in
 * test/kafka/lifecycle-kafka.test.ts.
 */
describe('CRLs across the three phases of a CA rotation', () => {
  const cwd = tempDir('samctl-crl-rotation-');
  const pki = join(cwd, 'pki');
  const crl = join(pki, 'ca', 'crl.pem');
  const client = (name: string) => join(pki, 'clients', name);
  const brokerCert = join(pki, 'brokers', 'localhost', 'broker.crt');
  /** openssl verify -crl_check of `cert` with the trust a client has now (its ca.crt) and `crlFile`. */
  const verify = (cert: string, crlFile = crl, caFile = join(client('app'), 'ca.crt')) =>
    tool('openssl', ['verify', '-crl_check', '-CAfile', caFile, '-CRLfile', crlFile, cert], { reject: false });
  const blocks = (text: string) => text.match(/-----BEGIN X509 CRL-----[\s\S]*?-----END X509 CRL-----\r?\n/g) ?? [];
  let written = 0;
  const issuerOf = async (block: string) => {
    const path = join(cwd, `one-crl-${++written}.pem`); // one file per call: callers run in parallel
    writeFileSync(path, block);
    return (await tool('openssl', ['crl', '-in', path, '-noout', '-issuer', '-crlnumber'])).stdout;
  };
  /** Each CRL of the file verified by `openssl crl -CAfile` against the CA it names. */
  const eachVerifiedBy = async (cas: Record<string, string>) => {
    const found: string[] = [];
    for (const block of blocks(readFileSync(crl, 'utf8'))) {
      const issuer = await issuerOf(block);
      const [name, caFile] = Object.entries(cas).find(([cn]) => new RegExp(`CN\\s*=\\s*${cn}(,|\\n|$)`).test(issuer)) ?? [];
      expect(caFile, issuer).toBeDefined();
      const path = join(cwd, `crl-of-${name}.pem`);
      writeFileSync(path, block);
      expect((await tool('openssl', ['crl', '-in', path, '-CAfile', caFile!, '-noout'])).all).toContain('verify OK');
      found.push(name!);
    }
    return found;
  };
  let oldCa = '';

  beforeAll(async () => {
    await samctlOk(['ca', 'init', '--key-size', '2048', '--cn', 'Rotation CA'], { cwd });
    await samctlOk(['broker', 'issue', 'localhost'], { cwd });
    await samctlOk(['client', 'issue', 'app', 'old-leaky'], { cwd });
    await samctlOk(['revoke', 'old-leaky'], { cwd });
    oldCa = join(cwd, 'old-ca.crt');
    writeFileSync(oldCa, readFileSync(join(pki, 'ca', 'ca.crt')));
  }, 120_000);

  it('phase 1 (ca rotate): one CRL per CA, each signed by its own; old-CA certificates pass -crl_check, the revoked one does not', async () => {
    const rotated = await samctlOk(['ca', 'rotate', '--key-size', '2048', '--json'], { cwd });
    expect(JSON.parse(rotated.stdout).crl).toMatchObject({ number: 2, issuers: 2 });
    const newCa = join(pki, 'ca', 'ca.crt');
    expect((await eachVerifiedBy({ 'Rotation CA G2': newCa, 'Rotation CA': oldCa })).sort()).toEqual(['Rotation CA', 'Rotation CA G2']);
    // The old key stays, as secret as ca.key, to sign the old CA's CRL until ca retire.
    expect(statSync(join(pki, 'ca', 'ca-1.key')).mode & 0o777).toBe(0o600);
    // Every identity's copy is the new file.
    expect(readFileSync(join(client('app'), 'crl.pem'), 'utf8')).toBe(readFileSync(crl, 'utf8'));

    // The broker still presents its old-CA certificate: the old CA's CRL (second in the file) is what OpenSSL needs.
    const broker = await verify(brokerCert);
    expect(broker.all).toMatch(/: OK/);
    expect(broker.exitCode).toBe(0);
    const revoked = await verify(join(client('old-leaky'), 'client.crt'));
    expect(revoked.all).toContain('certificate revoked');
    // The control: with only the new CA's CRL (what a single re-signed CRL used to be), OpenSSL refuses the old-CA broker.
    const newOnly = join(cwd, 'new-ca-crl-only.pem');
    writeFileSync(newOnly, blocks(readFileSync(crl, 'utf8'))[0]);
    expect((await issuerOf(readFileSync(newOnly, 'utf8')))).toMatch(/G2/);
    const refused = await verify(brokerCert, newOnly);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.all).toContain('unable to get certificate CRL');
  }, 120_000);

  it('during the rotation, revoke lists a new-CA certificate on the new CA\'s CRL and samctl crl re-signs both', async () => {
    await samctlOk(['client', 'issue', 'new-leaky'], { cwd });
    await samctlOk(['revoke', 'new-leaky', '--reason', 'superseded'], { cwd });
    expect((await verify(join(client('new-leaky'), 'client.crt'))).all).toContain('certificate revoked');
    expect((await verify(join(client('old-leaky'), 'client.crt'))).all).toContain('certificate revoked');
    const signed = await samctlOk(['crl', '--json'], { cwd });
    expect(JSON.parse(signed.stdout).crl).toMatchObject({ number: 4, issuers: 2, entries: 2 });
    const numbers = await Promise.all(blocks(readFileSync(crl, 'utf8')).map(issuerOf));
    expect(numbers.every((text) => /crlNumber=(0x)?0*4$/m.test(text)), numbers.join('\n')).toBe(true);
    expect((await verify(brokerCert)).exitCode).toBe(0);
  }, 60_000);

  it('names the missing key of the retiring CA (a rotation begun by an older samctl), exit 1, nothing written', async () => {
    const key = join(pki, 'ca', 'ca-1.key');
    const aside = join(cwd, 'ca-1.key.aside');
    renameSync(key, aside);
    try {
      const before = readFileSync(crl, 'utf8');
      const failed = await samctl(['crl'], { cwd });
      expect(failed.exitCode).toBe(1);
      expect(failed.stderr).toMatch(/^samctl: .*ca-1\.key is missing: the retiring CA cannot sign its CRL/);
      expect(failed.stderr).toMatch(/\nhint: copy ca\.key from the .*backups\/ca-\*\//);
      expect(readFileSync(crl, 'utf8')).toBe(before);
    } finally {
      renameSync(aside, key);
    }
  }, 60_000);

  it('phase 2 (renew --all): the new-CA broker certificate passes -crl_check with the same file', async () => {
    await samctlOk(['renew', '--all'], { cwd });
    const renewed = await verify(brokerCert);
    expect(renewed.all).toMatch(/: OK/);
    expect(renewed.exitCode).toBe(0);
    expect((await tool('openssl', ['x509', '-in', brokerCert, '-noout', '-issuer'])).stdout).toMatch(/G2/);
    // The renewed client got the CRL copy and ssl.crl.location with its new files.
    expect(readFileSync(join(client('app'), 'crl.pem'), 'utf8')).toBe(readFileSync(crl, 'utf8'));
    expect(readFileSync(join(client('app'), 'librdkafka.properties'), 'utf8')).toContain(`ssl.crl.location=${join(client('app'), 'crl.pem')}\n`);
  }, 120_000);

  it('phase 3 (ca retire): the old CA\'s CRL and key leave with it; the new CA\'s CRL stays and still refuses the revoked certificate', async () => {
    const retired = await samctlOk(['ca', 'retire'], { cwd });
    expect(retired.stdout).toContain("keep only the current CA's CRL");
    expect(blocks(readFileSync(crl, 'utf8'))).toHaveLength(1);
    expect(await eachVerifiedBy({ 'Rotation CA G2': join(pki, 'ca', 'ca.crt') })).toEqual(['Rotation CA G2']);
    expect(readdirSync(join(pki, 'ca')).filter((name) => /^ca-\d+\./.test(name))).toEqual([]);
    for (const name of ['app']) expect(readFileSync(join(client(name), 'crl.pem'), 'utf8'), name).toBe(readFileSync(crl, 'utf8'));
    expect((await verify(brokerCert)).exitCode).toBe(0);
    expect((await verify(join(client('new-leaky'), 'client.crt'), crl, join(pki, 'ca', 'ca.crt'))).all).toContain('certificate revoked');
    const signed = await samctlOk(['crl', '--json'], { cwd });
    expect(JSON.parse(signed.stdout).crl).toMatchObject({ number: 5, issuers: 1, entries: 1 });
  }, 120_000);
});

describe('samctl crl renders librdkafka.properties with the identity renderer', () => {
  it('gives a client issued before any CRL the file a client issued after it gets', async () => {
    const cwd = tempDir('samctl-crl-render-');
    const pki = join(cwd, 'pki');
    await samctlOk(['ca', 'init', '--key-size', '2048'], { cwd });
    await samctlOk(['client', 'issue', 'early', 'gone'], { cwd });
    await samctlOk(['client', 'issue', 'early-hosted', '--install-dir', '/etc/kafka/ssl'], { cwd });
    await samctlOk(['revoke', 'gone'], { cwd });
    await samctlOk(['client', 'issue', 'later'], { cwd });
    await samctlOk(['client', 'issue', 'later-hosted', '--install-dir', '/etc/kafka/ssl'], { cwd });
    const text = (name: string) => readFileSync(join(pki, 'clients', name, 'librdkafka.properties'), 'utf8');
    expect(text('early')).toBe(text('later').replaceAll('later', 'early'));
    expect(text('early')).toContain(`ssl.crl.location=${join(pki, 'clients', 'early', 'crl.pem')}\n`);
    expect(text('early-hosted')).toBe(text('later-hosted').replaceAll('later', 'early'));
    expect(text('early-hosted')).toContain('ssl.crl.location=/etc/kafka/ssl/client.crl.pem\n');
  }, 120_000);
});
