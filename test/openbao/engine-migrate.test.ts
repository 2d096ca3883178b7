import { X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samctl, samctlOk, snapshotTree, tempDir, tool } from '../helpers/samctl.js';
import { requireOpenbao, startEngine, type Engine } from './engine.js';

const ready = requireOpenbao();

describe.skipIf(!ready)('ca init --backend openbao --migrate: a directory CA moves into the engine', () => {
  let engine: Engine;
  const cwd = tempDir('samctl-bao-migrate-');
  const pki = join(cwd, 'pki');
  let oldCa: string;

  beforeAll(async () => {
    engine = await startEngine({ workDir: join(cwd, 'engine') });
    await samctlOk(['ca', 'init', '--key-size', '2048', '--org', 'Ynformed'], { cwd });
    await samctlOk(['broker', 'issue', 'old.local', '--san', '127.0.0.1'], { cwd });
    await samctlOk(['client', 'issue', 'old-app', '--store-type', 'pem'], { cwd });
    oldCa = readFileSync(join(pki, 'ca', 'ca.crt'), 'utf8');
  }, 120_000);
  afterAll(() => engine?.stop());

  it('a wrong passphrase changes nothing, locally or in the engine', async () => {
    const before = snapshotTree(pki);
    const result = await samctl(['ca', 'init', '--backend', 'openbao', '--pki-mount', 'moved-pki', '--migrate'], { cwd, env: { ...engine.env, SAMCTL_CA_PASSWORD: 'not the passphrase' } });
    expect(result.exitCode).not.toBe(0);
    expect(snapshotTree(pki)).toEqual(before);
    expect((await engine.api('GET', '/v1/sys/mounts/moved-pki')).status).not.toBe(200);
  });

  it('moves the CA (same certificate), says so loudly, keeps old certificates valid and issues new ones through the engine', async () => {
    const result = await samctlOk(['ca', 'init', '--backend', 'openbao', '--pki-mount', 'moved-pki', '--kv-mount', 'moved-kv', '--migrate'], { cwd, env: engine.env });
    expect(result.stderr).toMatch(/the CA key was sent to the engine, and its encrypted copy is kept in .*backups\/ca-.*\/ca\.key/);
    expect(result.stdout).toContain('2 active identities copied to moved-kv/samctl/moved-pki/');
    const enginePem = await (await fetch(`${engine.address}/v1/moved-pki/ca/pem`)).text();
    expect(new X509Certificate(enginePem).fingerprint256).toBe(new X509Certificate(oldCa).fingerprint256);
    expect(existsSync(join(pki, 'ca', 'ca.key'))).toBe(false);
    const backups = readdirSync(join(pki, 'backups')).filter((name) => name.startsWith('ca-'));
    expect(backups.some((name) => existsSync(join(pki, 'backups', name, 'ca.key')))).toBe(true);
    expect(JSON.parse(readFileSync(join(pki, 'samctl.json'), 'utf8')).settings).toMatchObject({ backend: 'openbao', engine: { pkiMount: 'moved-pki', kvMount: 'moved-kv' } });

    // The identities' records and files are in KV.
    const shared = JSON.parse((await engine.api('GET', '/v1/moved-kv/data/samctl/moved-pki/inventory')).body.data.data.inventory);
    expect(shared.identities.map((record: { name: string }) => record.name).sort()).toEqual(['old-app', 'old.local']);
    const files = JSON.parse((await engine.api('GET', '/v1/moved-kv/data/samctl/moved-pki/brokers/old.local')).body.data.data.files);
    expect(Buffer.from(files['broker.crt'].base64, 'base64')).toEqual(readFileSync(join(pki, 'brokers', 'old.local', 'broker.crt')));

    await samctlOk(['client', 'issue', 'new-app'], { cwd, env: engine.env });
    const caFile = join(cwd, 'old-ca.pem');
    writeFileSync(caFile, oldCa);
    for (const leaf of [join(pki, 'brokers', 'old.local', 'broker.crt'), join(pki, 'clients', 'old-app', 'client.crt'), join(pki, 'clients', 'new-app', 'client.crt')]) {
      expect(String((await tool('openssl', ['verify', '-CAfile', caFile, leaf])).stdout)).toBe(`${leaf}: OK`);
    }
    // new-app was signed by the engine: it knows the serial.
    const serial = new X509Certificate(readFileSync(join(pki, 'clients', 'new-app', 'client.crt'))).serialNumber.toLowerCase().replace(/(..)(?!$)/g, '$1:');
    expect((await engine.api('GET', `/v1/moved-pki/cert/${serial}`)).status).toBe(200);
    expect((await samctl(['status'], { cwd, env: engine.env })).exitCode).toBe(0);
  });

  it('a second --migrate is refused: the CA is already in the engine', async () => {
    const result = await samctl(['ca', 'init', '--backend', 'openbao', '--pki-mount', 'moved-pki', '--migrate'], { cwd, env: engine.env });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^samctl: the CA of .* is already in an engine/);
  });
});
