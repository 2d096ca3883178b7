import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

  it('status on one PKI directory shows what another issued, its files written from KV', async () => {
    await samctlOk(['client', 'issue', 'remote-app', '--store-type', 'pem'], { cwd: machineB, env: engine.env });
    expect(existsSync(join(pkiA, 'clients', 'remote-app'))).toBe(false);
    const status = JSON.parse((await samctlOk(['status', '--json'], { cwd: machineA, env: engine.env }, )).stdout);
    expect(JSON.stringify(status)).toContain('remote-app');
    expect(readFileSync(cert('remote-app'))).toEqual(readFileSync(join(machineB, 'pki', 'clients', 'remote-app', 'client.crt')));
    expect(statSync(join(pkiA, 'clients', 'remote-app', 'client.key')).mode & 0o777).toBe(0o600);
    // And B, which never issued leaky, sees it revoked.
    const onB = JSON.parse((await samctlOk(['status', '--json'], { cwd: machineB, env: engine.env })).stdout);
    expect(JSON.stringify(onB)).toContain('leaky');
    expect(JSON.parse(readFileSync(join(machineB, 'pki', 'samctl.json'), 'utf8')).identities.find((record: { name: string }) => record.name === 'leaky').status).toBe('revoked');
  }, 120_000);

  it('the local cache thrown away (identity directories and records): status and renew still work from the shared inventory', async () => {
    rmSync(join(pkiA, 'clients'), { recursive: true, force: true });
    const local = JSON.parse(readFileSync(join(pkiA, 'samctl.json'), 'utf8'));
    writeFileSync(join(pkiA, 'samctl.json'), JSON.stringify({ ...local, identities: [] }, null, 2));
    const status = await samctl(['status', '--json'], { cwd: machineA, env: engine.env });
    expect(status.stderr).toBe('');
    expect(status.exitCode).toBe(0);
    for (const name of ['keeper', 'remote-app']) expect((await tool('openssl', ['verify', '-CAfile', ca, cert(name)], { reject: false })).all).toMatch(/: OK\s*$/);
    expect((await samctl(['verify'], { cwd: machineA, env: engine.env })).exitCode).toBe(0);

    const before = (await sharedInventory()).identities.find((record) => record.name === 'remote-app' && record.status === 'active')!;
    await samctlOk(['renew', 'remote-app'], { cwd: machineA, env: engine.env });
    const after = (await sharedInventory()).identities.filter((record) => record.name === 'remote-app');
    expect(after.map((record) => record.status).sort()).toEqual(['active', 'superseded']);
    const renewed = after.find((record) => record.status === 'active')!;
    expect(renewed.serial).not.toBe(before.serial);
    expect((await tool('openssl', ['verify', '-CAfile', ca, cert('remote-app')], { reject: false })).all).toMatch(/: OK\s*$/);
    // B, which issued it, picks the renewed certificate up on its next command.
    await samctlOk(['status'], { cwd: machineB, env: engine.env });
    expect(readFileSync(join(machineB, 'pki', 'clients', 'remote-app', 'client.crt'))).toEqual(readFileSync(cert('remote-app')));
  }, 120_000);

  it('samctl acl (no --apply) on a client issued from another PKI directory prints its grants', async () => {
    await samctlOk(['client', 'issue', 'b-only', '--store-type', 'pem'], { cwd: machineB, env: engine.env });
    const result = await samctlOk(['acl', 'b-only', '--produce', 'prediction', '--consume', 'sensordata', '--group', 'b-only'], { cwd: machineA, env: engine.env });
    expect(result.stdout).toContain('--allow-principal User:CN=b-only,O=Ynformed');
    expect(result.stdout).toMatch(/kafka-acls\.sh .*--topic prediction/);
    expect(result.stdout).toMatch(/kafka-acls\.sh .*--group b-only/);
  }, 120_000);

  it('revoking it again is refused (exit 2), nothing changes', async () => {
    const result = await samctl(['revoke', 'leaky'], { cwd: machineA, env: engine.env });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^samctl: client leaky is revoked already/);
  });
});

