import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CA_PASSWORD, samctl, samctlOk, tempDir, tool } from './helpers/samctl.js';

describe('status, renew and verify', () => {
  const cwd = tempDir();
  const pki = join(cwd, 'pki');
  const broker = join(pki, 'brokers', 'soon.local');

  beforeAll(async () => {
    await samctlOk(['ca', 'init', '--key-size', '2048'], { cwd });
    await samctlOk(['broker', 'issue', 'soon.local', '--san', '127.0.0.1', '--days', '10'], { cwd });
    await samctlOk(['client', 'issue', 'long-lived', '--days', '365'], { cwd });
  });

  it('status --within 30d exits 3 for an identity 10 days from expiry and lists it in --json', async () => {
    const human = await samctl(['status', '--within', '30d'], { cwd });
    expect(human.exitCode).toBe(3);
    expect(human.stdout).toMatch(/broker\s+soon\.local\s+due/);
    expect(human.stdout).toMatch(/client\s+long-lived\s+ok/);
    const json = await samctl(['status', '--within', '30d', '--json'], { cwd });
    expect(json.exitCode).toBe(3);
    const report = JSON.parse(json.stdout);
    const soon = report.entries.find((entry: { name: string }) => entry.name === 'soon.local');
    expect(soon).toMatchObject({ kind: 'broker', state: 'due', sans: ['DNS:soon.local', 'IP:127.0.0.1'] });
    expect(soon.daysLeft).toBeGreaterThanOrEqual(9);
    expect(soon.daysLeft).toBeLessThanOrEqual(10);
    expect((await samctl(['status', '--within', '5d'], { cwd })).exitCode).toBe(0);
    expect((await samctl(['status', '--within', '50%'], { cwd })).exitCode).toBe(0);
  });

  it('status says expired when the clock is past notAfter', async () => {
    const later = new Date(Date.now() + 20 * 86_400_000).toISOString();
    const result = await samctl(['status', '--within', '1d', '--json'], { cwd, env: { SAMCTL_NOW: later } });
    expect(result.exitCode).toBe(3);
    expect(JSON.parse(result.stdout).entries.find((e: { name: string }) => e.name === 'soon.local').state).toBe('expired');
  });

  it('renew --within 30d re-issues only what is due, in place, keeping DN, SANs and store password; then status exits 0', async () => {
    const passwordBefore = readFileSync(join(broker, 'store.password'), 'utf8');
    const certBefore = readFileSync(join(broker, 'broker.crt'), 'utf8');
    const keyBefore = readFileSync(join(broker, 'broker.key'), 'utf8');
    const clientCertBefore = readFileSync(join(pki, 'clients', 'long-lived', 'client.crt'), 'utf8');
    const result = await samctlOk(['renew', '--within', '30d'], { cwd });
    expect(result.stdout).toContain('broker soon.local');
    expect(result.stdout).toMatch(/kafka-configs\.sh --bootstrap-server soon\.local:9092 .*--entity-type brokers .*--alter --add-config listener\.name\.ssl\.ssl\.keystore\.location=.*soon\.local\/keystore\.jks/);
    expect(readFileSync(join(broker, 'store.password'), 'utf8')).toBe(passwordBefore);
    expect(readFileSync(join(broker, 'broker.crt'), 'utf8')).not.toBe(certBefore);
    expect(readFileSync(join(broker, 'broker.key'), 'utf8')).not.toBe(keyBefore);
    expect(readFileSync(join(pki, 'clients', 'long-lived', 'client.crt'), 'utf8')).toBe(clientCertBefore);
    const text = await tool('openssl', ['x509', '-in', join(broker, 'broker.crt'), '-noout', '-subject', '-ext', 'subjectAltName']);
    expect(text.stdout).toMatch(/CN\s*=\s*soon\.local/);
    expect(text.stdout).toMatch(/DNS:soon\.local, IP Address:127\.0\.0\.1/);
    const ks = await tool('keytool', ['-list', '-keystore', join(broker, 'keystore.jks'), '-storepass:file', join(broker, 'store.password')]);
    expect(ks.stdout).toContain('PrivateKeyEntry');
    expect((await samctl(['status', '--within', '30d'], { cwd })).exitCode).toBe(0);
    const inventory = JSON.parse(readFileSync(join(pki, 'samctl.json'), 'utf8'));
    expect(inventory.identities.filter((i: { name: string }) => i.name === 'soon.local').map((i: { status: string }) => i.status)).toEqual(['superseded', 'active']);
  });

  it('renew --keep-key keeps the key pair', async () => {
    const client = join(pki, 'clients', 'long-lived');
    const keyBefore = readFileSync(join(client, 'client.key'), 'utf8');
    await samctlOk(['renew', 'long-lived', '--keep-key'], { cwd });
    expect(readFileSync(join(client, 'client.key'), 'utf8')).toBe(keyBefore);
    expect((await samctl(['verify', 'long-lived'], { cwd })).exitCode).toBe(0);
  });

  it('verify passes on a healthy PKI', async () => {
    const result = await samctl(['verify'], { cwd });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });

  describe('verify catches damage', () => {
    async function damaged(setup: (dir: string, work: string) => Promise<void> | void, expected: RegExp) {
      const work = tempDir();
      await samctlOk(['ca', 'init', '--key-size', '2048'], { cwd: work });
      await samctlOk(['broker', 'issue', 'b.local'], { cwd: work });
      const dir = join(work, 'pki', 'brokers', 'b.local');
      await setup(dir, work);
      const result = await samctl(['verify', '--json'], { cwd: work });
      expect(result.exitCode).toBe(1);
      expect(JSON.parse(result.stdout).results[0].failures.join('\n')).toMatch(expected);
    }

    it('a keystore whose password file was changed', () =>
      damaged((dir) => writeFileSync(join(dir, 'store.password'), 'not-the-password\n'), /keystore\.jks does not open with store\.password/));

    it('a certificate replaced by one from another CA', () =>
      damaged(async (dir) => {
        const other = tempDir();
        await samctlOk(['ca', 'init', '--key-size', '2048'], { cwd: other });
        await samctlOk(['broker', 'issue', 'b.local'], { cwd: other });
        copyFileSync(join(other, 'pki', 'brokers', 'b.local', 'broker.crt'), join(dir, 'broker.crt'));
        copyFileSync(join(other, 'pki', 'brokers', 'b.local', 'broker.key'), join(dir, 'broker.key'));
      }, /not signed by a trusted CA/));

    it('a missing SAN (re-signed by hand with openssl x509 -req, which drops them)', () =>
      damaged(async (dir, work) => {
        const ca = join(work, 'pki', 'ca');
        await tool('openssl', [
          'x509', '-req', '-in', join(dir, 'broker.csr'), '-CA', join(ca, 'ca.crt'), '-CAkey', join(ca, 'ca.key'),
          '-passin', 'env:PASS', '-days', '30', '-sha256', '-set_serial', '7', '-out', join(dir, 'broker.crt'),
        ], { env: { PASS: CA_PASSWORD } });
      }, /lacks the SAN DNS:b\.local/));

    it('a key that does not match', () =>
      damaged(async (dir) => {
        await tool('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', join(dir, 'broker.key')]);
      }, /broker\.key does not match broker\.crt/));
  });
});
