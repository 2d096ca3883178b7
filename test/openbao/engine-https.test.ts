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

  it('AppRole limits: bound to another network the host cannot log in, bound to its own it can; new secret_ids expire after --secret-id-ttl; bad limits change nothing', async () => {
    const env = { ...clean, ...engine.env };
    const role = `samctl-host-broker-${BROKER}`;
    const renewer = 'samctl-ci-renewer';
    const limited = join(root, 'approle-limited');
    const readRole = async (name = role) => (await engine.api('GET', `/v1/auth/approle/role/${name}`, undefined, engine.token)).body.data;
    const policy = (args: string[]) => samctl(['policy', ...args], { cwd: operator, env });
    const pull = () =>
      samctl(['pull', BROKER, '--pki-mount', PKI, '--kv-mount', KV, '--role-id-file', join(limited, `${role}.role-id`), '--secret-id-file', join(limited, `${role}.secret-id`)], {
        cwd: host,
        env: { ...clean, BAO_ADDR: engine.address, VAULT_CACERT: tls.caFile },
      });
    const before = await readRole();
    const renewerBefore = await readRole(renewer);
    expect(before.secret_id_bound_cidrs ?? []).toEqual([]);

    // Bad limits: one line and a hint, exit 2, no role touched and no credentials written.
    const refusals: Array<[string[], string]> = [
      [[BROKER, '--apply', '--approle', '--cidr', '10.0.0.0/33'], 'samctl: invalid CIDR "10.0.0.0/33": give an IPv4 or IPv6 network such as 10.0.0.11/32 or 10.0.0.0/24'],
      [['--apply', '--approle', '--cidr', '10.0.0.0/8'], "samctl: --cidr binds the named identities' roles to their hosts' addresses"],
      [[BROKER, '--apply', '--approle', '--secret-id-ttl', '90', '--credentials', limited], 'samctl: invalid --secret-id-ttl "90": give a number with a unit, s m h or d, up to 3650d (0 for no expiry)'],
      [[BROKER, '--apply', '--cidr', '127.0.0.1'], 'samctl: --cidr limits AppRoles'],
      [[BROKER, '--apply', '--approle', '--renewer-cidr', 'any', '--renewer-cidr', '10.0.0.1'], 'samctl: --renewer-cidr any lifts the binding, and cannot go with networks'],
    ];
    for (const [args, line] of refusals) {
      const refused = await policy(args);
      expect(refused.exitCode, refused.stderr).toBe(2);
      const lines = refused.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toBe(line);
      expect(lines[1]).toMatch(/^hint: /);
    }
    expect(await readRole()).toEqual(before);
    expect(await readRole(renewer)).toEqual(renewerBefore);
    expect(existsSync(limited)).toBe(false);

    // Bound to a network this machine is not on: its login is refused, and samctl says why.
    const away = await policy([BROKER, '--apply', '--approle', '--cidr', '192.0.2.0/24', '--credentials', limited, '--json']);
    expect(away.exitCode, away.stderr).toBe(0);
    const approles = JSON.parse(away.stdout).approles as Array<{ role: string; cidrs: string[]; secretIdTtl: number }>;
    expect(approles.find((entry) => entry.role === role)).toMatchObject({ cidrs: ['192.0.2.0/24'], secretIdTtl: 0 });
    expect(approles.find((entry) => entry.role === renewer)).toMatchObject({ cidrs: [], secretIdTtl: 0 });
    expect((await readRole()).token_bound_cidrs).toEqual(['192.0.2.0/24']);
    const refused = await pull();
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toBe(
      `samctl: the engine at ${engine.address} refused the AppRole login from this machine: source address "127.0.0.1" unauthorized by CIDR restrictions on the role\n` +
        'hint: the role only admits the addresses samctl policy --cidr / --renewer-cidr bound it to: run this on the machine it was bound to, or bind it to the address the engine sees (samctl policy <name> --apply --approle --cidr <network>)',
    );

    // Bound to loopback, where this host logs in from: the pull works; re-writing the role
    // without limits keeps them.
    expect((await policy([BROKER, '--apply', '--approle', '--cidr', '127.0.0.1', '--credentials', limited])).exitCode).toBe(0);
    const near = await pull();
    expect(near.exitCode, near.stderr).toBe(0);
    expect((await policy([BROKER, '--apply', '--approle'])).exitCode).toBe(0);
    expect((await readRole()).secret_id_bound_cidrs).toEqual(['127.0.0.1/32']);

    // New secret_ids expire: one made with a 4 s lifetime works at once and is refused after.
    const shortLived = await policy([BROKER, '--apply', '--approle', '--secret-id-ttl', '4s', '--credentials', limited]);
    expect(shortLived.exitCode, shortLived.stderr).toBe(0);
    expect(shortLived.stdout).toContain(`AppRole ${role}`);
    expect(shortLived.stdout).toMatch(new RegExp(`AppRole ${role}: .* \\(from 127\\.0\\.0\\.1/32; new secret_ids expire after 4s\\)`));
    const made = Date.now();
    expect((await readRole()).secret_id_ttl).toBe(4);
    expect((await pull()).exitCode).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, made + 5000 - Date.now())));
    const expired = await pull();
    expect(expired.exitCode).toBe(2);
    expect(expired.stderr).toMatch(/^samctl: the engine at \S+ refused the AppRole login \(invalid role or secret ID\)\nhint: fetch a fresh secret_id into /);

    // Lifted: any address, no expiry, for secret_ids made from now on.
    expect((await policy([BROKER, '--apply', '--approle', '--cidr', 'any', '--secret-id-ttl', '0', '--credentials', limited])).exitCode).toBe(0);
    expect(await readRole()).toMatchObject({ secret_id_bound_cidrs: [], token_bound_cidrs: [], secret_id_ttl: 0 });
    expect((await pull()).exitCode).toBe(0);
  }, 120_000);
});

function readdirNames(dir: string): string[] {
  return readdirSync(dir).sort();
}
