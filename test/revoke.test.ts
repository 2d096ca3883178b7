import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { samctl, samctlOk, snapshotTree, tempDir, tool } from './helpers/samctl.js';

// samctl revoke through the CLI; openssl judges the CRL and what it revokes.
describe('samctl revoke and samctl crl', () => {
  const cwd = tempDir('samctl-revoke-');
  const pki = join(cwd, 'pki');
  const ca = join(pki, 'ca', 'ca.crt');
  const crl = join(pki, 'ca', 'crl.pem');
  const cert = (name: string) => join(pki, 'clients', name, 'client.crt');
  const verify = (name: string, crlFile = crl) => tool('openssl', ['verify', '-crl_check', '-CAfile', ca, '-CRLfile', crlFile, cert(name)], { reject: false });
  let revokeOut = '';

  beforeAll(async () => {
    await samctlOk(['ca', 'init', '--key-size', '2048'], { cwd });
    await samctlOk(['client', 'issue', 'leaky', 'other', '--store-type', 'pem'], { cwd });
    await samctlOk(['client', 'issue', 'hosted', '--install-dir', '/ssl'], { cwd });
    await samctlOk(['broker', 'issue', 'sam01.test', '--authorizer', '--store-type', 'pem'], { cwd });
    await samctlOk(['client', 'issue', 'ops', '--admin', '--store-type', 'pem'], { cwd });
    revokeOut = (await samctlOk(['revoke', 'leaky', '--reason', 'keyCompromise'], { cwd })).stdout;
  }, 120_000);

  it('publishes a CRL the CA verifies, with the revoked serial and its reason', async () => {
    const { all } = await tool('openssl', ['crl', '-in', crl, '-CAfile', ca, '-noout']);
    // OpenSSL 3.0 prints "verify failure" and still exits 0: the text is the verdict.
    expect(all).toContain('verify OK');
    const serial = (await tool('openssl', ['x509', '-in', cert('leaky'), '-noout', '-serial'])).stdout.replace('serial=', '').trim();
    const text = (await tool('openssl', ['crl', '-in', crl, '-noout', '-text'])).stdout;
    expect(text.replace(/\s/g, '')).toContain(`SerialNumber:${serial}`);
    expect(text).toMatch(/CRL Reason Code:\s+Key Compromise/);
    expect(text).toMatch(/X509v3 CRL Number:\s+1\b/);
  });

  it('makes openssl verify -crl_check refuse the revoked certificate and accept the others', async () => {
    const revoked = await verify('leaky');
    expect(revoked.exitCode).not.toBe(0);
    expect(revoked.all).toContain('certificate revoked');
    const other = await verify('other');
    expect(other.exitCode).toBe(0);
    expect(other.all).toContain(': OK');
    // The identity's own copy is the same CRL.
    expect(readFileSync(join(pki, 'clients', 'other', 'crl.pem'), 'utf8')).toBe(readFileSync(crl, 'utf8'));
    expect((await verify('leaky', join(pki, 'clients', 'other', 'crl.pem'))).all).toContain('certificate revoked');
  });

  it('prints the DENY for the principal on every resource and proposes a new name', () => {
    for (const resource of ["--topic '*'", "--group '*'", "--transactional-id '*'", '--cluster']) {
      expect(revokeOut).toContain(`--add --deny-principal User:CN=leaky --operation All ${resource}`);
    }
    expect(revokeOut).toContain('samctl client issue leaky-2');
  });

  it('shows the identity as revoked in status, which still exits 0, and renew skips it', async () => {
    const status = await samctl(['status', '--json'], { cwd });
    expect(status.exitCode).toBe(0);
    const entries = JSON.parse(status.stdout).entries as Array<{ kind: string; name: string; state: string }>;
    expect(entries.find((entry) => entry.name === 'leaky')?.state).toBe('revoked');
    expect(entries.find((entry) => entry.name === 'other')?.state).toBe('ok');
    expect(entries.find((entry) => entry.kind === 'crl')?.state).toBe('ok');
    const renew = await samctl(['renew', 'leaky'], { cwd });
    expect(renew.exitCode).toBe(2);
  });

  it('refuses to revoke twice or an unknown name, writing nothing', async () => {
    const before = snapshotTree(pki);
    const again = await samctl(['revoke', 'leaky'], { cwd });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('client leaky is revoked already');
    const reissue = await samctl(['client', 'issue', 'leaky', '--force'], { cwd });
    expect(reissue.exitCode).toBe(2);
    expect(reissue.stderr).toContain('client leaky was revoked: its DN stays denied');
    const unknown = await samctl(['revoke', 'nobody'], { cwd });
    expect(unknown.exitCode).toBe(2);
    expect(snapshotTree(pki)).toEqual(before);
  });

  it('status calls the CRL due near its next update; samctl crl re-signs it with the next number', async () => {
    const soon = new Date(Date.now() + 6 * 86_400_000).toISOString();
    const due = await samctl(['status', '--json'], { cwd, env: { SAMCTL_NOW: soon } });
    expect(JSON.parse(due.stdout).entries.find((entry: { kind: string }) => entry.kind === 'crl').state).toBe('due');
    expect(due.exitCode).toBe(3);
    await samctlOk(['crl'], { cwd, env: { SAMCTL_NOW: soon } });
    const text = (await tool('openssl', ['crl', '-in', crl, '-noout', '-text'])).stdout;
    expect(text).toMatch(/X509v3 CRL Number:\s+2\b/);
    expect((await tool('openssl', ['crl', '-in', crl, '-CAfile', ca, '-noout'])).all).toContain('verify OK');
    expect((await verify('leaky')).all).toContain('certificate revoked');
    const after = await samctl(['status', '--json'], { cwd, env: { SAMCTL_NOW: soon } });
    expect(JSON.parse(after.stdout).entries.find((entry: { kind: string }) => entry.kind === 'crl').state).toBe('ok');
  });

  it('points each client\'s librdkafka.properties at its CRL copy, and bundles carry the copy', async () => {
    expect(readFileSync(join(pki, 'clients', 'other', 'librdkafka.properties'), 'utf8')).toContain(`ssl.crl.location=${join(pki, 'clients', 'other', 'crl.pem')}\n`);
    const hosted = readFileSync(join(pki, 'clients', 'hosted', 'librdkafka.properties'), 'utf8');
    expect(hosted.match(/^ssl\.crl\.location=/gm)).toHaveLength(1); // refreshed, not repeated
    expect(hosted).toContain('ssl.crl.location=/ssl/client.crl.pem\n');
    const bundle = join(cwd, 'hosted.tar');
    await samctlOk(['export', 'hosted', '--out', bundle], { cwd });
    const listing = (await tool('tar', ['-tf', bundle])).stdout.split('\n');
    expect(listing.some((line) => line.endsWith('client.crl.pem')), listing.join(' ')).toBe(true);
    const crlInBundle = execFileSync('tar', ['-xOf', bundle, listing.find((line) => line.endsWith('client.crl.pem'))!]);
    expect(crlInBundle.equals(readFileSync(crl))).toBe(true);
  });

  it('takes a revoked admin out of super.users and prints the rolling restart', async () => {
    const snippet = join(pki, 'brokers', 'sam01.test', 'server-ssl.properties');
    expect(readFileSync(snippet, 'utf8')).toMatch(/^super\.users=.*User:CN=ops/m);
    const revoked = await samctl(['revoke', 'ops'], { cwd });
    expect(revoked.exitCode, revoked.stderr).toBe(0);
    expect(revoked.stderr).toContain('is a super user: ACLs (DENY included) do not bind it');
    expect(revoked.stdout).toMatch(/Rolling restart, one broker at a time/);
    expect(readFileSync(snippet, 'utf8')).toMatch(/^super\.users=User:CN=sam01\.test/m);
    expect(readFileSync(snippet, 'utf8')).not.toContain('User:CN=ops');
  });
});
