import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samctl, samctlOk, tempDir } from '../helpers/samctl.js';
import { requireOpenbao, startEngine, type Engine } from './engine.js';

const ready = requireOpenbao();
const PKI = 'team-pki';
const KV = 'team-kv';
const INVENTORY = `/v1/${KV}/data/samctl/${PKI}/inventory`;

interface Issued {
  name: string;
  serial: string;
  engine: { path: string; version: number; inventoryVersion: number; casConflicts: number };
}

describe.skipIf(!ready)('inventory and identities in KV v2, two PKI directories at once', () => {
  let engine: Engine;
  const root = tempDir('samctl-bao-kv-');
  const machineA = join(root, 'a');
  const machineB = join(root, 'b');
  let sharedInventory: () => Promise<{ version: number; inventory: { identities: Array<{ kind: string; name: string; serial: string; status: string }> } }>;

  beforeAll(async () => {
    engine = await startEngine({ workDir: join(root, 'engine') });
    sharedInventory = async () => {
      const answer = await engine.api('GET', INVENTORY);
      return { version: answer.body.data.metadata.version, inventory: JSON.parse(answer.body.data.data.inventory) };
    };
    const { mkdirSync } = await import('node:fs');
    mkdirSync(machineA);
    mkdirSync(machineB);
    await samctlOk(['ca', 'init', '--backend', 'openbao', '--pki-mount', PKI, '--kv-mount', KV, '--org', 'Ynformed', '--key-size', '2048'], { cwd: machineA, env: engine.env });
    await samctlOk(['ca', 'init', '--backend', 'openbao', '--pki-mount', PKI, '--kv-mount', KV], { cwd: machineB, env: engine.env });
  }, 120_000);
  afterAll(() => engine?.stop());

  it('the KV mount refuses a write without check-and-set', async () => {
    const answer = await engine.api('POST', `/v1/${KV}/data/samctl/${PKI}/inventory`, { data: { inventory: '{}' } });
    expect(answer.status).toBe(400);
    expect(answer.body.errors.join()).toContain('check-and-set parameter required');
  });

  it('20 + 20 clients issued at the same time: 40 records, 40 distinct serials, conflicts re-read and retried, nothing lost', async () => {
    const names = (prefix: string) => Array.from({ length: 20 }, (_, i) => `${prefix}-${String(i + 1).padStart(2, '0')}`);
    const before = (await sharedInventory()).version;
    const [a, b] = await Promise.all([
      samctl(['client', 'issue', ...names('alpha'), '--store-type', 'pem', '--json'], { cwd: machineA, env: engine.env }),
      samctl(['client', 'issue', ...names('beta'), '--store-type', 'pem', '--json'], { cwd: machineB, env: engine.env }),
    ]);
    expect(a.stderr).toBe('');
    expect(b.stderr).toBe('');
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    const issued: Issued[] = [...JSON.parse(a.stdout).issued, ...JSON.parse(b.stdout).issued];
    expect(issued).toHaveLength(40);

    const shared = await sharedInventory();
    const active = shared.inventory.identities.filter((record) => record.status === 'active');
    expect(active.map((record) => record.name).sort()).toEqual([...names('alpha'), ...names('beta')].sort());
    expect(new Set(active.map((record) => record.serial)).size).toBe(40);
    // One successful inventory write per identity and no other: a lost update would show fewer records.
    expect(shared.version).toBe(before + 40);
    expect(issued.map((identity) => identity.engine.inventoryVersion).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => before + 1 + i));
    const conflicts = issued.reduce((sum, identity) => sum + identity.engine.casConflicts, 0);
    console.log(`check-and-set conflicts re-read and retried: ${conflicts} (machine A ${JSON.parse(a.stdout).issued.reduce((s: number, i: Issued) => s + i.engine.casConflicts, 0)})`);
    expect(conflicts).toBeGreaterThan(0);

    // Each identity's files are in the engine and are the ones written locally.
    for (const identity of issued) {
      const answer = await engine.api('GET', `/v1/${KV}/data/${identity.engine.path}`);
      const files = JSON.parse(answer.body.data.data.files) as Record<string, { base64: string; mode: number }>;
      const cert = Buffer.from(files['client.crt']!.base64, 'base64');
      expect(new X509Certificate(cert).serialNumber.toLowerCase()).toBe(identity.serial.toLowerCase().replace(/^(00)+/, ''));
      expect(files['client.key']!.mode).toBe(0o600);
      const machine = identity.name.startsWith('alpha') ? machineA : machineB;
      expect(readFileSync(join(machine, 'pki', 'clients', identity.name, 'client.crt'))).toEqual(cert);
    }
  }, 300_000);

  it('a name another PKI directory already issued is refused with that name; the new certificate is revoked', async () => {
    await samctlOk(['client', 'issue', 'shared-app'], { cwd: machineA, env: engine.env });
    const result = await samctl(['client', 'issue', 'shared-app'], { cwd: machineB, env: engine.env });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^samctl: client shared-app already exists in the engine .*issued from another PKI directory; serial ([0-9a-f]+) is revoked at the engine/);
    const serial = /serial ([0-9a-f]+) is revoked/.exec(result.stderr)![1]!;
    const colons = serial.replace(/^(00)+/, '').replace(/(..)(?!$)/g, '$1:');
    expect((await engine.api('GET', `/v1/${PKI}/cert/${colons}`)).body.data.revocation_time).toBeGreaterThan(0);
    expect(existsSync(join(machineB, 'pki', 'clients', 'shared-app'))).toBe(false);
    const record = (await sharedInventory()).inventory.identities.filter((r) => r.name === 'shared-app');
    expect(record).toHaveLength(1);
  });

  it('signed, files written, inventory write refused: the files version is deleted, the serial revoked and named', async () => {
    // A token that may sign and write identity files but only read the inventory.
    const policy = [
      `path "${PKI}/sign/*" { capabilities = ["create", "update"] }`,
      `path "${PKI}/roles/*" { capabilities = ["read", "create", "update"] }`,
      `path "${PKI}/revoke" { capabilities = ["create", "update"] }`,
      `path "${PKI}/issuer/default/json" { capabilities = ["read"] }`,
      `path "${KV}/data/samctl/${PKI}/clients/*" { capabilities = ["create", "update", "read", "delete"] }`,
      `path "${KV}/metadata/samctl/${PKI}/clients/*" { capabilities = ["read"] }`,
      `path "${KV}/data/samctl/${PKI}/inventory" { capabilities = ["read"] }`,
    ].join('\n');
    expect((await engine.api('PUT', '/v1/sys/policies/acl/no-inventory', { policy })).status).toBe(204);
    const token = (await engine.api('POST', '/v1/auth/token/create', { policies: ['no-inventory'], ttl: '10m' })).body.auth.client_token as string;
    const versionBefore = (await sharedInventory()).version;
    const result = await samctl(['client', 'issue', 'half-app'], { cwd: machineA, env: { ...engine.env, BAO_TOKEN: token } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^samctl: client half-app \(serial ([0-9a-f]+)\) could not be recorded in the engine's inventory: .*refused the token.*; serial \1 is revoked at the engine, nothing kept/);
    expect(result.stderr).not.toContain(token);
    const serial = /\(serial ([0-9a-f]+)\)/.exec(result.stderr)![1]!;
    const colons = serial.replace(/^(00)+/, '').replace(/(..)(?!$)/g, '$1:');
    expect((await engine.api('GET', `/v1/${PKI}/cert/${colons}`)).body.data.revocation_time).toBeGreaterThan(0);
    // No files without a record: the identity's only version is deleted; no record, no local directory.
    expect((await engine.api('GET', `/v1/${KV}/data/samctl/${PKI}/clients/half-app`)).status).toBe(404);
    expect((await sharedInventory()).version).toBe(versionBefore);
    expect(existsSync(join(machineA, 'pki', 'clients', 'half-app'))).toBe(false);
  });

  it('status, verify, renew and export work on an engine-backed PKI directory; renew re-signs in the engine and supersedes the record there', async () => {
    const cwd = machineA;
    const env = engine.env;
    expect((await samctl(['status'], { cwd, env })).exitCode).toBe(0);
    expect((await samctl(['verify'], { cwd, env })).exitCode).toBe(0);
    const before = (await sharedInventory()).inventory.identities.find((record) => record.name === 'alpha-01' && record.status === 'active')!;
    const renewed = JSON.parse((await samctlOk(['renew', 'alpha-01', '--json'], { cwd, env })).stdout);
    const after = (await sharedInventory()).inventory.identities.filter((record) => record.name === 'alpha-01');
    expect(after.map((record) => record.status).sort()).toEqual(['active', 'superseded']);
    const active = after.find((record) => record.status === 'active')!;
    expect(active.serial).not.toBe(before.serial);
    expect(JSON.stringify(renewed)).toContain(active.serial);
    const caFile = join(cwd, 'pki', 'ca', 'ca.crt');
    const { tool } = await import('../helpers/samctl.js');
    expect(String((await tool('openssl', ['verify', '-CAfile', caFile, join(cwd, 'pki', 'clients', 'alpha-01', 'client.crt')])).stdout)).toMatch(/: OK$/);
    expect((await samctl(['verify'], { cwd, env })).exitCode).toBe(0);
    const bundle = join(cwd, 'alpha-01.tar');
    await samctlOk(['export', 'alpha-01', '--out', bundle], { cwd, env });
    const listing = String((await tool('tar', ['-tf', bundle])).stdout);
    expect(listing).toContain('client.crt');
  }, 120_000);
});
