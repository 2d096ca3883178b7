#!/usr/bin/env node
// samctl benchmark: samctl against the tools users would pick instead, in one run.
//
//   npm run bench                                    N = 1, 10, 100 brokers; 5 rounds each
//   BENCH_SIZES=1,10 BENCH_ROUNDS=5 node bench/run.mjs
//   BENCH_JKS_FLOOR=1 node bench/run.mjs             also keygen + one keytool launch per identity
//   BENCH_SKIP=100:byhand,100:easyrsa node bench/run.mjs   leave contenders out at one N (N:key, …)
//   BENCH_OUT=bench/n100-results.md node bench/run.mjs    write the tables there instead of bench/last-results.md
//
// Contenders, N broker identities each (RSA 2048, SAN DNS:<host>, serverAuth + clientAuth),
// every one making its own CA inside the timed run:
//   samctl --store-type pem | pkcs12 | jks   `samctl ca init` + one `samctl broker issue <N hosts>`
//   cfssl, mkcert, easy-rsa (PEM)            bench/peers.sh: the CA, then one call per certificate
//   by hand (JKS)                            bench/baseline.sh: openssl CA, 4 keytool launches + openssl per identity
// and one client, the everyday job (the CA exists, untimed): `samctl client issue` (PEM, JKS)
// against the by-hand routine for one client, next to the floor (bench/floor.mjs: Node's
// start, the CA unlock, one key).
//
// Every round runs every contender back to back, the order rotating from round to round, so
// that a busy machine slows all of them alike. Peers that are not installed are named and
// skipped. Writes bench/last-results.md.
import { spawn, spawnSync } from 'node:child_process';
import { generatePrimeSync, randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const BASELINE = join(HERE, 'baseline.sh');
const PEERS = join(HERE, 'peers.sh');
const FLOOR = join(HERE, 'floor.mjs');
const RESULTS = process.env.BENCH_OUT ? resolve(process.env.BENCH_OUT) : join(HERE, 'last-results.md');
const FAST_JVM = ['-J-XX:TieredStopAtLevel=1', '-J-XX:+UseSerialGC'];
const SAMPLE_MS = 50;

// ---------------------------------------------------------------- configuration and checks

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(1);
}

function parseList(value, name, check) {
  const items = value.split(',').map((item) => item.trim()).filter(Boolean);
  if (items.length === 0 || !items.every(check)) fail(`bad ${name}=${value}`);
  return items;
}

const SIZES = parseList(process.env.BENCH_SIZES ?? '1,10,100', 'BENCH_SIZES', (s) => /^[1-9]\d*$/.test(s)).map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? '5');
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) fail(`bad BENCH_ROUNDS=${process.env.BENCH_ROUNDS}`);
const JKS_FLOOR = process.env.BENCH_JKS_FLOOR === '1';
/** N:key pairs left out of the timed rounds (a slow peer at N=100 can take longer than the rest together). */
const SKIP = new Set(process.env.BENCH_SKIP ? parseList(process.env.BENCH_SKIP, 'BENCH_SKIP', (s) => /^[1-9]\d*:[a-z0-9-]+$/.test(s)) : []);
const skipped = (n, key) => SKIP.has(`${n}:${key}`);

function which(command) {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const path = result.status === 0 ? result.stdout.trim() : '';
  return path && path.startsWith('/') ? path : undefined;
}

/** The keytool samctl would run (JAVA_HOME's first, as samctl does), resolved past symlinks. */
function findKeytool() {
  const candidates = [];
  if (process.env.JAVA_HOME) candidates.push(join(process.env.JAVA_HOME, 'bin', 'keytool'));
  const onPath = which('keytool');
  if (onPath) candidates.push(onPath);
  const found = candidates.find((candidate) => existsSync(candidate));
  return found ? realpathSync(found) : undefined;
}

const OPENSSL = which('openssl');
if (!OPENSSL) fail('openssl not found on PATH: the baseline needs it (apt-get install openssl)');
const KEYTOOL = findKeytool();
if (!KEYTOOL) fail('keytool not found (neither $JAVA_HOME/bin/keytool nor on PATH): install a JDK/JRE 11+ (apt-get install openjdk-17-jre-headless)');
if (!existsSync(join(ROOT, 'dist', 'cli.js'))) fail('dist/cli.js is missing: run `npm run build` first (npm run bench does)');
if (!which('bash')) fail('bash not found: bench/baseline.sh needs it');
if (!existsSync(join(ROOT, 'node_modules'))) fail('node_modules is missing: run `npm ci` first');

/** The PEM peers: which are installed, and how to get the others. */
function findPeers() {
  const easyrsa = [process.env.EASYRSA, which('easyrsa'), '/usr/share/easy-rsa/easyrsa'].find((path) => path && existsSync(path));
  const version = (command, args, pick = (text) => text.split('\n')[0]) => {
    const result = spawnSync(command, args, { encoding: 'utf8' });
    return result.error ? 'unknown' : pick(`${result.stdout}${result.stderr}`.trim());
  };
  const peers = [
    { tool: 'cfssl', label: 'cfssl', found: Boolean(which('cfssl') && which('cfssljson')), install: 'cfssl and cfssljson not on PATH (apt-get install -y golang-cfssl)', version: () => version('cfssl', ['version'], (t) => t.split('\n')[0].replace(/^Version:\s*/, '')) },
    { tool: 'mkcert', label: 'mkcert', found: Boolean(which('mkcert')), install: 'mkcert not on PATH (apt-get install -y mkcert)', version: () => version('mkcert', ['-version']) },
    { tool: 'easyrsa', label: 'easy-rsa', found: Boolean(easyrsa), install: 'easyrsa not found on PATH, in $EASYRSA or /usr/share/easy-rsa (apt-get install -y easy-rsa)', version: () => version(easyrsa, ['--version'], (t) => (t.match(/Version:\s*(\S+)/) ?? [, 'unknown'])[1]), env: { EASYRSA: easyrsa } },
  ];
  return peers;
}
const PEER_TOOLS = findPeers();

const GNU_TIME = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0 ? '/usr/bin/time' : undefined;
const PAGE_SIZE = Number(spawnSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).stdout.trim()) || 4096;
const CAN_SAMPLE = existsSync(`/proc/${process.pid}/statm`);

// ---------------------------------------------------------------- scratch space

const SCRATCH = mkdtempSync(join(tmpdir(), 'samctl-bench-'));
const cleanup = () => rmSync(SCRATCH, { recursive: true, force: true });
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}
// The whole run measures one build: a copy of bin/, dist/, templates/ and package.json (with
// node_modules linked), so that a rebuild during the run cannot change what is measured.
const SNAPSHOT = join(SCRATCH, 'samctl');
mkdirSync(SNAPSHOT);
for (const entry of ['bin', 'dist', 'templates', 'package.json']) {
  if (existsSync(join(ROOT, entry))) cpSync(join(ROOT, entry), join(SNAPSHOT, entry), { recursive: true });
}
symlinkSync(join(ROOT, 'node_modules'), join(SNAPSHOT, 'node_modules'), 'dir');
const SAMCTL = join(SNAPSHOT, 'bin', 'samctl.js');

let scratchCounter = 0;
const scratchDir = (tag) => {
  const dir = join(SCRATCH, `${tag}-${++scratchCounter}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
};

// A keytool first on PATH that logs each launch, then execs the real one.
const WRAPPER_BIN = join(SCRATCH, 'bin');
mkdirSync(WRAPPER_BIN);
const shQuote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
writeFileSync(
  join(WRAPPER_BIN, 'keytool'),
  `#!/bin/sh\nprintf '%s\\n' "$*" >> "\${BENCH_KEYTOOL_LOG:-/dev/null}"\nexec ${shQuote(KEYTOOL)} "$@"\n`,
);
chmodSync(join(WRAPPER_BIN, 'keytool'), 0o755);

const CA_PASSWORD = randomBytes(18).toString('base64url');
function childEnv(extra = {}) {
  const env = { ...process.env, PATH: `${WRAPPER_BIN}${delimiter}${process.env.PATH ?? ''}`, NO_COLOR: '1', LC_ALL: 'C', ...extra };
  // samctl prefers $JAVA_HOME/bin/keytool: without JAVA_HOME the counting wrapper on PATH wins.
  delete env.JAVA_HOME;
  delete env.SAMCTL_DIR;
  delete env.SAMCTL_DEBUG;
  // Node parses the NODE_EXTRA_CA_CERTS bundle at every start (~60 ms on this machine's full
  // system bundle), a cost of the sandbox's proxy setup that only the Node contenders would pay;
  // issuing makes no TLS connection. Left out for every contender, and said so in the results.
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

// ---------------------------------------------------------------- running and measuring

function readTree(pid, seen = new Set()) {
  if (seen.has(pid)) return seen;
  seen.add(pid);
  let tasks = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return seen;
  }
  for (const task of tasks) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const child of children.split(' ').filter(Boolean)) readTree(Number(child), seen);
  }
  return seen;
}

function rssOf(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE_SIZE;
  } catch {
    return 0;
  }
}

/** Samples the process tree under pid every SAMPLE_MS: peak summed RSS and peak single RSS. */
function startSampler(pid) {
  const peak = { tree: 0, single: 0 };
  if (!CAN_SAMPLE) return { stop: () => peak };
  const tick = () => {
    let sum = 0;
    for (const p of readTree(pid)) {
      const rss = rssOf(p);
      sum += rss;
      if (rss > peak.single) peak.single = rss;
    }
    if (sum > peak.tree) peak.tree = sum;
  };
  tick();
  const timer = setInterval(tick, SAMPLE_MS);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

/**
 * Runs one command, timed from spawn to exit. Under GNU time when available (CPU seconds and
 * the largest process's peak RSS, %M); the tree's summed RSS is sampled from /proc.
 */
function runOne(command, args, { env, cwd, allowFailure = false } = {}) {
  const timeFile = GNU_TIME ? join(SCRATCH, `time-${++scratchCounter}.txt`) : undefined;
  const [file, argv] = GNU_TIME ? [GNU_TIME, ['-f', '%e %U %S %M', '-o', timeFile, command, ...args]] : [command, args];
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(file, argv, { env, cwd: cwd ?? SCRATCH, stdio: ['ignore', 'pipe', 'pipe'] });
    const sampler = startSampler(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout = (stdout + chunk).slice(-4000);
    });
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = (performance.now() - started) / 1000;
      const peak = sampler.stop();
      let cpu = NaN;
      let maxRss = peak.single;
      if (timeFile && existsSync(timeFile)) {
        const line = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
        const [, user, sys, maxKb] = line.split(' ').map(Number);
        if (Number.isFinite(user) && Number.isFinite(sys)) cpu = user + sys;
        if (Number.isFinite(maxKb)) maxRss = Math.max(maxRss, maxKb * 1024);
        rmSync(timeFile, { force: true });
      }
      const result = { code, wall, cpu, maxRss, treeRss: peak.tree, stdout, stderr };
      if (code !== 0 && !allowFailure) {
        const detail = stderr.trim().split('\n').filter((l) => !/^Command exited with non-zero status/.test(l)).slice(-5).join('\n  ');
        reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n  ${detail}`));
      } else resolvePromise(result);
    });
  });
}

/** Runs commands one after the other and adds them up (peaks are maxima). */
async function measure(commands, env) {
  const log = join(SCRATCH, `keytool-${++scratchCounter}.log`);
  writeFileSync(log, '');
  const total = { wall: 0, cpu: 0, maxRss: 0, treeRss: 0, jvm: 0, keytoolCommands: {} };
  const withLog = { ...env, BENCH_KEYTOOL_LOG: log };
  for (const [command, args, options] of commands) {
    const result = await runOne(command, args, { env: withLog, ...options });
    total.wall += result.wall;
    total.cpu += result.cpu;
    total.maxRss = Math.max(total.maxRss, result.maxRss);
    total.treeRss = Math.max(total.treeRss, result.treeRss);
    total.stdout = result.stdout;
  }
  for (const line of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
    total.jvm += 1;
    const name = line.split(' ').find((arg) => arg.startsWith('-') && !arg.startsWith('-J')) ?? '?';
    total.keytoolCommands[name] = (total.keytoolCommands[name] ?? 0) + 1;
  }
  return total;
}

const node = process.execPath;
const hosts = (n) => Array.from({ length: n }, (_, i) => `broker-${i + 1}.example.com`);
const samctlEnv = () => childEnv({ SAMCTL_CA_PASSWORD: CA_PASSWORD });

// ---------------------------------------------------------------- the contenders: N brokers, each tool's own CA

/** Where a broker's certificate, PEM key (if any), store (if any) and CA certificate end up. */
const samctlFiles = (store) => (dir, host) => ({
  cert: join(dir, 'brokers', host, 'broker.crt'),
  key: join(dir, 'brokers', host, 'broker.key'),
  store: join(dir, 'brokers', host, store),
  ca: join(dir, 'ca', 'ca.crt'),
});
const PEER_FILES = {
  cfssl: (dir, host) => ({ cert: join(dir, `${host}.pem`), key: join(dir, `${host}-key.pem`), ca: join(dir, 'ca.pem') }),
  mkcert: (dir, host) => ({ cert: join(dir, `${host}.crt`), key: join(dir, `${host}.key`), ca: join(dir, 'ca', 'rootCA.pem') }),
  easyrsa: (dir, host) => ({ cert: join(dir, 'pki', 'issued', `${host}.crt`), key: join(dir, 'pki', 'private', `${host}.key`), ca: join(dir, 'pki', 'ca.crt') }),
};

function samctlContender(storeType, label, store) {
  return {
    key: `samctl-${storeType}`,
    label,
    what: `\`samctl ca init --key-size 2048\` + one \`samctl broker issue <N hosts> --store-type ${storeType}\``,
    env: samctlEnv,
    commands: (n, dir) => [
      [node, [SAMCTL, '--dir', dir, 'ca', 'init', '--key-size', '2048', '--cn', 'bench Kafka CA']],
      [node, [SAMCTL, '--dir', dir, 'broker', 'issue', ...hosts(n), '--store-type', storeType]],
    ],
    files: samctlFiles(store),
  };
}

function peerContender(peer) {
  return {
    key: peer.tool,
    label: `${peer.label} (PEM)`,
    what: `\`bench/peers.sh ${peer.tool}\`: ${{
      cfssl: '`cfssl gencert -initca`, then per host `cfssl gencert -profile broker -hostname <host> | cfssljson -bare`',
      mkcert: 'per host `mkcert -client -cert-file … -key-file … <host>` with CAROOT in the run directory (the first call makes the CA, RSA 3072)',
      easyrsa: '`easyrsa init-pki`, `build-ca nopass`, then per host `easyrsa --san=DNS:<host> build-serverClient-full <host> nopass`',
    }[peer.tool]}; the CA key unencrypted`,
    env: () => childEnv(peer.env ?? {}),
    commands: (n, dir) => [['bash', [PEERS, peer.tool, String(n), dir]]],
    files: PEER_FILES[peer.tool],
  };
}

const byHandContender = {
  key: 'byhand',
  label: 'by hand (JKS)',
  what: '`bench/baseline.sh`: `openssl req -x509` CA, truststore once, then per host keytool -genkeypair, -certreq, `openssl x509 -req`, keytool -importcert ×2',
  env: () => childEnv(),
  commands: (n, dir) => [
    ['bash', [BASELINE, String(n), dir, 'ca']],
    ['bash', [BASELINE, String(n), dir, 'brokers']],
  ],
  files: (dir, host) => ({ cert: join(dir, 'brokers', host, 'broker.crt'), store: join(dir, 'brokers', host, 'keystore.jks'), ca: join(dir, 'ca', 'ca.crt') }),
};

let floorP12;
/** A PKCS#12 key entry (made once, untimed) for the JKS floor's keytool launches. */
async function floorPkcs12() {
  if (!floorP12) {
    const dir = scratchDir('floor-src');
    const env = childEnv({ FLOOR_PASS: 'floorpass' });
    await runOne(OPENSSL, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '1', '-subj', '/CN=floor', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { env });
    await runOne(OPENSSL, ['pkcs12', '-export', '-name', 'floor', '-inkey', join(dir, 'k.pem'), '-in', join(dir, 'c.pem'), '-out', join(dir, 'floor.p12'), '-passout', 'env:FLOOR_PASS'], { env });
    floorP12 = join(dir, 'floor.p12');
  }
  return floorP12;
}

/** BENCH_JKS_FLOOR=1: per identity one RSA-2048 key's two OpenSSL primes and one fast-JVM keytool -importkeystore, in sequence. */
const jksFloorContender = {
  key: 'jks-floor',
  label: 'JKS floor (keygen + 1 keytool launch each, sequential)',
  what: 'per identity: two node:crypto generatePrimeSync(1024), an RSA-2048 key\'s primes as samctl makes them (in the bench process) + one `keytool -importkeystore` PKCS12→JKS with a fast-start JVM',
  custom: async (n) => {
    const source = await floorPkcs12();
    const dir = scratchDir('jks-floor');
    const env = childEnv({ FLOOR_PASS: 'floorpass' });
    const started = performance.now();
    for (let i = 0; i < 2 * n; i += 1) generatePrimeSync(1024);
    const keygen = (performance.now() - started) / 1000;
    const launches = await measure(
      hosts(n).map((host, i) => [
        join(WRAPPER_BIN, 'keytool'),
        [...FAST_JVM, '-importkeystore', '-noprompt', '-srckeystore', source, '-srcstoretype', 'PKCS12', '-srcstorepass:env', 'FLOOR_PASS', '-srcalias', 'floor',
          '-destkeystore', join(dir, `ks-${i}.jks`), '-deststoretype', 'JKS', '-deststorepass:env', 'FLOOR_PASS', '-destkeypass:env', 'FLOOR_PASS', '-destalias', 'floor'],
      ]),
      env,
    );
    rmSync(dir, { recursive: true, force: true });
    return { ...launches, wall: keygen + launches.wall, cpu: keygen + launches.cpu };
  },
};

/** The certificate a contender made is the same kind of thing samctl makes: else the race is not fair. */
async function checkBroker(contender, dir, host) {
  const { cert, ca } = contender.files(dir, host);
  const verified = await runOne(OPENSSL, ['verify', '-purpose', 'sslserver', '-CAfile', ca, cert], { env: childEnv(), allowFailure: true });
  const text = (await runOne(OPENSSL, ['x509', '-in', cert, '-noout', '-text'], { env: childEnv() })).stdout;
  const problems = [];
  if (verified.code !== 0) problems.push(`openssl verify against its CA: ${verified.stderr.trim() || verified.stdout.trim()}`);
  if (!text.includes('Public-Key: (2048 bit)')) problems.push('the key is not RSA 2048');
  if (!text.includes(`DNS:${host}`)) problems.push(`no SAN DNS:${host}`);
  if (!/TLS Web Server Authentication/.test(text) || !/TLS Web Client Authentication/.test(text)) problems.push('EKU lacks serverAuth or clientAuth');
  if (problems.length) throw new Error(`${contender.label}: ${host}'s certificate is not comparable: ${problems.join('; ')}`);
}

async function runContender(contender, n, { check = false } = {}) {
  if (contender.custom) return contender.custom(n);
  const dir = scratchDir(`${contender.key}-n${n}`);
  const result = await measure(contender.commands(n, dir), contender.env());
  for (const host of hosts(n)) {
    const files = contender.files(dir, host);
    for (const path of [files.cert, files.key, files.store].filter(Boolean)) {
      if (!existsSync(path)) throw new Error(`${contender.label}: expected ${path} after the run, it is missing`);
    }
  }
  if (check) await checkBroker(contender, dir, hosts(n)[0]);
  rmSync(dir, { recursive: true, force: true });
  return result;
}

// ---------------------------------------------------------------- one client, the everyday job (the CA exists)

let caTemplate;
/**
 * One samctl CA (RSA 2048) made once, untimed, copied into every one-client run; one client
 * of each store type issued in it first, so that its truststores are cached in ca/ as they
 * are in a PKI in use (the by-hand routine's truststore is made beforehand too).
 */
async function samctlCaTemplate() {
  if (!caTemplate) {
    caTemplate = scratchDir('samctl-ca');
    await runOne(node, [SAMCTL, '--dir', caTemplate, 'ca', 'init', '--key-size', '2048', '--cn', 'bench Kafka CA'], { env: samctlEnv() });
    for (const type of ['jks', 'pem']) await runOne(node, [SAMCTL, '--dir', caTemplate, 'client', 'issue', `first-${type}`, '--store-type', type], { env: samctlEnv() });
  }
  return caTemplate;
}

function samctlClient(storeType, label, file) {
  return {
    key: `client-${storeType}`,
    label,
    what: `\`samctl client issue client-1 --store-type ${storeType}\` (truststore cached in ca/ by an earlier client, as in a PKI in use)`,
    prepare: async (dir) => cpSync(await samctlCaTemplate(), dir, { recursive: true }),
    env: samctlEnv,
    commands: (dir) => [[node, [SAMCTL, '--dir', dir, 'client', 'issue', 'client-1', '--store-type', storeType]]],
    output: (dir) => join(dir, 'clients', 'client-1', file),
  };
}

const CLIENT_CONTENDERS = [
  {
    key: 'client-byhand',
    label: 'by hand (JKS)',
    what: '`bench/baseline.sh 1 … clients`: keytool -genkeypair, -certreq, `openssl x509 -req`, keytool -importcert ×2 (CA and truststore made before, untimed)',
    prepare: async (dir) => {
      await runOne('bash', [BASELINE, '1', dir, 'ca'], { env: childEnv() });
      await runOne('bash', [BASELINE, '1', dir, 'truststore'], { env: childEnv() });
    },
    env: () => childEnv(),
    commands: (dir) => [['bash', [BASELINE, '1', dir, 'clients']]],
    output: (dir) => join(dir, 'clients', 'client-1', 'keystore.jks'),
  },
  samctlClient('pem', 'samctl, PEM', 'client.crt'),
  samctlClient('jks', 'samctl, JKS', 'keystore.jks'),
  {
    key: 'client-floor',
    label: 'floor: Node start + CA unlock + one key',
    what: '`node bench/floor.mjs ca.key`: Node\'s start, `createPrivateKey` of samctl\'s CA key (PBES2, 600,000 iterations), one RSA-2048 key\'s two primes (`generatePrime`, beside the unlock, as samctl makes keys); nothing else loaded',
    prepare: async () => undefined,
    env: samctlEnv,
    commands: async () => [[node, [FLOOR, join(await samctlCaTemplate(), 'ca', 'ca.key')]]],
  },
];

async function runClient(contender) {
  const dir = scratchDir(contender.key);
  await contender.prepare(dir);
  const result = await measure(await contender.commands(dir), contender.env());
  if (contender.output && !existsSync(contender.output(dir))) throw new Error(`${contender.label}: expected ${contender.output(dir)} after the run, it is missing`);
  if (contender.key === 'client-floor') Object.assign(result, JSON.parse(result.stdout.trim().split('\n').pop()));
  rmSync(dir, { recursive: true, force: true });
  return result;
}

/**
 * One `samctl broker issue <N hosts>` on a terminal (util-linux `script` gives it a pty), untimed:
 * counts the progress lines it draws, one per broker as it is ready.
 */
async function terminalProgress(n) {
  const script = which('script');
  if (!script) return { lines: NaN, why: 'util-linux `script` not found' };
  const dir = scratchDir(`progress-n${n}`);
  await runOne(node, [SAMCTL, '--dir', dir, 'ca', 'init', '--key-size', '2048', '--cn', 'bench Kafka CA'], { env: samctlEnv() });
  const env = samctlEnv();
  delete env.CI; // samctl draws no progress in CI
  const command = [node, SAMCTL, '--dir', dir, 'broker', 'issue', ...hosts(n), '--store-type', 'pem'].map(shQuote).join(' ');
  const typescript = join(dir, 'terminal.log');
  await runOne(script, ['-qec', command, typescript], { env });
  const screen = readFileSync(typescript, 'utf8');
  rmSync(dir, { recursive: true, force: true });
  const lines = screen.split(/\r?\n/).filter((line) => new RegExp(`\\[\\d+/${n}\\] broker `).test(line));
  return { lines: lines.length, last: lines.at(-1)?.trim() };
}

// ---------------------------------------------------------------- statistics and report

const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (value, digits = 3) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const times = (value) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a');
const mb = (bytes) => (bytes > 0 ? `${Math.round(bytes / 1048576)}` : 'n/a');
/** Median over rounds of a's time over b's, both from the same round (same load). */
const pairedRatio = (a, b) => (a && b ? median(a.map((run, i) => (b[i] ? run.wall / b[i].wall : NaN))) : NaN);
const rotate = (list, k) => list.map((_, i) => list[(i + k) % list.length]);

function versionLine(command, args, pick = (text) => text.split('\n')[0]) {
  const result = spawnSync(command, args, { encoding: 'utf8', env: childEnv() });
  return result.error ? 'unknown' : pick(`${result.stdout}${result.stderr}`.trim());
}

function gitCommit() {
  const result = spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  if (result.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).stdout.trim();
  return `${result.stdout.trim()}${dirty ? ' (src modified)' : ''}`;
}

function log(message) {
  process.stderr.write(`${message}\n`);
}

const loads = () => loadavg().map((l) => l.toFixed(2)).join(' ');

// ---------------------------------------------------------------- main

async function main() {
  const found = PEER_TOOLS.filter((peer) => peer.found);
  const missing = PEER_TOOLS.filter((peer) => !peer.found);
  const java = versionLine(join(dirname(KEYTOOL), 'java'), ['-version']);
  const openssl = versionLine(OPENSSL, ['version']);
  const header = [
    `- samctl ${gitCommit()}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    `- Node ${process.version}; Java: ${java}; ${openssl}; ${cpus().length} cores (${cpus()[0]?.model?.trim() ?? 'unknown CPU'})`,
    `- peers: ${found.map((peer) => `${peer.label} ${peer.version()}`).join(', ') || 'none'}${missing.length ? `; MISSING, skipped: ${missing.map((peer) => `${peer.label} (${peer.install})`).join(', ')}` : ''}`,
    `- keytool ${KEYTOOL} (JAVA_HOME unset for every run, so the launch-counting wrapper on PATH is used)`,
    `- NODE_EXTRA_CA_CERTS${process.env.NODE_EXTRA_CA_CERTS ? ` (${process.env.NODE_EXTRA_CA_CERTS} in this shell)` : ''} unset for every run: Node would parse that CA bundle at each start, which only the Node contenders pay and issuing never uses`,
    `- BENCH_SIZES=${SIZES.join(',')} BENCH_ROUNDS=${ROUNDS}; every contender in every round, the order rotating by one each round; CPU and largest-process RSS from ${GNU_TIME ? '/usr/bin/time' : '(no GNU time: n/a)'}, whole-tree RSS summed over the process tree sampled from /proc every ${SAMPLE_MS} ms`,
    `- load average at start: ${loads()}`,
  ];
  log(header.join('\n'));
  for (const peer of missing) log(`bench: peer ${peer.label} is MISSING and is skipped: ${peer.install}`);
  if (loadavg()[0] > cpus().length) log(`bench: warning: the machine is busy (load ${loadavg()[0].toFixed(1)} on ${cpus().length} cores); expect noisy numbers`);

  const contenders = [
    samctlContender('pem', 'samctl, PEM', 'keystore.pem'),
    samctlContender('pkcs12', 'samctl, PKCS#12', 'keystore.p12'),
    samctlContender('jks', 'samctl, JKS', 'keystore.jks'),
    ...found.map(peerContender),
    byHandContender,
    ...(JKS_FLOOR ? [jksFloorContender] : []),
  ];
  const byKey = Object.fromEntries(contenders.map((c) => [c.key, c]));

  // Warm-up (page cache, the JVM's class data archive, node_modules), not recorded; every
  // contender's first certificate is checked to be the same kind of certificate as samctl's.
  log('warm-up (N=2 each, one certificate checked with openssl; not recorded)…');
  for (const contender of contenders) await runContender(contender, 2, { check: true });
  for (const contender of CLIENT_CONTENDERS) await runClient(contender);

  // One client, CA existing: the everyday operation.
  const client = Object.fromEntries(CLIENT_CONTENDERS.map((c) => [c.key, []]));
  const clientLoads = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const contender of rotate(CLIENT_CONTENDERS, round)) {
      const result = await runClient(contender);
      client[contender.key][round] = result;
      (clientLoads[round] ??= []).push(loadavg()[0]);
      log(`one client, round ${round + 1}/${ROUNDS} ${contender.label}: ${result.wall.toFixed(2)} s (load ${loadavg()[0].toFixed(1)})`);
    }
  }

  // N brokers, each tool's own CA included.
  const results = new Map(); // n -> { runs: {key: [result per round]}, loads: [[load after each step]] , order: [[keys]] }
  for (const n of SIZES) {
    const entry = { runs: Object.fromEntries(contenders.map((c) => [c.key, []])), loads: [], order: [] };
    results.set(n, entry);
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = rotate(contenders, round).filter((c) => !skipped(n, c.key));
      entry.order[round] = order.map((c) => c.key);
      for (const contender of order) {
        const result = await runContender(contender, n);
        entry.runs[contender.key][round] = result;
        (entry.loads[round] ??= []).push(loadavg()[0]);
        log(`N=${n} round ${round + 1}/${ROUNDS} ${contender.label}: ${result.wall.toFixed(1)} s, ${(result.wall / n).toFixed(3)} s/id (load ${loadavg()[0].toFixed(1)})`);
      }
    }
  }

  // A progress line per identity on a terminal, at the largest N (untimed).
  const largest = Math.max(...SIZES);
  const progress = largest >= 2 ? await terminalProgress(largest) : undefined;

  // ------------------------------------------------------------ tables
  const sizeRows = [
    '| N | contender | s / identity | fastest–slowest round | CPU s / identity | peak RSS MB, whole tree | peak RSS MB, largest process | JVM launches / identity |',
    '|---:|---|---:|---|---:|---:|---:|---:|',
  ];
  for (const [n, entry] of results) {
    for (const contender of contenders) {
      if (skipped(n, contender.key)) continue;
      const runs = entry.runs[contender.key];
      const walls = runs.map((r) => r.wall / n);
      sizeRows.push(
        `| ${n} | ${contender.label} | ${fmt(median(walls))} | ${fmt(Math.min(...walls))}–${fmt(Math.max(...walls))} | ${fmt(median(runs.map((r) => r.cpu / n)), 2)} | ` +
          `${mb(Math.max(...runs.map((r) => r.treeRss)))} | ${mb(Math.max(...runs.map((r) => r.maxRss)))} | ${fmt(median(runs.map((r) => r.jvm / n)), 2)} |`,
      );
    }
  }

  const ratioHeads = [...found.map((peer) => `${peer.label} ÷ samctl PEM`), 'samctl PKCS#12 ÷ samctl PEM', 'by hand ÷ samctl JKS'];
  const ratioRows = [`| N | ${ratioHeads.join(' | ')} |`, `|---:|${ratioHeads.map(() => '---:').join('|')}|`];
  const ratioAt = new Map();
  for (const [n, entry] of results) {
    const r = entry.runs;
    const values = {
      ...Object.fromEntries(found.map((peer) => [peer.tool, pairedRatio(r[peer.tool], r['samctl-pem'])])),
      pkcs12: pairedRatio(r['samctl-pkcs12'], r['samctl-pem']),
      jks: pairedRatio(r.byhand, r['samctl-jks']),
    };
    ratioAt.set(n, values);
    ratioRows.push(`| ${n} | ${[...found.map((peer) => values[peer.tool]), values.pkcs12, values.jks].map(times).join(' | ')} |`);
  }

  const clientRows = ['| one client (CA exists) | s | fastest–slowest round | CPU s | peak RSS MB, whole tree | JVM launches | by hand ÷ this |', '|---|---:|---|---:|---:|---:|---:|'];
  for (const contender of CLIENT_CONTENDERS) {
    const runs = client[contender.key];
    const walls = runs.map((r) => r.wall);
    clientRows.push(
      `| ${contender.label} | ${fmt(median(walls))} | ${fmt(Math.min(...walls))}–${fmt(Math.max(...walls))} | ${fmt(median(runs.map((r) => r.cpu)), 2)} | ${mb(Math.max(...runs.map((r) => r.treeRss)))} | ` +
        `${fmt(median(runs.map((r) => r.jvm)), 0)} | ${contender.key === 'client-byhand' ? '' : times(pairedRatio(client['client-byhand'], runs))} |`,
    );
  }
  const floorRuns = client['client-floor'];
  const floorSplit = {
    boot: median(floorRuns.map((r) => r.boot)),
    unlock: median(floorRuns.map((r) => r.unlock)),
    keygen: median(floorRuns.map((r) => r.keygen)),
    wall: median(floorRuns.map((r) => r.wall)),
  };
  const floorLine =
    `Floor split (medians): Node start to first line ${fmt(floorSplit.boot)} s + CA unlock ${fmt(floorSplit.unlock)} s (the key\'s primes made beside it) + what the primes took after it ${fmt(floorSplit.keygen)} s; ` +
    `the rest of the ${fmt(floorSplit.wall)} s is process spawn and exit. samctl ÷ floor: PEM ${times(pairedRatio(client['client-pem'], floorRuns))}, JKS ${times(pairedRatio(client['client-jks'], floorRuns))}.`;

  // The figures issue 12 asks of samctl, as this run measured them.
  const targets = ['| target (issue 12) | measured | met |', '|---|---:|---|'];
  // A contender left out (BENCH_SKIP) or a peer not installed has no figure: not measured, not failed.
  const target = (what, value, ok) =>
    targets.push(`| ${what} | ${value} | ${/^n\/a/.test(value) ? 'not measured' : Number.isFinite(ok) || typeof ok === 'boolean' ? (ok ? 'yes' : '**no**') : 'not measured'} |`);
  const at10 = ratioAt.get(10);
  if (at10) {
    for (const peer of found) target(`N=10: ${peer.label} ÷ samctl PEM ≥ 0.95`, times(at10[peer.tool]), at10[peer.tool] >= 0.95);
    target('N=10: samctl PKCS#12 ÷ samctl PEM ≤ 1.2', times(at10.pkcs12), at10.pkcs12 <= 1.2);
    target('N=10: by hand ÷ samctl JKS ≥ 4', times(at10.jks), at10.jks >= 4);
  } else targets.push('| N=10 ratios | N=10 not in BENCH_SIZES | not measured |');
  const pemClient = pairedRatio(client['client-byhand'], client['client-pem']);
  const jksClient = pairedRatio(client['client-byhand'], client['client-jks']);
  target('one client: by hand ÷ samctl PEM ≥ 2.5', times(pemClient), pemClient >= 2.5);
  target('one client: by hand ÷ samctl JKS ≥ 2', times(jksClient), jksClient >= 2);
  if (results.has(100) && results.has(10)) {
    for (const key of ['samctl-pem', 'samctl-pkcs12', 'samctl-jks']) {
      if (skipped(10, key) || skipped(100, key)) continue;
      const per = (n) => median(results.get(n).runs[key].map((r) => r.wall / n));
      const growth = per(100) / per(10);
      target(`N=100: ${byKey[key].label} s/identity within 10 % of N=10`, times(growth), growth <= 1.1);
      const rss = Math.max(...results.get(100).runs[key].map((r) => r.treeRss));
      target(`N=100: ${byKey[key].label} whole-tree RSS < 400 MB`, `${mb(rss)} MB`, rss < 400 * 1048576);
    }
  } else targets.push('| N=100 against N=10 | N=100 and N=10 not both in BENCH_SIZES | not measured |');
  if (progress) {
    target(
      `N=${largest}: one progress line per broker on a terminal`,
      Number.isFinite(progress.lines) ? `${progress.lines} of ${largest} lines${progress.last ? `, last "${progress.last}"` : ''}` : progress.why,
      Number.isFinite(progress.lines) ? progress.lines === largest : NaN,
    );
  }

  const spread = [
    '| N | round | run order | wall s per contender (in that order) | 1-min load after each |',
    '|---:|---:|---|---|---|',
  ];
  for (const [n, entry] of results) {
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = entry.order[round];
      spread.push(`| ${n} | ${round + 1} | ${order.join(', ')} | ${order.map((key) => fmt(entry.runs[key][round].wall, 1)).join(', ')} | ${entry.loads[round].map((l) => l.toFixed(1)).join(', ')} |`);
    }
  }
  const clientSpread = clientLoads.map((l, round) => `round ${round + 1}: ${l.map((x) => x.toFixed(1)).join(', ')}`).join('; ');

  const markdown = [
    '# samctl benchmark: last results',
    '',
    'Written by `npm run bench` (bench/run.mjs). Wall seconds per identity, median over rounds; ratios are the median of',
    'per-round ratios (both sides measured in the same round, under the same load). A ratio above 1 means samctl is faster.',
    '',
    ...header,
    `- load average at end: ${loads()}`,
    '',
    '| contender | what is timed |',
    '|---|---|',
    ...contenders.map((c) => `| ${c.label} | ${c.what} |`),
    ...CLIENT_CONTENDERS.map((c) => `| one client: ${c.label} | ${c.what} |`),
    '',
    'Every broker certificate: RSA 2048, SAN DNS:broker-*i*.example.com, EKU serverAuth + clientAuth; the first of each',
    "contender's warm-up run is checked with openssl (verifies against its CA, key size, SAN, EKU).",
    '',
    '## Targets',
    '',
    ...targets,
    '',
    '## One client, the everyday job',
    '',
    ...clientRows,
    '',
    floorLine,
    '',
    '## N brokers, each tool making its own CA inside the timed run',
    '',
    ...sizeRows,
    '',
    '### Ratios',
    '',
    ...ratioRows,
    '',
    '### Every round',
    '',
    ...spread,
    '',
    `One client, 1-min load after each step: ${clientSpread}.`,
    '',
    'CPU s = user + system seconds of the command and every child it waited for (GNU time). "Whole tree" sums the RSS of',
    'every process of the run alive at one sample; "largest process" is the biggest single one (GNU time %M).',
    '',
  ].join('\n');
  writeFileSync(RESULTS, markdown);
  process.stdout.write(`${markdown}\nwritten to ${RESULTS}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exitCode = 1;
});
