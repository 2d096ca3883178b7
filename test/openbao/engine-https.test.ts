/**
 * Issue 14 over the engine's own TLS: OpenBao serves HTTPS with a test certificate made by
 * openssl; samctl trusts it through VAULT_CACERT and refuses it without. CI and hosts log in
 * with AppRole, role_id and secret_id from files that samctl policy --apply --approle wrote.
 */
import { execa } from 'execa';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaks, startWatcher, stopWatcher } from '../helpers/cmdline-watcher.js';
import { SAMCTL, samctl, samctlOk, tempDir } from '../helpers/samctl.js';
import { makeEngineTls, requireOpenbao, startEngine, type Engine, type EngineTlsFiles } from './engine.js';

const ready = requireOpenbao();
const PKI = 'kafka-pki';
const KV = 'kafka-kv';
const BROKER = 'localhost';

describe.skipIf(!ready)('an HTTPS engine, AppRole logins from files', () => {
  let engine: Engine;
  let tls: EngineTlsFiles;
  const root = tempDir('samctl-bao-https-');
  const operator = join(root, 'operator');
  const host = join(root, 'host');
  const creds = join(root, 'approle');
  // No token or CA from the test runner's own environment.
  const clean = { BAO_TOKEN: undefined, VAULT_TOKEN: undefined, VAULT_CACERT: undefined, BAO_CACERT: undefined, VAULT_ADDR: undefined };

  beforeAll(async () => {
    tls = await makeEngineTls(join(root, 'tls'));
    engine = await startEngine({ workDir: join(root, 'engine'), tls });
    mkdirSync(operator);
    mkdirSync(host);
  }, 120_000);
  afterAll(() => engine?.stop());

  it('without VAULT_CACERT samctl refuses the engine in one line naming the fix; nothing written', async () => {
    expect(engine.address).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const result = await samctl(['ca', 'init', '--backend', 'openbao', '--pki-mount', PKI, '--kv-mount', KV], { cwd: operator, env: { ...clean, BAO_ADDR: engine.address, BAO_TOKEN: engine.token } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      `samctl: the engine at ${engine.address} presents a TLS certificate this host does not trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE)\nhint: set VAULT_CACERT (or BAO_CACERT) to the PEM file of the CA that signed the engine's certificate, e.g. export VAULT_CACERT=/etc/samctl/bao-ca.pem`,
    );
    expect(existsSync(join(operator, 'pki'))).toBe(false);
    // Plain http to the TLS listener: named as such.
    const plain = await samctl(['ca', 'init', '--backend', 'openbao', '--pki-mount', PKI], { cwd: operator, env: { ...clean, BAO_ADDR: engine.address.replace('https', 'http'), BAO_TOKEN: engine.token } });
    expect(plain.exitCode).toBe(2);
    expect(plain.stderr).toBe(
      `samctl: the engine at ${engine.address.replace('https', 'http')} speaks HTTPS, not plain HTTP\nhint: give BAO_ADDR / VAULT_ADDR as ${engine.address} and set VAULT_CACERT (or BAO_CACERT) to the CA of the engine's certificate`,
    );
    expect(existsSync(join(operator, 'pki'))).toBe(false);
  });

  it('with VAULT_CACERT: ca init, issue, policies and AppRoles (credentials only in 0600 files), then a host pulls with its AppRole; no secret on any command line', async () => {
    const env = { ...clean, ...engine.env };
    expect(env.VAULT_CACERT).toBe(tls.caFile);
    const installDir = join(host, 'ssl');
    const watcher = startWatcher();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const outputs: string[] = [];
    let pulled: { files: Array<{ path: string; mode: string }>; serial: string };
    try {
      await samctlOk(['ca', 'init', '--backend', 'openbao', '--pki-mount', PKI, '--kv-mount', KV, '--org', 'Ynformed', '--key-size', '2048'], { cwd: operator, env });
      await samctlOk(['broker', 'issue', BROKER, '--san', '127.0.0.1', '--install-dir', installDir], { cwd: operator, env });
      await samctlOk(['client', 'issue', 'echo-app', '--store-type', 'pem'], { cwd: operator, env });
      const applied = await samctlOk(['policy', '--apply', '--approle', '--credentials', creds, '--json'], { cwd: operator, env });
      outputs.push(applied.stdout, applied.stderr);
      const report = JSON.parse(applied.stdout);
      expect(report.approles.map((role: { role: string }) => role.role).sort()).toEqual(['samctl-ci-renewer', `samctl-host-broker-${BROKER}`, 'samctl-host-client-echo-app']);
      for (const name of readdirNames(creds)) expect(statSync(join(creds, name)).mode & 0o777, name).toBe(0o600);

      const role = `samctl-host-broker-${BROKER}`;
      const result = await samctl(['pull', BROKER, '--pki-mount', PKI, '--kv-mount', KV, '--role-id-file', join(creds, `${role}.role-id`), '--secret-id-file', join(creds, `${role}.secret-id`), '--json'], {
        cwd: host,
        env: { ...clean, BAO_ADDR: engine.address, VAULT_CACERT: tls.caFile },
      });
      outputs.push(result.stdout, result.stderr);
      expect(result.stderr).toBe('');
      expect(result.exitCode).toBe(0);
      pulled = JSON.parse(result.stdout);
    } finally {
      void stopWatcher(watcher);
    }
    const { cmdlines } = await watcher.done;
    expect(cmdlines.some((line) => line.includes('samctl.js') && line.includes('pull'))).toBe(true);
    const secrets = [engine.token, ...readdirNames(creds).map((name) => readFileSync(join(creds, name), 'utf8').trim())];
    const storePassword = readFileSync(join(installDir, 'broker.store.password'), 'utf8').trim();
    for (const secret of [...secrets, storePassword]) {
      expect(cmdlines.filter((line) => leaks(line, secret))).toEqual([]);
      expect(outputs.some((text) => text.includes(secret))).toBe(false);
    }
    expect(pulled!.files.find((file) => file.path.endsWith('broker.key'))!.mode).toBe('0600');
    expect(readFileSync(join(installDir, 'broker.keystore.jks'))).toEqual(readFileSync(join(operator, 'pki', 'brokers', BROKER, 'keystore.jks')));
  }, 180_000);

  it("the host's AppRole token reads its own identity and gets 403 for another's; the renewer's AppRole renews", async () => {
    const login = async (role: string) => {
      const answer = await engine.api('POST', '/v1/auth/approle/login', { role_id: readFileSync(join(creds, `${role}.role-id`), 'utf8').trim(), secret_id: readFileSync(join(creds, `${role}.secret-id`), 'utf8').trim() });
      expect(answer.status).toBe(200);
      return answer.body.auth.client_token as string;
    };
    const hostToken = await login(`samctl-host-broker-${BROKER}`);
    expect((await engine.api('GET', `/v1/${KV}/data/samctl/${PKI}/brokers/${BROKER}`, undefined, hostToken)).status).toBe(200);
    expect((await engine.api('GET', `/v1/${KV}/data/samctl/${PKI}/clients/echo-app`, undefined, hostToken)).status).toBe(403);
    expect((await engine.api('GET', `/v1/${KV}/data/samctl/${PKI}/inventory`, undefined, hostToken)).status).toBe(403);

    const renewer = 'samctl-ci-renewer';
    const env = { ...clean, BAO_ADDR: engine.address, VAULT_CACERT: tls.caFile, SAMCTL_ENGINE_ROLE_ID_FILE: join(creds, `${renewer}.role-id`), SAMCTL_ENGINE_SECRET_ID_FILE: join(creds, `${renewer}.secret-id`) };
    const renewed = await samctl(['renew', BROKER], { cwd: operator, env });
    expect(renewed.stderr).toBe('');
    expect(renewed.exitCode).toBe(0);
    const renewerToken = await login(renewer);
    expect((await engine.api('POST', `/v1/${PKI}/config/ca`, { pem_bundle: readFileSync(tls.caFile, 'utf8') }, renewerToken)).status).toBe(403);

    // A secret_id file holding something else: refused in one line naming the file to refresh.
    const bad = join(root, 'bad.secret-id');
    writeFileSync(bad, '00000000-0000-0000-0000-000000000000\n', { mode: 0o600 });
    const pull = await samctl(['pull', BROKER, '--pki-mount', PKI, '--kv-mount', KV], { cwd: host, env: { ...env, SAMCTL_ENGINE_SECRET_ID_FILE: bad } });
    expect(pull.exitCode).toBe(2);
    expect(pull.stderr).toMatch(new RegExp(`^samctl: the engine at ${engine.address.replace(/\./g, '\\.')} refused the AppRole login .*\\nhint: fetch a fresh secret_id into ${bad}`));
    expect(pull.stderr).not.toContain('00000000-0000');
  }, 120_000);

  it('examples/ci/engine: renew.sh renews with the renewer AppRole, host-pull.sh installs the renewal with the host AppRole', async () => {
    const bin = join(root, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'samctl'), `#!/bin/sh\nexec node '${SAMCTL}' "$@"\n`, { mode: 0o755 });
    const base = { PATH: `${bin}:${process.env.PATH}`, BAO_ADDR: engine.address, VAULT_CACERT: tls.caFile, BAO_TOKEN: '', VAULT_TOKEN: '' };
    const renewer = 'samctl-ci-renewer';
    const ci = { ...base, SAMCTL_DIR: join(operator, 'pki'), SAMCTL_ENGINE_ROLE_ID_FILE: join(creds, `${renewer}.role-id`), SAMCTL_ENGINE_SECRET_ID_FILE: join(creds, `${renewer}.secret-id`) };
    const script = (name: string) => new URL(`../../examples/ci/engine/${name}`, import.meta.url).pathname;
    const installDir = join(host, 'ssl');
    const before = readFileSync(join(installDir, 'broker.crt'), 'utf8');

    const renewed = await execa('bash', [script('renew.sh')], { cwd: root, reject: false, all: true, env: { ...ci, WITHIN: '400d' } });
    expect(renewed.exitCode, renewed.all).toBe(0);
    expect(renewed.all).toContain('renewal due: renewing through the engine');
    expect(renewed.all).toMatch(/renewed broker localhost until .*: its host pulls it on its next timer run/);
    const quiet = await execa('bash', [script('renew.sh')], { cwd: root, reject: false, all: true, env: { ...ci, WITHIN: '30d' } });
    expect(quiet.exitCode, quiet.all).toBe(0);
    expect(quiet.all).toContain('nothing due within 30d');

    const role = `samctl-host-broker-${BROKER}`;
    const hostEnv = { ...base, SAMCTL_IDENTITY: BROKER, SAMCTL_PKI_MOUNT: PKI, SAMCTL_ENGINE_KV_MOUNT: KV, SAMCTL_ENGINE_ROLE_ID_FILE: join(creds, `${role}.role-id`), SAMCTL_ENGINE_SECRET_ID_FILE: join(creds, `${role}.secret-id`) };
    const pulled = await execa('sh', [script('host-pull.sh')], { cwd: host, reject: false, all: true, env: hostEnv });
    expect(pulled.exitCode, pulled.all).toBe(0);
    expect(pulled.all).toContain(`broker ${BROKER} (serial`);
    const after = readFileSync(join(installDir, 'broker.crt'), 'utf8');
    expect(after).not.toBe(before);
    expect(after).toBe(readFileSync(join(operator, 'pki', 'brokers', BROKER, 'broker.crt'), 'utf8'));
  }, 180_000);
});

function readdirNames(dir: string): string[] {
  return readdirSync(dir).sort();
}
