/**
 * Issue 14 against a real OpenBao: a host pulls its own identity with a token that reads
 * nothing else; the CI renewer signs and writes identities but cannot import a CA,
 * sign-verbatim, generate a root or read another mount. Each refusal is asked of the engine.
 */
import { execa } from 'execa';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samctl, samctlOk, tempDir } from '../helpers/samctl.js';
import { requireOpenbao, startEngine, type Engine } from './engine.js';

const ready = requireOpenbao();
const PKI = 'team-pki';
const KV = 'team-kv';
const BROKER = 'localhost';
const CLIENT = 'echo-app';

describe.skipIf(!ready)('samctl pull and samctl policy on a real engine', () => {
  let engine: Engine;
  const root = tempDir('samctl-bao-pull-');
  const operator = join(root, 'operator');
  const host = join(root, 'host');
  const installDir = join(host, 'ssl');
  let tokenFor: (policy: string) => Promise<string>;
  let pkiEnv: Record<string, string>;

  beforeAll(async () => {
    engine = await startEngine({ workDir: join(root, 'engine') });
    tokenFor = async (policy) => {
      const answer = await engine.api('POST', '/v1/auth/token/create', { policies: [policy], ttl: '30m' });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body.auth.client_token as string;
    };
    mkdirSync(operator);
    mkdirSync(host);
    pkiEnv = engine.env;
    await samctlOk(['ca', 'init', '--backend', 'openbao', '--pki-mount', PKI, '--kv-mount', KV, '--org', 'Ynformed', '--key-size', '2048'], { cwd: operator, env: pkiEnv });
    await samctlOk(['broker', 'issue', BROKER, '--san', '127.0.0.1', '--install-dir', installDir], { cwd: operator, env: pkiEnv });
    await samctlOk(['client', 'issue', CLIENT, '--store-type', 'pem'], { cwd: operator, env: pkiEnv });
    // Another mount with a secret in it: the renewer must not read it.
    expect((await engine.api('POST', '/v1/sys/mounts/other-kv', { type: 'kv', options: { version: '2' } })).status).toBe(204);
    expect((await engine.api('POST', '/v1/other-kv/data/db', { data: { password: 'hunter2' } })).status).toBe(200);
  }, 120_000);
  afterAll(() => engine?.stop());

  const pull = (args: string[], token: string, cwd = host) => samctl(['pull', ...args, '--pki-mount', PKI, '--kv-mount', KV], { cwd, env: { BAO_ADDR: engine.address, BAO_TOKEN: token } });

  it('samctl policy writes the HCL for review; the renewer never reaches sign-verbatim or config/ca', async () => {
    const out = join(root, 'policies');
    const result = await samctlOk(['policy', '--out', out, '--json'], { cwd: operator, env: pkiEnv });
    const names = readdirSync(out).sort();
    expect(names).toEqual(['samctl-ci-renewer.hcl', `samctl-host-broker-${BROKER}.hcl`, `samctl-host-client-${CLIENT}.hcl`, 'samctl-operator.hcl']);
    expect(JSON.parse(result.stdout).applied).toBe(false);
    const renewer = readFileSync(join(out, 'samctl-ci-renewer.hcl'), 'utf8');
    expect(renewer).toContain(`path "${PKI}/sign/samctl-*"`);
    expect(renewer).not.toMatch(/sign-verbatim"|config\/ca|root\/generate|"sys\//);
    expect(readFileSync(join(out, `samctl-host-broker-${BROKER}.hcl`), 'utf8')).toBe(
      `# samctl: the host of broker ${BROKER}: samctl pull reads this one identity\n\npath "${KV}/data/samctl/${PKI}/brokers/${BROKER}" {\n  capabilities = ["read"]\n}\n`,
    );
    // Nothing in the engine yet.
    expect((await engine.api('GET', '/v1/sys/policies/acl/samctl-ci-renewer')).status).toBe(404);
    const applied = await samctlOk(['policy', '--apply'], { cwd: operator, env: pkiEnv });
    expect(applied.stdout).toContain('installed policy samctl-ci-renewer');
    expect((await engine.api('GET', '/v1/sys/policies/acl/samctl-ci-renewer')).body.data.policy).toBe(renewer);
  });

  it('an operator-policy token (not root) joins the CA from a new PKI directory, issues, and installs the policies', async () => {
    const token = await tokenFor('samctl-operator');
    const second = join(root, 'second-operator');
    mkdirSync(second);
    const env = { BAO_ADDR: engine.address, BAO_TOKEN: token };
    const joined = await samctl(['ca', 'init', '--backend', 'openbao', '--pki-mount', PKI, '--kv-mount', KV], { cwd: second, env });
    expect(joined.exitCode, joined.stderr).toBe(0);
    const issued = await samctl(['client', 'issue', 'operator-app'], { cwd: second, env });
    expect(issued.exitCode, issued.stderr).toBe(0);
    const applied = await samctl(['policy', 'operator-app', '--apply'], { cwd: second, env });
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect((await engine.api('GET', '/v1/sys/policies/acl/samctl-host-client-operator-app')).status).toBe(200);
    // Still nothing outside samctl's mounts and policies.
    expect((await engine.api('GET', '/v1/other-kv/data/db', undefined, token)).status).toBe(403);
    expect((await engine.api('PUT', '/v1/sys/policies/acl/admin', { policy: 'path "*" { capabilities = ["sudo"] }' }, token)).status).toBe(403);
  });

  it("a host token pulls its own broker into the recorded install dir (modes kept, staging gone) and gets 403 for another's identity", async () => {
    const token = await tokenFor(`samctl-host-broker-${BROKER}`);
    mkdirSync(installDir, { recursive: true });
    writeFileSync(join(installDir, 'client.keep'), 'not samctl\n');
    const result = await pull([BROKER, '--json'], token);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).not.toContain(token);
    const report = JSON.parse(result.stdout);
    expect(report.dir).toBe(installDir);
    const pkiDir = join(operator, 'pki', 'brokers', BROKER);
    const written = report.files as Array<{ path: string; mode: string; changed: boolean }>;
    expect(written.map((file) => file.path.slice(installDir.length + 1)).sort()).toEqual(
      ['broker-secrets.properties', 'broker.ca.crt', 'broker.crt', 'broker.key', 'broker.keystore.jks', 'broker.store.password', 'broker.truststore.jks', 'broker.truststore.password', 'server-ssl.properties'],
    );
    // Every file is the PKI directory's copy under its host name, with its mode.
    for (const file of written) {
      const hostName = file.path.slice(installDir.length + 1);
      const pkiName = hostName === 'server-ssl.properties' ? hostName : hostName.replace(/^broker\.(?!key$|crt$)/, '');
      expect(readFileSync(file.path), hostName).toEqual(readFileSync(join(pkiDir, pkiName)));
      const mode = statSync(file.path).mode & 0o777;
      expect(`0${mode.toString(8)}`).toBe(file.mode);
      if (/\.(key|jks|p12|password)$/.test(hostName)) expect(mode, hostName).toBe(0o600);
    }
    expect(readFileSync(join(installDir, 'server-ssl.properties'), 'utf8')).toContain(join(installDir, 'broker.keystore.jks'));
    expect(readFileSync(join(installDir, 'client.keep'), 'utf8')).toBe('not samctl\n');
    expect(readdirSync(dirname(installDir)).filter((name) => name.includes('staging'))).toEqual([]);
    expect(report.reload.command).toContain(`listener.name.ssl.ssl.keystore.location=${join(installDir, 'broker.keystore.jks')}`);

    // Again: nothing changed, nothing rewritten.
    const again = JSON.parse((await pull([BROKER, '--json'], token)).stdout);
    expect(again.files.every((file: { changed: boolean }) => !file.changed)).toBe(true);

    // Another identity: the engine itself refuses the read.
    const other = await engine.api('GET', `/v1/${KV}/data/samctl/${PKI}/clients/${CLIENT}`, undefined, token);
    expect(other.status).toBe(403);
    expect((await engine.api('GET', `/v1/${KV}/data/samctl/${PKI}/inventory`, undefined, token)).status).toBe(403);
    const refused = await pull([CLIENT, '--kind', 'client', '--to', join(host, 'client')], token);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/^samctl: the engine at http:\/\/127\.0\.0\.1:\d+ refused the token for GET team-kv\/data\/samctl\/team-pki\/clients\/echo-app .*its policy does not allow this\n/);
    expect(refused.stderr).not.toContain(token);
    expect(existsSync(join(host, 'client'))).toBe(false);
  });

  it('an identity without a recorded install dir needs --to; --to installs it under its PKI names', async () => {
    const token = await tokenFor(`samctl-host-client-${CLIENT}`);
    const missing = await pull([CLIENT, '--kind', 'client'], token);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toBe(`samctl: client ${CLIENT} has no install dir recorded\nhint: name the directory: samctl pull ${CLIENT} --to /etc/kafka/ssl (or record one: samctl configure ${CLIENT} --install-dir <path>)`);
    const to = join(host, 'echo');
    await samctlOk(['pull', CLIENT, '--kind', 'client', '--to', to, '--pki-mount', PKI, '--kv-mount', KV], { cwd: host, env: { BAO_ADDR: engine.address, BAO_TOKEN: token } });
    expect(readFileSync(join(to, 'client.key'))).toEqual(readFileSync(join(operator, 'pki', 'clients', CLIENT, 'client.key')));
    expect(statSync(join(to, 'client.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(to, 'client.csr'))).toBe(false);
    // Bad usage is refused before the engine is asked (no address needed), one line each.
    for (const [args, line] of [
      [['pull', CLIENT, '--kind', 'consumer', '--kv-mount', KV], 'samctl: invalid --kind "consumer"'],
      [['pull', CLIENT], 'samctl: no KV mount given'],
      [['pull', BROKER, '--kv-mount', KV, '--reload'], "samctl: --reload needs the broker's server.properties"],
      [['pull', CLIENT, '--kind', 'client', '--kv-mount', KV, '--reload', '--server-properties', '/nonexistent'], 'samctl: --reload reloads a broker keystore'],
      [['pull', BROKER, '--kv-mount', KV, '--server-properties', '/nonexistent/server.properties'], 'samctl: cannot read /nonexistent/server.properties: ENOENT'],
      [['pull', BROKER, '--kv-mount', '../x'], 'samctl: invalid --kv-mount "../x"'],
    ] as Array<[string[], string]>) {
      const result = await samctl(args, { cwd: host, env: { BAO_ADDR: undefined, VAULT_ADDR: undefined, SAMCTL_ENGINE_KV_MOUNT: undefined } });
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr.split('\n')[0]).toBe(line);
    }
    const unknown = await pull(['nobody', '--kind', 'client', '--to', to], engine.token);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/^samctl: no client nobody in the engine/);
  });

  it('configure --install-dir reaches the engine: the host pulls into the recorded dir with configs naming it, and another PKI directory takes the choice', async () => {
    const token = await tokenFor(`samctl-host-client-${CLIENT}`);
    const dir = join(host, 'echo-ssl');
    const kvRecord = async () => JSON.parse((await engine.api('GET', `/v1/${KV}/data/samctl/${PKI}/clients/${CLIENT}`)).body.data.data.record);
    const sharedRecord = async () => JSON.parse((await engine.api('GET', `/v1/${KV}/data/samctl/${PKI}/inventory`)).body.data.data.inventory).identities.find((record: { name: string; status: string }) => record.name === CLIENT && record.status === 'active');
    expect((await kvRecord()).installDir).toBeUndefined();

    // A bad install dir changes nothing, here or in the engine.
    const bad = await samctl(['configure', CLIENT, '--install-dir', 'relative/ssl'], { cwd: operator, env: pkiEnv });
    expect(bad.exitCode).toBe(2);
    expect((await kvRecord()).installDir).toBeUndefined();

    const configured = await samctl(['configure', CLIENT, '--install-dir', dir], { cwd: operator, env: pkiEnv });
    expect(configured.exitCode, configured.stderr).toBe(0);
    expect((await kvRecord()).installDir).toBe(dir);
    expect((await sharedRecord()).installDir).toBe(dir);

    // The host needs no --to now; the configs it gets name the install dir.
    const pulled = await pull([CLIENT, '--kind', 'client', '--json'], token);
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    expect(JSON.parse(pulled.stdout).dir).toBe(dir);
    const librdkafka = readFileSync(join(dir, 'librdkafka.properties'), 'utf8');
    expect(librdkafka).toContain(`ssl.key.location=${join(dir, 'client.key')}`);
    expect(readFileSync(join(dir, 'client.key'))).toEqual(readFileSync(join(operator, 'pki', 'clients', CLIENT, 'client.key')));

    // Another PKI directory joined to the mount: its cached copy is rendered anew for the choice.
    const second = join(root, 'second-operator');
    const status = await samctl(['status', '--json'], { cwd: second, env: pkiEnv });
    expect(status.exitCode, status.stderr).toBe(0);
    const secondRecord = JSON.parse(readFileSync(join(second, 'pki', 'samctl.json'), 'utf8')).identities.find((record: { name: string; status: string }) => record.name === CLIENT && record.status === 'active');
    expect(secondRecord.installDir).toBe(dir);
    expect(readFileSync(join(second, 'pki', 'clients', CLIENT, 'librdkafka.properties'), 'utf8')).toBe(librdkafka);

    // Back into the PKI directory, from the second one: the first takes that in turn.
    expect((await samctl(['configure', CLIENT, '--no-install-dir'], { cwd: second, env: pkiEnv })).exitCode).toBe(0);
    expect((await kvRecord()).installDir).toBeUndefined();
    expect((await samctl(['status'], { cwd: operator, env: pkiEnv })).exitCode).toBe(0);
    const firstRecord = JSON.parse(readFileSync(join(operator, 'pki', 'samctl.json'), 'utf8')).identities.find((record: { name: string; status: string }) => record.name === CLIENT && record.status === 'active');
    expect(firstRecord.installDir).toBeUndefined();
    // Used from the PKI directory again: its configs name this directory, not the one that rendered the engine's copy.
    const ownDir = join(operator, 'pki', 'clients', CLIENT);
    expect(readFileSync(join(ownDir, 'librdkafka.properties'), 'utf8')).toContain(`ssl.key.location=${join(ownDir, 'client.key')}`);
    expect(readFileSync(join(ownDir, 'client-ssl.properties'), 'utf8')).not.toContain(second);
    expect((await samctl(['verify', CLIENT], { cwd: operator, env: pkiEnv })).exitCode).toBe(0);
  });

  it('the CI renewer renews in the engine; it cannot import a CA, sign-verbatim, generate a root or read other mounts', async () => {
    const token = await tokenFor('samctl-ci-renewer');
    const csr = readFileSync(join(operator, 'pki', 'brokers', BROKER, 'broker.csr'), 'utf8');
    const caPem = readFileSync(join(operator, 'pki', 'ca', 'ca.crt'), 'utf8');
    // Each refused by the engine (403), not by samctl.
    const refusals: Array<[string, string, unknown]> = [
      ['POST', `/v1/${PKI}/config/ca`, { pem_bundle: caPem }],
      ['POST', `/v1/${PKI}/sign-verbatim`, { csr }],
      ['POST', `/v1/${PKI}/sign-verbatim/samctl-broker`, { csr }],
      ['POST', `/v1/${PKI}/root/generate/internal`, { common_name: 'evil' }],
      ['POST', `/v1/${PKI}/roles/samctl-broker`, { allow_any_name: true }],
      ['POST', `/v1/${PKI}/issuers/generate/root/internal`, { common_name: 'evil' }],
      ['GET', `/v1/${PKI}/keys`, undefined],
      ['GET', '/v1/other-kv/data/db', undefined],
      ['GET', '/v1/sys/mounts', undefined],
      ['PUT', '/v1/sys/policies/acl/samctl-ci-renewer', { policy: 'path "*" { capabilities = ["sudo"] }' }],
    ];
    for (const [method, path, body] of refusals) {
      const answer = await engine.api(method, path, body, token);
      expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBe(403);
    }
    // sign/<role> works: the renewer renews the broker; the engine's copy changes.
    const before = JSON.parse((await engine.api('GET', `/v1/${KV}/data/samctl/${PKI}/brokers/${BROKER}`)).body.data.data.record).serial;
    const renewed = await samctl(['renew', BROKER, '--json'], { cwd: operator, env: { BAO_ADDR: engine.address, BAO_TOKEN: token } });
    expect(renewed.stderr).toBe('');
    expect(renewed.exitCode).toBe(0);
    const after = JSON.parse((await engine.api('GET', `/v1/${KV}/data/samctl/${PKI}/brokers/${BROKER}`)).body.data.data.record).serial;
    expect(after).not.toBe(before);

    // The host pulls the renewal: the key and certificate change, the new certificate is the engine's.
    const host = await tokenFor(`samctl-host-broker-${BROKER}`);
    const report = JSON.parse((await pull([BROKER, '--json'], host)).stdout);
    expect(report.serial).toBe(after);
    expect(report.files.find((file: { path: string }) => file.path.endsWith('broker.crt')).changed).toBe(true);
    const serial = await execa('openssl', ['x509', '-in', join(installDir, 'broker.crt'), '-noout', '-serial']);
    expect(serial.stdout.toLowerCase()).toBe(`serial=${after.toLowerCase().replace(/^(00)+/, '')}`);
  }, 120_000);
});
