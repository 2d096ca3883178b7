import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samctl, samctlOk, tempDir, tool } from '../helpers/samctl.js';
import { requireOpenbao, startEngine, type Engine } from './engine.js';

const ready = requireOpenbao();
const PKI = 'rv-pki';
const KV = 'rv-kv';

/** revoke / crl, status from the shared inventory, acl: on a CA and inventory in OpenBao. */
describe.skipIf(!ready)('revocation, CRL and the shared inventory through OpenBao', () => {
  let engine: Engine;
  const root = tempDir('samctl-bao-rv-');
  const machineA = join(root, 'a');
  const machineB = join(root, 'b');
  const pkiA = join(machineA, 'pki');
  const ca = join(pkiA, 'ca', 'ca.crt');
  const crl = join(pkiA, 'ca', 'crl.pem');
  const cert = (name: string) => join(pkiA, 'clients', name, 'client.crt');
  const verify = (name: string, crlFile = crl) => tool('openssl', ['verify', '-crl_check', '-CAfile', ca, '-CRLfile', crlFile, cert(name)], { reject: false });
  const sharedInventory = async () => JSON.parse((await engine.api('GET', `/v1/${KV}/data/samctl/${PKI}/inventory`)).body.data.data.inventory) as { identities: Array<{ kind: string; name: string; serial: string; status: string }> };

  beforeAll(async () => {
    engine = await startEngine({ workDir: join(root, 'engine') });
    mkdirSync(machineA);
    mkdirSync(machineB);
    await samctlOk(['ca', 'init', '--backend', 'openbao', '--pki-mount', PKI, '--kv-mount', KV, '--org', 'Ynformed', '--key-size', '2048'], { cwd: machineA, env: engine.env });
    await samctlOk(['ca', 'init', '--backend', 'openbao', '--pki-mount', PKI, '--kv-mount', KV], { cwd: machineB, env: engine.env });
    await samctlOk(['client', 'issue', 'leaky', 'keeper', '--store-type', 'pem'], { cwd: machineA, env: engine.env });
  }, 120_000);
  afterAll(() => engine?.stop());

  it('revoke: the engine revokes the serial; its CRL verifies against ca.crt and makes openssl refuse the revoked certificate only', async () => {
    const serial = (await sharedInventory()).identities.find((record) => record.name === 'leaky')!.serial;
    const result = JSON.parse((await samctlOk(['revoke', 'leaky', '--reason', 'keyCompromise', '--json'], { cwd: machineA, env: engine.env })).stdout);
    expect(result.serial).toBe(serial);
    const colons = serial.replace(/^(00)+/, '').replace(/(..)(?!$)/g, '$1:');
    expect((await engine.api('GET', `/v1/${PKI}/cert/${colons}`)).body.data.revocation_time).toBeGreaterThan(0);

    // ca/crl.pem is the engine's CRL, signed by the CA in ca.crt.
    expect((await tool('openssl', ['crl', '-in', crl, '-CAfile', ca, '-noout'])).all).toContain('verify OK');
    const engineCrl = (await engine.api('GET', `/v1/${PKI}/issuer/default/crl`)).body.data.crl.trim();
    expect(readFileSync(crl, 'utf8').trim()).toBe(engineCrl);
    const text = (await tool('openssl', ['crl', '-in', crl, '-noout', '-text'])).stdout;
    expect(text.toUpperCase()).toContain(`SERIAL NUMBER: ${serial.replace(/^(00)+/, '').toUpperCase()}`);
    expect(result.crl.number).toBe(Number(/X509v3 CRL Number:\s*\n\s*(\d+)/.exec(text)![1]));
    // Valid the 7 days samctl's CRLs are (the mount's CRL expiry), as the inventory records.
    expect(Date.parse(result.crl.nextUpdate) - Date.parse(result.crl.thisUpdate)).toBe(7 * 86_400_000);

    expect((await verify('leaky')).all).toContain('certificate revoked');
    expect((await verify('keeper')).all).toMatch(/: OK\s*$/);
    // The per-identity copies, exactly as the directory backend publishes them.
    expect(readFileSync(join(pkiA, 'clients', 'keeper', 'crl.pem'), 'utf8')).toBe(readFileSync(crl, 'utf8'));
    expect(readFileSync(join(pkiA, 'clients', 'keeper', 'librdkafka.properties'), 'utf8')).toContain(`ssl.crl.location=${join(pkiA, 'clients', 'keeper', 'crl.pem')}\n`);
    // The DENY part is unchanged: the kafka-acls.sh commands for the principal.
    expect(result.principal).toBe('User:CN=leaky,O=Ynformed');
    expect(result.commands).toHaveLength(4);

    // The shared inventory says revoked: every PKI directory sees it.
    const shared = (await sharedInventory()).identities.filter((record) => record.name === 'leaky');
    expect(shared.map((record) => record.status)).toEqual(['revoked']);
    const kept = JSON.parse((await engine.api('GET', `/v1/${KV}/data/samctl/${PKI}/clients/leaky`)).body.data.data.record);
    expect(kept.status).toBe('revoked');
  }, 120_000);

  it('samctl crl has the engine rebuild its CRL: a higher number, still listing the revoked serial, still verifying', async () => {
    const before = JSON.parse((await samctlOk(['status', '--json'], { cwd: machineA, env: engine.env })).stdout);
    expect(before.entries.find((entry: { kind: string }) => entry.kind === 'crl').state).toBe('ok');
    const first = Number(/X509v3 CRL Number:\s*\n\s*(\d+)/.exec((await tool('openssl', ['crl', '-in', crl, '-noout', '-text'])).stdout)![1]);
    const result = JSON.parse((await samctlOk(['crl', '--json'], { cwd: machineA, env: engine.env })).stdout);
    expect(result.crl.number).toBeGreaterThan(first);
    expect((await tool('openssl', ['crl', '-in', crl, '-CAfile', ca, '-noout'])).all).toContain('verify OK');
    expect((await verify('leaky')).all).toContain('certificate revoked');
    expect((await verify('keeper')).all).toMatch(/: OK\s*$/);
  });

  it('revoking it again is refused (exit 2), nothing changes', async () => {
    const result = await samctl(['revoke', 'leaky'], { cwd: machineA, env: engine.env });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^samctl: client leaky is revoked already/);
  });
});

export { existsSync, rmSync };
