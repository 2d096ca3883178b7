#!/usr/bin/env node
// samctl benchmark: the by-hand openssl + keytool workflow (bench/baseline.sh) against samctl,
// and both against a floor (native RSA keygen + one keytool -importkeystore launch per identity).
//
//   npm run bench                         N = 1, 5, 20; 3 rounds each
//   BENCH_SIZES=1,5 BENCH_ROUNDS=1 node bench/run.mjs
//   BENCH_STORE_TYPES=jks,pkcs12,pem node bench/run.mjs    also samctl --store-type <t>
//
// Every round runs baseline, samctl and floor back to back (order alternating between rounds),
// so that a busy machine slows all of them alike. Writes bench/last-results.md.
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const BASELINE = join(HERE, 'baseline.sh');
const RESULTS = join(HERE, 'last-results.md');
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

const SIZES = parseList(process.env.BENCH_SIZES ?? '1,5,20', 'BENCH_SIZES', (s) => /^[1-9]\d*$/.test(s)).map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? '3');
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) fail(`bad BENCH_ROUNDS=${process.env.BENCH_ROUNDS}`);
const STORE_TYPES = process.env.BENCH_STORE_TYPES
  ? parseList(process.env.BENCH_STORE_TYPES, 'BENCH_STORE_TYPES', (s) => /^[A-Za-z0-9-]+$/.test(s)).map((s) => s.toLowerCase())
  : [];

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
const clients = (n) => Array.from({ length: n }, (_, i) => `client-${i + 1}`);

function assertFiles(dir, kind, names, file) {
  for (const name of names) {
    const path = join(dir, `${kind}s`, name, file);
    if (!existsSync(path)) throw new Error(`expected ${path} after the run, it is missing`);
  }
}

// ---------------------------------------------------------------- the contenders

async function runBaseline(n) {
  const dir = scratchDir(`baseline-n${n}`);
  const env = childEnv();
  await runOne('bash', [BASELINE, String(n), dir, 'ca'], { env });
  const brokers = await measure([['bash', [BASELINE, String(n), dir, 'brokers']]], env);
  const clientsResult = await measure([['bash', [BASELINE, String(n), dir, 'clients']]], env);
  assertFiles(dir, 'broker', hosts(n), 'keystore.jks');
  assertFiles(dir, 'client', clients(n), 'keystore.jks');
  rmSync(dir, { recursive: true, force: true });
  return { brokers, clients: clientsResult };
}

let caTemplate;
/** One CA (RSA 2048, like the baseline's) made once, copied into every samctl run's directory. */
async function samctlCaTemplate() {
  if (!caTemplate) {
    caTemplate = scratchDir('samctl-ca');
    await runOne(node, [SAMCTL, '--dir', caTemplate, 'ca', 'init', '--key-size', '2048', '--cn', 'bench Kafka CA'], {
      env: childEnv({ SAMCTL_CA_PASSWORD: CA_PASSWORD }),
    });
  }
  return caTemplate;
}

async function runSamctl(n, storeType) {
  const dir = scratchDir(`samctl-n${n}`);
  cpSync(await samctlCaTemplate(), dir, { recursive: true });
  const env = childEnv({ SAMCTL_CA_PASSWORD: CA_PASSWORD });
  const extra = storeType ? ['--store-type', storeType] : [];
  const brokers = await measure([[node, [SAMCTL, '--dir', dir, 'broker', 'issue', ...hosts(n), ...extra]]], env);
  const clientsResult = await measure(
    clients(n).map((name) => [node, [SAMCTL, '--dir', dir, 'client', 'issue', name, ...extra]]),
    env,
  );
  const file = storeType ? '.' : 'keystore.jks';
  assertFiles(dir, 'broker', hosts(n), file);
  assertFiles(dir, 'client', clients(n), file);
  rmSync(dir, { recursive: true, force: true });
  return { brokers, clients: clientsResult };
}

let floorP12;
/** A PKCS#12 key entry (made once, untimed) for the floor's keytool launches. */
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

/** Per identity: one native RSA-2048 keygen and one fast-JVM keytool -importkeystore, in sequence. */
async function runFloor(identities) {
  const source = await floorPkcs12();
  const dir = scratchDir('floor');
  const env = childEnv({ FLOOR_PASS: 'floorpass' });
  const commands = [];
  for (let i = 0; i < identities; i += 1) {
    commands.push([
      'keytool',
      [...FAST_JVM, '-importkeystore', '-noprompt', '-srckeystore', source, '-srcstoretype', 'PKCS12', '-srcstorepass:env', 'FLOOR_PASS',
        '-srcalias', 'floor', '-destkeystore', join(dir, `ks-${i}.jks`), '-deststoretype', 'JKS', '-deststorepass:env', 'FLOOR_PASS',
        '-destkeypass:env', 'FLOOR_PASS', '-destalias', 'floor'],
    ]);
  }
  const started = performance.now();
  for (let i = 0; i < identities; i += 1) generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const keygen = (performance.now() - started) / 1000;
  const launches = await measure(commands.map(([c, a]) => [join(WRAPPER_BIN, c), a]), env);
  rmSync(dir, { recursive: true, force: true });
  return { wall: keygen + launches.wall, cpu: keygen + launches.cpu, maxRss: launches.maxRss, treeRss: launches.treeRss, jvm: launches.jvm, keygen, launchWall: launches.wall };
}

/** Is --store-type <t> accepted? Probed on a scratch PKI with one broker. */
async function probeStoreType(type) {
  const dir = scratchDir(`probe-${type}`);
  cpSync(await samctlCaTemplate(), dir, { recursive: true });
  const result = await runOne(node, [SAMCTL, '--dir', dir, 'broker', 'issue', 'probe.example.com', '--store-type', type], {
    env: childEnv({ SAMCTL_CA_PASSWORD: CA_PASSWORD }),
    allowFailure: true,
  });
  rmSync(dir, { recursive: true, force: true });
  if (result.code === 0) return { ok: true };
  const reason = result.stderr.split('\n').find((line) => line.startsWith('samctl:')) ?? `exit ${result.code}`;
  return { ok: false, reason };
}

// ---------------------------------------------------------------- statistics and report

const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (value, digits = 3) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
const mb = (bytes) => (bytes > 0 ? `${Math.round(bytes / 1048576)}` : 'n/a');

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

// ---------------------------------------------------------------- main

async function main() {
  const java = versionLine(join(dirname(KEYTOOL), 'java'), ['-version']);
  const openssl = versionLine(OPENSSL, ['version']);
  const header = [
    `- samctl ${gitCommit()}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    `- Node ${process.version}; Java: ${java}; ${openssl}; ${cpus().length} cores (${cpus()[0]?.model?.trim() ?? 'unknown CPU'})`,
    `- keytool ${KEYTOOL} (JAVA_HOME unset for every run, so the launch-counting wrapper on PATH is used)`,
    `- sizes ${SIZES.join(', ')}; ${ROUNDS} round(s) each, baseline/samctl/floor alternating; peak RSS: ${GNU_TIME ? '/usr/bin/time -f %M (largest single process)' : 'sampled from /proc (largest single process)'}, tree RSS sampled from /proc every ${SAMPLE_MS} ms`,
    `- load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  ];
  log(header.join('\n'));
  if (loadavg()[0] > cpus().length) log(`bench: warning: the machine is busy (load ${loadavg()[0].toFixed(1)} on ${cpus().length} cores); expect noisy numbers`);

  const variants = [];
  for (const type of STORE_TYPES) {
    const probe = await probeStoreType(type);
    if (probe.ok) variants.push(type);
    else log(`store type ${type} not supported by this build (${probe.reason})`);
  }

  // Warm-up: page cache, JVM class data sharing archive, node_modules; not recorded.
  log('warm-up (N=1, not recorded)…');
  await runBaseline(1);
  await runSamctl(1);
  await runFloor(2);

  const results = new Map(); // key `${n}` -> { baseline: [], samctl: [], floor: [], variants: {t: []} }
  for (const n of SIZES) {
    const entry = { loads: [], baseline: [], samctl: [], floor: [], variants: Object.fromEntries(variants.map((t) => [t, []])) };
    results.set(n, entry);
    for (let round = 0; round < ROUNDS; round += 1) {
      const steps = [
        ['baseline', async () => entry.baseline.push(await runBaseline(n))],
        ['samctl', async () => entry.samctl.push(await runSamctl(n))],
        ...variants.map((t) => [`samctl --store-type ${t}`, async () => entry.variants[t].push(await runSamctl(n, t))]),
        ['floor', async () => entry.floor.push(await runFloor(2 * n))],
      ];
      if (round % 2 === 1) steps.reverse();
      for (const [name, step] of steps) {
        const t0 = performance.now();
        await step();
        const load = loadavg()[0];
        log(`N=${n} round ${round + 1}/${ROUNDS} ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s (load ${load.toFixed(1)})`);
        (entry.loads[round] ??= []).push(load);
      }
    }
  }

  // Per identity, per round, then the median over rounds.
  const perId = (runs, kind, n, field) =>
    median(
      runs.map((run) => {
        if (kind === 'all') return (run.brokers[field] + run.clients[field]) / (2 * n);
        return run[kind][field] / n;
      }),
    );
  const peak = (runs, kind, field) => Math.max(...runs.map((run) => (kind === 'all' ? Math.max(run.brokers[field], run.clients[field]) : run[kind][field])));

  const rows = [];
  rows.push('| N | identities | baseline s/id | samctl s/id | floor s/id | baseline/samctl | samctl/floor | JVM launches/id (baseline / samctl / floor) | CPU s/id (baseline / samctl / floor) | peak RSS MB, largest process (baseline / samctl / floor) | peak RSS MB, whole tree (baseline / samctl) |');
  rows.push('|---:|---|---:|---:|---:|---:|---:|---|---|---|---|');
  for (const [n, entry] of results) {
    const floorWall = median(entry.floor.map((f) => f.wall / (2 * n)));
    const floorJvm = median(entry.floor.map((f) => f.jvm / (2 * n)));
    const floorRss = Math.max(...entry.floor.map((f) => f.maxRss));
    const floorCpu = median(entry.floor.map((f) => f.cpu / (2 * n)));
    for (const kind of ['brokers', 'clients', 'all']) {
      const b = perId(entry.baseline, kind, n, 'wall');
      const s = perId(entry.samctl, kind, n, 'wall');
      const label = kind === 'all' ? `${n} brokers + ${n} clients` : `${n} ${kind}`;
      rows.push(
        `| ${n} | ${label} | ${fmt(b)} | ${fmt(s)} | ${fmt(floorWall)} | ${ratio(b, s)} | ${ratio(s, floorWall)} | ` +
          `${fmt(perId(entry.baseline, kind, n, 'jvm'), 2)} / ${fmt(perId(entry.samctl, kind, n, 'jvm'), 2)} / ${fmt(floorJvm, 2)} | ` +
          `${fmt(perId(entry.baseline, kind, n, 'cpu'), 2)} / ${fmt(perId(entry.samctl, kind, n, 'cpu'), 2)} / ${fmt(floorCpu, 2)} | ` +
          `${mb(peak(entry.baseline, kind, 'maxRss'))} / ${mb(peak(entry.samctl, kind, 'maxRss'))} / ${mb(floorRss)} | ` +
          `${mb(peak(entry.baseline, kind, 'treeRss'))} / ${mb(peak(entry.samctl, kind, 'treeRss'))} |`,
      );
    }
  }

  const variantRows = [];
  if (STORE_TYPES.length > 0) {
    variantRows.push('', '### samctl per store type', '');
    const unsupported = STORE_TYPES.filter((t) => !variants.includes(t));
    if (unsupported.length) variantRows.push(`Not supported by this build: ${unsupported.map((t) => `\`${t}\``).join(', ')}.`, '');
    if (variants.length) {
      variantRows.push('| N | identities | store type | s/id | vs default samctl | JVM launches/id | peak RSS MB (largest / tree) |');
      variantRows.push('|---:|---|---|---:|---:|---:|---|');
      for (const [n, entry] of results) {
        for (const t of variants) {
          for (const kind of ['brokers', 'clients']) {
            const s = perId(entry.variants[t], kind, n, 'wall');
            const d = perId(entry.samctl, kind, n, 'wall');
            variantRows.push(
              `| ${n} | ${n} ${kind} | ${t} | ${fmt(s)} | ${ratio(s, d)} | ${fmt(perId(entry.variants[t], kind, n, 'jvm'), 2)} | ` +
                `${mb(peak(entry.variants[t], kind, 'maxRss'))} / ${mb(peak(entry.variants[t], kind, 'treeRss'))} |`,
            );
          }
        }
      }
    }
  }

  const spread = ['', '### Every round (N brokers + N clients, wall seconds in total)', '', '| N | round | baseline | samctl | floor (2N identities) | 1-min load average after each step (in run order: rounds 1, 3, … run baseline, samctl, floor; the others the reverse) |', '|---:|---:|---:|---:|---:|---|'];
  for (const [n, entry] of results) {
    for (let round = 0; round < ROUNDS; round += 1) {
      const b = entry.baseline[round];
      const sm = entry.samctl[round];
      spread.push(
        `| ${n} | ${round + 1} | ${fmt(b.brokers.wall + b.clients.wall, 1)} | ${fmt(sm.brokers.wall + sm.clients.wall, 1)} | ${fmt(entry.floor[round].wall, 1)} | ${entry.loads[round].map((l) => l.toFixed(1)).join(', ')} |`,
      );
    }
  }

  const floorDetail = [...results].map(([n, entry]) => {
    const keygen = median(entry.floor.map((f) => f.keygen / (2 * n)));
    const launch = median(entry.floor.map((f) => f.launchWall / (2 * n)));
    return `N=${n}: keygen ${fmt(keygen)} s + importkeystore ${fmt(launch)} s`;
  });

  const markdown = [
    '# samctl benchmark: last results',
    '',
    'Written by `npm run bench` (bench/run.mjs); wall seconds per identity, median over rounds.',
    '',
    ...header,
    `- load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    '',
    '| | what is timed |',
    '|---|---|',
    '| baseline | `bench/baseline.sh`: openssl CA (untimed), truststore once (with the brokers), then per identity keytool -genkeypair, -certreq, openssl x509 -req, keytool -importcert CA, -importcert cert |',
    '| samctl | `samctl ca init --key-size 2048` (untimed), then one `samctl broker issue <N hosts>` and N `samctl client issue <name>` calls |',
    '| floor | per identity, back to back: node:crypto RSA-2048 generateKeyPairSync + one `keytool -importkeystore` PKCS12→JKS with `-J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC` |',
    '',
    ...rows,
    ...variantRows,
    ...spread,
    '',
    `Floor split per identity: ${floorDetail.join('; ')}.`,
    'The floor is sequential; samctl runs up to min(cores, 4) identities at a time within one call, so samctl/floor can fall below 1 for large N.',
    'CPU s = user + system seconds of the command and its children (GNU time). "Largest process" is the biggest single process (usually a keytool JVM); "whole tree" sums the RSS of all processes of the command alive at the same time (sampled).',
    '',
  ].join('\n');
  writeFileSync(RESULTS, markdown);
  process.stdout.write(`${markdown}\nwritten to ${RESULTS}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exitCode = 1;
});
