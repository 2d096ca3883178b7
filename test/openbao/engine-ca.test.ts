import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaks, startWatcher, stopWatcher } from '../helpers/cmdline-watcher.js';
import { samctl, samctlOk, snapshotTree, tempDir, tool } from '../helpers/samctl.js';
import { freePortPair, requireOpenbao, startEngine, type Engine } from './engine.js';

const ready = requireOpenbao();
const MOUNT = 'kafka-pki';

/** Every certificate PEM of the identities under `pki` (leaf first in each file). */
function leafFiles(pki: string): string[] {
  return ['brokers', 'clients'].flatMap((kind) =>
    existsSync(join(pki, kind)) ? readdirSync(join(pki, kind)).map((name) => join(pki, kind, name, `${kind.slice(0, -1)}.crt`)) : [],
  );
}

function subject(file: string): Promise<string> {
  return tool('openssl', ['x509', '-in', file, '-noout', '-subject', '-nameopt', 'RFC2253']).then((result) => String(result.stdout));
}

function ekus(pem: string): string {
  return new X509Certificate(pem).toLegacyObject().ext_key_usage?.join(',') ?? '';
}

/** Every file below `dir`: its PEM private keys, as public keys in PEM. */
function privateKeysBelow(dir: string): Array<{ file: string; publicPem: string }> {
  const found: Array<{ file: string; publicPem: string }> = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current)) {
      const path = join(current, entry);
      const stats = statSync(path);
      if (stats.isDirectory()) walk(path);
      else if (stats.isFile()) {
        const text = readFileSync(path, 'latin1');
        for (const block of text.match(/-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/g) ?? []) {
          // An encrypted key would need its passphrase: none is expected here at all.
          if (block.includes('ENCRYPTED')) found.push({ file: path, publicPem: 'encrypted' });
          else found.push({ file: path, publicPem: createPublicKey(createPrivateKey(block)).export({ type: 'spki', format: 'pem' }).toString() });
        }
      }
    }
  };
  walk(dir);
  return found;
}

describe.skipIf(!ready)('the CA in OpenBao (dev server)', () => {
  let engine: Engine;
  const cwd = tempDir('samctl-bao-');
  const pki = join(cwd, 'pki');
  const scratch = join(cwd, 'tmp');
  mkdirSync(scratch);
  let env: Record<string, string>;
  let engineCaPem: string;

  beforeAll(async () => {
    engine = await startEngine({ workDir: join(cwd, 'engine') });
    // TMPDIR of every samctl run points here, so the test can search all of it for the CA key.
    env = { ...engine.env, TMPDIR: scratch };
    await samctlOk(['ca', 'init', '--backend', 'openbao', '--pki-mount', MOUNT, '--org', 'Ynformed', '--key-size', '2048'], { cwd, env });
    engineCaPem = await (await fetch(`${engine.address}/v1/${MOUNT}/ca/pem`)).text();
    await samctlOk(['broker', 'issue', 'sam01.local', 'sam02.local', '--san', '127.0.0.1'], { cwd, env });
    await samctlOk(['client', 'issue', 'prediction-service', '--store-type', 'pem'], { cwd, env });
    await samctlOk(['client', 'issue', 'team-app', '--ou', 'Data Team'], { cwd, env });
  }, 180_000);
  afterAll(() => engine?.stop());

  it('ca init keeps settings and the public CA locally: backend openbao, the address and mount, no ca.key', () => {
    const inventory = JSON.parse(readFileSync(join(pki, 'samctl.json'), 'utf8'));
    expect(inventory.settings).toMatchObject({ backend: 'openbao', engine: { address: engine.address, pkiMount: MOUNT } });
    expect(readdirSync(join(pki, 'ca')).filter((name) => !name.startsWith('.')).sort()).toEqual(['ca.crt', 'truststore.password']);
    expect(new X509Certificate(readFileSync(join(pki, 'ca', 'ca.crt'))).fingerprint256).toBe(new X509Certificate(engineCaPem).fingerprint256);
    expect(inventory.cas).toHaveLength(1);
    expect(inventory.cas[0].keyDigest).toBeUndefined();
  });

  it('openssl verifies every certificate against the CA fetched from the engine', async () => {
    const caFile = join(cwd, 'engine-ca.pem');
    writeFileSync(caFile, engineCaPem);
    const leaves = leafFiles(pki);
    expect(leaves).toHaveLength(4);
    for (const leaf of leaves) {
      const result = await tool('openssl', ['verify', '-CAfile', caFile, '-purpose', leaf.includes('/brokers/') ? 'sslserver' : 'sslclient', leaf]);
      expect(String(result.stdout)).toBe(`${leaf}: OK`);
    }
    expect(ekus(readFileSync(join(pki, 'brokers', 'sam01.local', 'broker.crt'), 'utf8'))).toBe('1.3.6.1.5.5.7.3.1,1.3.6.1.5.5.7.3.2');
    expect(ekus(readFileSync(join(pki, 'clients', 'prediction-service', 'client.crt'), 'utf8'))).toBe('1.3.6.1.5.5.7.3.2');
    expect(new X509Certificate(readFileSync(join(pki, 'brokers', 'sam01.local', 'broker.crt'))).subjectAltName).toBe('DNS:sam01.local, IP Address:127.0.0.1');
  });

  it('each DN equals the one a directory CA with the same organisation gives (O from the CA, OU asked)', async () => {
    const local = tempDir('samctl-bao-local-');
    await samctlOk(['ca', 'init', '--org', 'Ynformed', '--key-size', '2048'], { cwd: local });
    await samctlOk(['broker', 'issue', 'sam01.local', 'sam02.local', '--san', '127.0.0.1'], { cwd: local });
    await samctlOk(['client', 'issue', 'prediction-service', '--store-type', 'pem'], { cwd: local });
    await samctlOk(['client', 'issue', 'team-app', '--ou', 'Data Team'], { cwd: local });
    const engineLeaves = leafFiles(pki).sort();
    const localLeaves = leafFiles(join(local, 'pki')).sort();
    expect(engineLeaves.map((file) => file.slice(pki.length))).toEqual(localLeaves.map((file) => file.slice(join(local, 'pki').length)));
    for (const [index, file] of engineLeaves.entries()) expect(await subject(file)).toBe(await subject(localLeaves[index]!));
    expect(await subject(join(pki, 'clients', 'team-app', 'client.crt'))).toBe('subject=CN=team-app,OU=Data Team,O=Ynformed\n'.trim());
    // The principal Kafka sees, as samctl reports it, is the same too.
    const engineStatus = JSON.parse((await samctlOk(['status', '--json'], { cwd, env })).stdout);
    const localStatus = JSON.parse((await samctlOk(['status', '--json'], { cwd: local })).stdout);
    const principals = (report: { entries: Array<{ name: string; principal?: string }> }) => report.entries.filter((entry) => entry.name !== 'ca').map((entry) => `${entry.name} ${entry.principal}`).sort();
    expect(principals(engineStatus)).toEqual(principals(localStatus));
  });

  it('no file in the PKI directory or the runs\' TMPDIR holds the CA\'s private key', () => {
    const caPublic = createPublicKey(engineCaPem).export({ type: 'spki', format: 'pem' }).toString();
    const keys = [...privateKeysBelow(pki), ...privateKeysBelow(scratch)];
    // The leaf keys are there (made locally: keystores need them), the CA's is not.
    expect(keys.length).toBeGreaterThanOrEqual(4);
    expect(keys.filter((key) => key.publicPem === caPublic || key.publicPem === 'encrypted')).toEqual([]);
    expect(existsSync(join(pki, 'ca', 'ca.key'))).toBe(false);
  });

  it('a CSR sent straight to the client role, asking for serverAuth, comes back without it', async () => {
    const dir = tempDir('samctl-bao-csr-');
    const csr = join(dir, 'x.csr');
    await tool('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'x.key'), '-subj', '/O=Ynformed/CN=sneaky', '-addext', 'extendedKeyUsage=serverAuth,clientAuth', '-addext', 'subjectAltName=DNS:sam01.local', '-out', csr]);
    const answer = await engine.api('POST', `/v1/${MOUNT}/sign/samctl-client`, { csr: readFileSync(csr, 'utf8'), ext_key_usage: ['ServerAuth'], exclude_cn_from_sans: true });
    expect(answer.status).toBe(200);
    expect(ekus(answer.body.data.certificate)).toBe('1.3.6.1.5.5.7.3.2');
    // The same CSR to the broker role does get serverAuth: the role, not the request, decides.
    const broker = await engine.api('POST', `/v1/${MOUNT}/sign/samctl-broker`, { csr: readFileSync(csr, 'utf8'), exclude_cn_from_sans: true });
    expect(ekus(broker.body.data.certificate)).toBe('1.3.6.1.5.5.7.3.1,1.3.6.1.5.5.7.3.2');
  });

  it('a second PKI directory joins the CA already in the mount and issues under it', async () => {
    const other = tempDir('samctl-bao-join-');
    const init = await samctlOk(['ca', 'init', '--backend', 'openbao', '--pki-mount', MOUNT, '--json'], { cwd: other, env });
    expect(JSON.parse(init.stdout)).toMatchObject({ joined: true, ca: { sha256: JSON.parse(readFileSync(join(pki, 'samctl.json'), 'utf8')).cas[0].sha256 } });
    await samctlOk(['client', 'issue', 'ci-runner'], { cwd: other, env });
    const caFile = join(other, 'pki', 'ca', 'ca.crt');
    expect(String((await tool('openssl', ['verify', '-CAfile', caFile, join(other, 'pki', 'clients', 'ci-runner', 'client.crt')])).stdout)).toMatch(/: OK$/);
  });

  it('no engine token on any command line (bao server\'s included) or in samctl\'s output, --json too', async () => {
    const created = await engine.api('POST', '/v1/auth/token/create', { policies: ['root'], ttl: '10m' });
    const token = created.body.auth.client_token as string;
    const tokenFile = join(cwd, 'operator.token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const fresh = tempDir('samctl-bao-argv-');
    const outputs: string[] = [];
    const watcher = startWatcher();
    await new Promise((resolve) => setTimeout(resolve, 100));
    try {
      const viaEnv = { BAO_ADDR: engine.address, BAO_TOKEN: token };
      const viaFile = { BAO_ADDR: engine.address, SAMCTL_ENGINE_TOKEN_FILE: tokenFile };
      for (const [args, extra] of [
        [['--json', 'ca', 'init', '--backend', 'openbao', '--pki-mount', MOUNT, '--token-file', tokenFile], { BAO_ADDR: engine.address }],
        [['--json', 'client', 'issue', 'argv-app'], viaEnv],
        [['broker', 'issue', 'argv.local'], viaFile],
        [['--json', 'status'], viaEnv],
      ] as Array<[string[], Record<string, string>]>) {
        const result = await samctlOk(args, { cwd: fresh, env: extra });
        outputs.push(result.stdout, result.stderr);
      }
    } finally {
      void stopWatcher(watcher);
    }
    const { cmdlines } = await watcher.done;
    expect(cmdlines.some((line) => line.includes('samctl.js') && line.includes('issue'))).toBe(true); // it saw the runs
    expect(cmdlines.some((line) => line.includes('server') && line.includes('-dev'))).toBe(true); // and the engine
    for (const secret of [token, engine.token]) {
      expect(cmdlines.filter((line) => leaks(line, secret))).toEqual([]);
      expect(outputs.some((text) => text.includes(secret))).toBe(false);
    }
    expect(readFileSync(join(fresh, 'pki', 'samctl.json'), 'utf8')).not.toContain(token);
  });

  describe('engine failures: one line naming the engine and the fix, nothing written', () => {
    const expectOneLine = (stderr: string, address: string) => {
      const lines = stderr.trim().split('\n');
      expect(lines[0]).toContain(address);
      expect(lines[0]).toMatch(/^samctl: /);
      expect(lines.slice(1).every((line) => line.startsWith('hint: '))).toBe(true);
      expect(stderr).not.toMatch(/unexpected|at .*\.js:\d+/);
    };

    it('engine down: exit 1', async () => {
      const down = `http://127.0.0.1:${await freePortPair()}`;
      const before = snapshotTree(pki);
      const issue = await samctl(['client', 'issue', 'down-app'], { cwd, env: { ...env, BAO_ADDR: down } });
      expect(issue.exitCode).toBe(1);
      expectOneLine(issue.stderr, down);
      expect(issue.stderr).toContain('connection refused');
      expect(snapshotTree(pki)).toEqual(before);
      const fresh = tempDir('samctl-bao-down-');
      const init = await samctl(['ca', 'init', '--backend', 'openbao'], { cwd: fresh, env: { ...env, BAO_ADDR: down } });
      expect(init.exitCode).toBe(1);
      expectOneLine(init.stderr, down);
      expect(existsSync(join(fresh, 'pki'))).toBe(false);
    });

    it('--days past the roles\' 825-day cap: exit 2, nothing signed or written', async () => {
      const before = snapshotTree(pki);
      const issue = await samctl(['client', 'issue', 'long-app', '--days', '900'], { cwd, env });
      expect(issue.exitCode).toBe(2);
      expect(issue.stderr).toMatch(/^samctl: --days 900 is past the engine roles' cap of 825 days\nhint: use --days 825 or less/);
      expect(snapshotTree(pki)).toEqual(before);
    });

    it('wrong token: exit 2', async () => {
      const before = snapshotTree(pki);
      const issue = await samctl(['client', 'issue', 'wrong-token-app'], { cwd, env: { ...env, BAO_TOKEN: 'not-a-token' } });
      expect(issue.exitCode).toBe(2);
      expectOneLine(issue.stderr, engine.address);
      expect(issue.stderr).toContain('refused the token');
      expect(issue.stderr).not.toContain('not-a-token');
      expect(snapshotTree(pki)).toEqual(before);
    });

    it('expired token (from a token file): exit 2', async () => {
      const created = await engine.api('POST', '/v1/auth/token/create', { ttl: '2s', explicit_max_ttl: '2s', policies: ['root'] });
      const shortLived = created.body.auth.client_token as string;
      // Wait for the engine itself to say the token is gone: a condition, not a sleep.
      for (let tries = 0; (await engine.api('GET', '/v1/auth/token/lookup-self', undefined, shortLived)).status !== 403; tries++) {
        if (tries > 100) throw new Error('the engine never expired the 2 s token');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const tokenFile = join(cwd, 'expired.token');
      writeFileSync(tokenFile, `${shortLived}\n`, { mode: 0o600 });
      const before = snapshotTree(pki);
      const issue = await samctl(['client', 'issue', 'expired-app'], { cwd, env: { ...env, BAO_TOKEN: undefined, SAMCTL_ENGINE_TOKEN_FILE: tokenFile } as Record<string, string> });
      expect(issue.exitCode).toBe(2);
      expectOneLine(issue.stderr, engine.address);
      expect(issue.stderr).toMatch(/expired/);
      expect(issue.stderr).not.toContain(shortLived);
      expect(snapshotTree(pki)).toEqual(before);
    });

    it('a mount that is not PKI (the dev server\'s KV at secret/): exit 2, nothing written', async () => {
      const fresh = tempDir('samctl-bao-kv-');
      const init = await samctl(['ca', 'init', '--backend', 'openbao', '--pki-mount', 'secret'], { cwd: fresh, env });
      expect(init.exitCode).toBe(2);
      expectOneLine(init.stderr, engine.address);
      expect(init.stderr).toContain('secret/ (it is a kv mount)');
      expect(existsSync(join(fresh, 'pki'))).toBe(false);
      // And a PKI directory whose recorded mount is something else now.
      const inventoryPath = join(pki, 'samctl.json');
      const original = readFileSync(inventoryPath, 'utf8');
      const inventory = JSON.parse(original);
      inventory.settings.engine.pkiMount = 'secret';
      writeFileSync(inventoryPath, JSON.stringify(inventory));
      try {
        const issue = await samctl(['client', 'issue', 'kv-app'], { cwd, env });
        expect(issue.exitCode).toBe(2);
        expectOneLine(issue.stderr, engine.address);
        expect(issue.stderr).toContain('no PKI engine at secret/');
        expect(existsSync(join(pki, 'clients', 'kv-app'))).toBe(false);
      } finally {
        writeFileSync(inventoryPath, original);
      }
    });
  });
});

describe.skipIf(!ready)('the CA in OpenBao with on-disk (raft) storage, over a restart', () => {
  let engine: Engine;
  const cwd = tempDir('samctl-bao-file-');
  const pki = join(cwd, 'pki');
  afterAll(() => engine?.stop());

  it('keeps the CA, the roles and the issued serials: issue, restart, issue again, verify both', async () => {
    engine = await startEngine({ workDir: join(cwd, 'engine'), mode: 'raft' });
    const env = () => engine.env;
    await samctlOk(['ca', 'init', '--backend', 'openbao', '--pki-mount', MOUNT, '--org', 'Ynformed', '--key-size', '2048'], { cwd, env: env() });
    await samctlOk(['broker', 'issue', 'before.local'], { cwd, env: env() });
    const caBefore = await (await fetch(`${engine.address}/v1/${MOUNT}/ca/pem`)).text();
    const serialBefore = new X509Certificate(readFileSync(join(pki, 'brokers', 'before.local', 'broker.crt'))).serialNumber;

    await engine.restart();

    const caAfter = await (await fetch(`${engine.address}/v1/${MOUNT}/ca/pem`)).text();
    expect(new X509Certificate(caAfter).fingerprint256).toBe(new X509Certificate(caBefore).fingerprint256);
    // The engine still knows the certificate it signed before the restart.
    const colons = serialBefore.toLowerCase().replace(/(..)(?!$)/g, '$1:');
    expect((await engine.api('GET', `/v1/${MOUNT}/cert/${colons}`)).status).toBe(200);
    await samctlOk(['client', 'issue', 'after-app'], { cwd, env: env() });
    const caFile = join(cwd, 'ca-after.pem');
    writeFileSync(caFile, caAfter);
    for (const leaf of [join(pki, 'brokers', 'before.local', 'broker.crt'), join(pki, 'clients', 'after-app', 'client.crt')]) {
      expect(String((await tool('openssl', ['verify', '-CAfile', caFile, leaf])).stdout)).toBe(`${leaf}: OK`);
    }
  }, 120_000);
});
