import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samctl, samctlOk, tempDir, tool } from '../helpers/samctl.js';
import { requireOpenbao, startEngine, type Engine } from './engine.js';

const ready = requireOpenbao();
const PKI = 'rot-pki';
const KV = 'rot-kv';

/** ca rotate / renew --all / ca retire on a CA in OpenBao, with the engine's multiple issuers. */
describe.skipIf(!ready)('CA rotation through the engine\'s issuers', () => {
  let engine: Engine;
  const root = tempDir('samctl-bao-rot-');
  const cwd = join(root, 'a');
  const pki = join(cwd, 'pki');
  const cert = (name: string) => join(pki, 'clients', name, 'client.crt');
  const trustOf = (name: string) => join(pki, 'clients', name, 'ca.crt');
  const verify = async (caFile: string, certFile: string) => (await tool('openssl', ['verify', '-CAfile', caFile, certFile], { reject: false })).all ?? '';
  const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;
  const defaultIssuer = async () => (await engine.api('GET', `/v1/${PKI}/issuer/default/json`)).body.data;
  const sharedCas = async () => (JSON.parse((await engine.api('GET', `/v1/${KV}/data/samctl/${PKI}/inventory`)).body.data.data.inventory) as { cas: Array<{ sha256: string; status: string }> }).cas;
  let oldCa: string;
  const oldLeaf = join(root, 'old-early.crt');

  beforeAll(async () => {
    engine = await startEngine({ workDir: join(root, 'engine') });
    mkdirSync(cwd);
    await samctlOk(['ca', 'init', '--backend', 'openbao', '--pki-mount', PKI, '--kv-mount', KV, '--org', 'Ynformed', '--key-size', '2048'], { cwd, env: engine.env });
    await samctlOk(['client', 'issue', 'early', '--store-type', 'pem'], { cwd, env: engine.env });
    oldCa = readFileSync(join(pki, 'ca', 'ca.crt'), 'utf8');
    copyFileSync(cert('early'), oldLeaf);
  }, 120_000);
  afterAll(() => engine?.stop());

  it('ca rotate: a new issuer in the mount becomes the default; ca.crt and every identity\'s ca.crt trust old and new', async () => {
    const result = JSON.parse((await samctlOk(['ca', 'rotate', '--key-size', '2048', '--days', '400', '--json'], { cwd, env: engine.env })).stdout);
    expect(result.resumed).toBe(false);
    expect(result.trustedCas).toBe(2);
    const issuer = await defaultIssuer();
    expect(issuer.issuer_name).toBe('samctl-g2');
    const newCa = readFileSync(join(pki, 'ca', 'ca.crt'), 'utf8');
    expect(fingerprint(newCa)).toBe(fingerprint(issuer.certificate));
    expect(fingerprint(newCa)).not.toBe(fingerprint(oldCa));
    expect(new X509Certificate(newCa).subject).toContain('CN=samctl Kafka CA G2');
    expect(readFileSync(join(pki, 'ca', 'ca-1.crt'), 'utf8')).toBe(oldCa);
    // Both issuers are in the engine; the old one still issues until retire.
    expect((await engine.api('LIST', `/v1/${PKI}/issuers`)).body.data.keys).toHaveLength(2);
    expect((await sharedCas()).map((ca) => ca.status)).toEqual(['retiring', 'active']);

    // A leaf from the new CA: every identity's dual-trust ca.crt verifies it and the old one.
    await samctlOk(['client', 'issue', 'late', '--store-type', 'pem'], { cwd, env: engine.env });
    expect(await verify(join(pki, 'ca', 'ca.crt'), cert('late'))).toMatch(/: OK\s*$/);
    for (const holder of ['early', 'late']) {
      expect(await verify(trustOf(holder), cert('late'))).toMatch(/: OK\s*$/);
      expect(await verify(trustOf(holder), oldLeaf)).toMatch(/: OK\s*$/);
    }
    // Running phase 1 again resumes it: no third issuer.
    expect(JSON.parse((await samctlOk(['ca', 'rotate', '--json'], { cwd, env: engine.env })).stdout).resumed).toBe(true);
    expect((await engine.api('LIST', `/v1/${PKI}/issuers`)).body.data.keys).toHaveLength(2);
  }, 120_000);

  it('ca retire is refused while an identity holds an old-CA certificate, naming it; nothing changes', async () => {
    const result = await samctl(['ca', 'retire'], { cwd, env: engine.env });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^samctl: cannot retire the old CA: 1 identity still holds its certificates: client early/);
    expect(readFileSync(join(pki, 'ca', 'ca-1.crt'), 'utf8')).toBe(oldCa);
  });

  it('renew --all re-signs with the new issuer; ca retire then trusts only the new CA and the old issuer stops issuing', async () => {
    await samctlOk(['renew', '--all'], { cwd, env: engine.env });
    const newCa = readFileSync(join(pki, 'ca', 'ca.crt'), 'utf8');
    expect(await verify(join(pki, 'ca', 'ca.crt'), cert('early'))).toMatch(/: OK\s*$/);
    expect(new X509Certificate(readFileSync(cert('early'))).checkIssued(new X509Certificate(newCa))).toBe(true);

    const result = JSON.parse((await samctlOk(['ca', 'retire', '--json'], { cwd, env: engine.env })).stdout);
    expect(result.retired).toHaveLength(1);
    expect(fingerprint(readFileSync(trustOf('early'), 'utf8'))).toBe(fingerprint(newCa));
    for (const holder of ['early', 'late']) {
      expect(readFileSync(trustOf(holder), 'utf8')).toBe(newCa);
      expect(await verify(trustOf(holder), cert(holder))).toMatch(/: OK\s*$/);
      expect(await verify(trustOf(holder), oldLeaf)).not.toMatch(/: OK\s*$/);
    }
    expect((await samctl(['ca', 'retire'], { cwd, env: engine.env })).exitCode).toBe(2);
    // The old issuer is kept (its key never leaves the engine) but may no longer sign leaves.
    const ids = (await engine.api('LIST', `/v1/${PKI}/issuers`)).body.data.keys as string[];
    const issuers = await Promise.all(ids.map(async (id) => (await engine.api('GET', `/v1/${PKI}/issuer/${id}`)).body.data));
    const old = issuers.find((issuer) => fingerprint(issuer.certificate) === fingerprint(oldCa))!;
    expect(old.usage.split(',').sort()).toEqual(['crl-signing', 'read-only']);
    const csrFile = join(root, 'probe.csr');
    await tool('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(root, 'probe.key'), '-subj', '/CN=probe', '-out', csrFile]);
    const csr = readFileSync(csrFile, 'utf8');
    const refused = await engine.api('POST', `/v1/${PKI}/issuer/${old.issuer_id}/sign/samctl-client`, { csr, ttl: '1h' });
    expect(refused.status, JSON.stringify(refused.body)).toBe(500);
    expect(refused.body.errors.join()).toMatch(/requested usage issuing-certificates .* only had usage crl-signing,read-only/);
    const current = issuers.find((issuer) => fingerprint(issuer.certificate) === fingerprint(newCa))!;
    expect((await engine.api('POST', `/v1/${PKI}/issuer/${current.issuer_id}/sign/samctl-client`, { csr, ttl: '1h' })).status).toBe(200);
    expect((await sharedCas()).map((ca) => ca.status)).toEqual(['retired', 'active']);
    expect((await samctl(['verify'], { cwd, env: engine.env })).exitCode).toBe(0);
  }, 120_000);
});
