/**
 * Real-Kafka end-to-end harness for samctl's tests.
 *
 * Starts Apache Kafka 4.x brokers (KRaft, broker+controller in one JVM, static voters) from the
 * jars that fetch-jars.sh copies from Maven Central, runs the Java console tools, and runs the
 * Python example service (examples/prediction-echo) in the venv that setup-python.sh makes.
 *
 * Only node builtins and execa. Every JVM started here is killed when its test stops it, when the
 * test process exits (process 'exit' hook + execa's cleanup), and, for brokers, by a watchdog that
 * fires when the test process dies without running any hook (SIGKILL, OOM).
 *
 * Typical use (see harness-selfcheck.test.ts):
 *
 *   const e2e = requireE2E();                       // loud skip line when java/mvn/python3 missing
 *   describe.skipIf(!e2e)('samctl against Kafka', () => {
 *     let kafka: KafkaCluster;
 *     beforeAll(async () => {
 *       await prepareKafka();
 *       kafka = await startKafka({ nodes: 1, workDir, sslSnippets: ['/abs/server-ssl.properties'] });
 *     }, 240_000);
 *     afterAll(() => kafka?.stop());
 *   });
 */
import { Producer, ProduceAcks, stringSerializers } from '@platformatic/kafka';
import { execa, execaSync } from 'execa';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------------------------
// Paths

export const KAFKA_TEST_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(KAFKA_TEST_DIR, '..', '..');
export const LIB_DIR = join(KAFKA_TEST_DIR, 'target', 'lib');
export const LOG4J_CONFIG = join(KAFKA_TEST_DIR, 'log4j2.properties');
export const LOG4J_TOOLS_CONFIG = join(KAFKA_TEST_DIR, 'log4j2-tools.properties');
export const VENV_PYTHON = join(KAFKA_TEST_DIR, '.venv', 'bin', 'python');
export const ECHO_SCRIPT = join(REPO_ROOT, 'examples', 'prediction-echo', 'echo.py');

/** JVM flags for brokers: small heap, fast start on 2 cores. */
export const BROKER_JVM_OPTS = ['-Xms128m', '-Xmx384m', '-XX:+UseSerialGC', '-Djava.awt.headless=true'];
/** JVM flags for the short-lived console tools and StorageTool. */
export const TOOL_JVM_OPTS = ['-Xms64m', '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true'];

// ---------------------------------------------------------------------------------------------
// Requirements

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim() !== '') ?? '').trim();
}

function probe(cmd: string, args: string[]): { ok: boolean; out: string } {
  try {
    const r = execaSync(cmd, args, { reject: false, timeout: 20_000, stdin: 'ignore' });
    return { ok: r.exitCode === 0, out: `${r.stdout}\n${r.stderr}` };
  } catch {
    return { ok: false, out: '' };
  }
}

/**
 * Checks the host tools the real-Kafka tests need. Returns one entry per missing or unusable
 * tool ("java 17+ (found 11)", "mvn (Maven 3.6+)", ...); an empty list means ready.
 */
export function e2eRequirements(): string[] {
  const missing: string[] = [];
  const java = probe('java', ['-version']);
  if (!java.ok) {
    missing.push('java 17+ (a JDK: java and keytool on PATH)');
  } else {
    const m = /version "(\d+)(?:\.(\d+))?/.exec(java.out);
    let major = m ? Number(m[1]) : 0;
    if (major === 1 && m?.[2]) major = Number(m[2]);
    if (major < 17) missing.push(`java 17+ (found ${m ? m[0].replace('version ', '') : 'unknown version'})`);
    if (!probe('keytool', ['-help']).out.includes('keytool')) missing.push('keytool (part of the JDK)');
  }
  if (!probe('mvn', ['-v']).ok) missing.push('mvn (Apache Maven 3.6+, reaching Maven Central)');
  const py = probe('python3', ['--version']);
  if (!py.ok) {
    missing.push('python3 (3.9+ with venv and pip, reaching PyPI)');
  } else {
    const m = /Python (\d+)\.(\d+)/.exec(py.out);
    if (!m || Number(m[1]) < 3 || (Number(m[1]) === 3 && Number(m[2]) < 9)) {
      missing.push(`python3 3.9+ (found ${firstLine(py.out)})`);
    } else if (!probe('python3', ['-c', 'import venv, ensurepip']).ok) {
      missing.push('python3 venv/ensurepip module (Debian: apt-get install python3-venv)');
    }
  }
  if (!probe('openssl', ['version']).ok) missing.push('openssl');
  return missing;
}

let requireMemo: boolean | undefined;

/**
 * Decides whether the real-Kafka tests run. Returns true when every tool is present. Otherwise:
 * with SAMCTL_E2E=required it throws (CI that must not silently skip), else it prints one loud
 * line naming what to install and returns false (use with `describe.skipIf(!requireE2E())`).
 * SAMCTL_E2E=off skips without checking.
 */
export function requireE2E(): boolean {
  if (requireMemo !== undefined) return requireMemo;
  const mode = process.env.SAMCTL_E2E ?? '';
  if (mode === 'off' || mode === '0' || mode === 'skip') {
    console.warn('!!! samctl real-Kafka e2e tests SKIPPED: SAMCTL_E2E=' + mode);
    return (requireMemo = false);
  }
  const missing = e2eRequirements();
  if (missing.length === 0) return (requireMemo = true);
  const line = `samctl real-Kafka e2e tests need: ${missing.join('; ')}`;
  if (mode === 'required') throw new Error(`${line} (SAMCTL_E2E=required)`);
  console.warn(`!!! SKIPPING ${line}. Install them (or set SAMCTL_E2E=required to make this an error).`);
  return (requireMemo = false);
}

// ---------------------------------------------------------------------------------------------
// Preparation (jars + venv)

export interface KafkaToolchain {
  /** `-cp` value: target/lib/* */
  classpath: string;
  libDir: string;
  /** Kafka version of the jars, read from kafka_2.13-<v>.jar. */
  kafkaVersion: string;
  /** test/kafka/.venv/bin/python */
  python: string;
  echoScript: string;
  log4jConfig: string;
  log4jToolsConfig: string;
  /** Seconds spent in fetch-jars.sh / setup-python.sh (≈0 when cached). */
  timings: { jarsS: number; venvS: number };
}

let prepareMemo: Promise<KafkaToolchain> | undefined;

/** Runs fetch-jars.sh and setup-python.sh (both cached by hash stamps; idempotent). */
export function prepareKafka(): Promise<KafkaToolchain> {
  prepareMemo ??= (async () => {
    const run = async (script: string) => {
      const t0 = performance.now();
      const r = await execa('bash', [join(KAFKA_TEST_DIR, script)], { reject: false, all: true, stdin: 'ignore', timeout: 900_000 });
      if (r.exitCode !== 0) throw new Error(`${script} failed (exit ${r.exitCode}):\n${tail(r.all ?? '', 40)}`);
      return (performance.now() - t0) / 1000;
    };
    // Sequential on purpose: both are CPU/network heavy on a 2-core machine.
    const jarsS = await run('fetch-jars.sh');
    const venvS = await run('setup-python.sh');
    const jar = execaSync('bash', ['-c', `ls "${LIB_DIR}" | grep -E '^kafka_2\\.13-.*\\.jar$' | head -1`]).stdout.trim();
    const kafkaVersion = /^kafka_2\.13-(.+)\.jar$/.exec(jar)?.[1] ?? 'unknown';
    return {
      classpath: join(LIB_DIR, '*'),
      libDir: LIB_DIR,
      kafkaVersion,
      python: VENV_PYTHON,
      echoScript: ECHO_SCRIPT,
      log4jConfig: LOG4J_CONFIG,
      log4jToolsConfig: LOG4J_TOOLS_CONFIG,
      timings: { jarsS, venvS },
    };
  })();
  prepareMemo.catch(() => (prepareMemo = undefined));
  return prepareMemo;
}

// ---------------------------------------------------------------------------------------------
// Ports

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/** n distinct free ports (all held open together while choosing, so they differ). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<import('node:net').Server>((res, rej) => {
          const s = createServer();
          s.unref();
          s.once('error', rej);
          s.listen(0, '127.0.0.1', () => res(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((res) => s.close(() => res()))));
  return ports;
}

function tcpConnects(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((res) => {
    const sock = createConnection({ host, port });
    const done = (ok: boolean) => {
      sock.destroy();
      res(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

// ---------------------------------------------------------------------------------------------
// Process bookkeeping

const livePids = new Set<number>();
let exitHookInstalled = false;

function track(pid: number | undefined): void {
  if (!pid) return;
  livePids.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killAllNow);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => {
        killAllNow();
        process.kill(process.pid, sig);
      });
    }
  }
}

function untrack(pid: number | undefined): void {
  if (pid) livePids.delete(pid);
}

/** Synchronously SIGKILLs every broker/tool this harness started and that is still running. */
export function killAllNow(): void {
  for (const pid of livePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  livePids.clear();
}

function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** Last `lines` lines of a file ('' when missing). */
export function fileTail(path: string, lines = 60): string {
  try {
    return tail(readFileSync(path, 'utf8'), lines);
  } catch {
    return '';
  }
}

function readFrom(path: string, offset: number): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= offset) return '';
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Properties

/** Keys of a Java .properties text (comments, `:`/`=`/space separators, continuation lines). */
export function propertyKeys(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '');
    }
    const m = /^((?:\\.|[^=:\s\\])+)\s*[=:\s]\s*(.*)$/.exec(line) ?? /^((?:\\.|[^=:\s\\])+)$/.exec(line);
    if (!m) continue;
    out.set(m[1]!.replace(/\\(.)/g, '$1'), (m[2] ?? '').trim());
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Brokers

export interface StartKafkaOptions {
  nodes?: 1 | 3;
  /** Directory for server.properties, data and logs (node-<id>/ under it). */
  workDir: string;
  /** One samctl server-ssl.properties path per node (index 0 → node.id 1). */
  sslSnippets: string[];
  /** Host in advertised.listeners and in `bootstrap` (must be in the broker certs' SAN). Default 'localhost'. */
  advertisedHost?: string;
  /** Extra lines appended after the harness's own (last word wins), same for every node or per node. */
  extraProperties?: string[] | ((nodeId: number) => string[]);
  /** Per node readiness timeout. Default 90 s. */
  readyTimeoutMs?: number;
  /** JVM options for the brokers. Default BROKER_JVM_OPTS. */
  jvmOpts?: string[];
  /**
   * A SASL_SSL listener on its own port beside the SSL one, on every node (node.saslPort,
   * cluster.saslBootstrap). Its SASL settings come from the snippet. Default: none.
   */
  saslListener?: boolean;
  /** Extra arguments for `kafka-storage format` (e.g. `--add-scram <value>`), every node. */
  formatArgs?: string[];
  /**
   * Security protocol of the CONTROLLER listener. Default PLAINTEXT. SSL for snippets with an
   * authorizer (samctl broker issue --authorizer): the authorizer checks KRaft traffic too, and
   * over PLAINTEXT it arrives as User:ANONYMOUS. The broker certificates then need the voters'
   * address (127.0.0.1) as a SAN.
   */
  controllerProtocol?: 'PLAINTEXT' | 'SSL';
}

export interface KafkaNode {
  id: number;
  port: number;
  controllerPort: number;
  /** With saslListener: the SASL_SSL listener's port. */
  saslPort?: number;
  dir: string;
  propertiesPath: string;
  snippetPath: string;
  dataDir: string;
  /** log4j output (contains "Kafka Server started", TLS handshake failures). */
  logPath: string;
  /** JVM stdout/stderr (crashes before log4j starts, e.g. bad config). */
  stdoutPath: string;
  pid?: number;
  running: boolean;
}

export interface KafkaCluster {
  clusterId: string;
  /** `<advertisedHost>:<port>,...` */
  bootstrap: string;
  /** With saslListener: `<advertisedHost>:<saslPort>,...` */
  saslBootstrap?: string;
  ports: number[];
  nodes: KafkaNode[];
  logPaths: string[];
  /** Seconds from first JVM start to the last node ready. */
  startSeconds: number;
  /** Stops one node (SIGTERM, SIGKILL after graceMs). */
  stopNode(id: number, graceMs?: number): Promise<void>;
  /** (Re)starts one node: rewrites its server.properties from the snippet file as it is now. */
  startNode(id: number): Promise<void>;
  /** Stops every node; safe to call twice. */
  stop(): Promise<void>;
}

interface NodeRuntime {
  node: KafkaNode;
  proc?: ReturnType<typeof execa>;
  watchdog?: ReturnType<typeof execa>;
  exited?: Promise<unknown>;
}

function writeServerProperties(
  node: KafkaNode,
  o: { nodes: number; voters: string; advertisedHost: string; extra: string[]; controllerProtocol: 'PLAINTEXT' | 'SSL' },
): void {
  const sasl = node.saslPort === undefined ? '' : `,SASL_SSL://127.0.0.1:${node.saslPort}`;
  const saslAdvertised = node.saslPort === undefined ? '' : `,SASL_SSL://${o.advertisedHost}:${node.saslPort}`;
  const snippet = readFileSync(node.snippetPath, 'utf8');
  const keys = propertyKeys(snippet);
  const rf = String(o.nodes);
  const harness = [
    `process.roles=broker,controller`,
    `node.id=${node.id}`,
    `controller.quorum.voters=${o.voters}`,
    `controller.listener.names=CONTROLLER`,
    `listeners=SSL://127.0.0.1:${node.port}${sasl},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    `advertised.listeners=SSL://${o.advertisedHost}:${node.port}${saslAdvertised}`,
    `listener.security.protocol.map=SSL:SSL,${sasl ? 'SASL_SSL:SASL_SSL,' : ''}CONTROLLER:${o.controllerProtocol}`,
  ];
  if (keys.has('security.inter.broker.protocol')) {
    // Kafka 4 refuses both ("Only one of inter.broker.listener.name and
    // security.inter.broker.protocol should be set."); the snippet's SSL selects listener SSL.
    harness.push(`# inter.broker.listener.name omitted: the snippet sets security.inter.broker.protocol`);
  } else {
    harness.push(`inter.broker.listener.name=SSL`);
  }
  harness.push(
    `log.dirs=${node.dataDir}`,
    `offsets.topic.replication.factor=${rf}`,
    `offsets.topic.num.partitions=1`,
    `transaction.state.log.replication.factor=${rf}`,
    `transaction.state.log.min.isr=${o.nodes > 1 ? 2 : 1}`,
    `share.coordinator.state.topic.replication.factor=${rf}`,
    `share.coordinator.state.topic.min.isr=${o.nodes > 1 ? 2 : 1}`,
    `group.initial.rebalance.delay.ms=0`,
    `num.partitions=1`,
  );
  const text =
    `# ---- samctl snippet ${node.snippetPath} (included as is) ----\n` +
    snippet +
    (snippet.endsWith('\n') ? '' : '\n') +
    `# ---- end of snippet; harness settings below (in Java Properties the later key wins) ----\n` +
    harness.join('\n') +
    '\n' +
    (o.extra.length ? `# ---- extraProperties ----\n${o.extra.join('\n')}\n` : '');
  writeFileSync(node.propertiesPath, text, { mode: 0o600 });
}

async function runJava(
  tc: KafkaToolchain,
  mainClass: string,
  args: string[],
  o: { input?: string; timeoutMs: number; jvmOpts?: string[]; cwd?: string },
) {
  const p = execa(
    'java',
    [
      ...(o.jvmOpts ?? TOOL_JVM_OPTS),
      '-cp',
      tc.classpath,
      `-Dlog4j2.configurationFile=${tc.log4jToolsConfig}`,
      mainClass,
      ...args,
    ],
    {
      reject: false,
      input: o.input,
      stdin: o.input === undefined ? 'ignore' : undefined,
      timeout: o.timeoutMs,
      forceKillAfterDelay: 2000,
      cwd: o.cwd,
      stripFinalNewline: false,
    },
  );
  track(p.pid);
  try {
    return await p;
  } finally {
    untrack(p.pid);
  }
}

/**
 * Starts a KRaft cluster of 1 or 3 combined broker+controller nodes on 127.0.0.1. Retries once
 * with new ports when a port chosen by freePorts() was taken before the broker bound it.
 */
export async function startKafka(opts: StartKafkaOptions): Promise<KafkaCluster> {
  try {
    return await startKafkaOnce(opts);
  } catch (e) {
    if (!(e instanceof Error) || !/Address already in use|BindException/.test(e.message)) throw e;
    console.warn('startKafka: a port was taken meanwhile; retrying once with new ports');
    for (let i = 1; i <= (opts.nodes ?? 1); i++) rmSync(join(resolve(opts.workDir), `node-${i}`), { recursive: true, force: true });
    return startKafkaOnce(opts);
  }
}

async function startKafkaOnce(opts: StartKafkaOptions): Promise<KafkaCluster> {
  const tc = await prepareKafka();
  const n = opts.nodes ?? 1;
  if (opts.sslSnippets.length !== n) throw new Error(`startKafka: need ${n} sslSnippets, got ${opts.sslSnippets.length}`);
  const advertisedHost = opts.advertisedHost ?? 'localhost';
  const controllerProtocol = opts.controllerProtocol ?? 'PLAINTEXT';
  const readyTimeoutMs = opts.readyTimeoutMs ?? 90_000;
  const workDir = resolve(opts.workDir);
  mkdirSync(workDir, { recursive: true });

  const stride = opts.saslListener ? 3 : 2;
  const ports = await freePorts(stride * n);
  const nodes: KafkaNode[] = Array.from({ length: n }, (_, i) => {
    const id = i + 1;
    const dir = join(workDir, `node-${id}`);
    mkdirSync(dir, { recursive: true });
    const snippetPath = resolve(opts.sslSnippets[i]!);
    if (!existsSync(snippetPath)) throw new Error(`startKafka: snippet not found: ${snippetPath}`);
    return {
      id,
      port: ports[stride * i]!,
      controllerPort: ports[stride * i + 1]!,
      ...(opts.saslListener ? { saslPort: ports[stride * i + 2]! } : {}),
      dir,
      propertiesPath: join(dir, 'server.properties'),
      snippetPath,
      dataDir: join(dir, 'data'),
      logPath: join(dir, 'server.log'),
      stdoutPath: join(dir, 'stdout.log'),
      running: false,
    };
  });
  const voters = nodes.map((nd) => `${nd.id}@127.0.0.1:${nd.controllerPort}`).join(',');
  const extraFor = (id: number) =>
    typeof opts.extraProperties === 'function' ? opts.extraProperties(id) : (opts.extraProperties ?? []);
  // The form `kafka-storage random-uuid` prints; like Kafka's Uuid.randomUuid(), never one that
  // starts with '-' (StorageTool's argument parser would read it as an option: 1 in 64).
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
  const rt = new Map<number, NodeRuntime>(nodes.map((nd) => [nd.id, { node: nd }]));

  const describeFailure = (nd: KafkaNode, why: string) =>
    `Kafka node ${nd.id} (port ${nd.port}) ${why}\n` +
    `--- ${nd.propertiesPath} (harness part) ---\n${fileTail(nd.propertiesPath, 22)}\n` +
    `--- ${nd.stdoutPath} (tail) ---\n${fileTail(nd.stdoutPath, 30)}\n` +
    `--- ${nd.logPath} (tail) ---\n${fileTail(nd.logPath, 60)}`;

  const format = async (nd: KafkaNode) => {
    const r = await runJava(tc, 'kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', nd.propertiesPath, '--ignore-formatted', ...(opts.formatArgs ?? [])], {
      timeoutMs: 120_000,
    });
    if (r.exitCode !== 0) {
      throw new Error(
        `StorageTool format failed for node ${nd.id} (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}\n` +
          `--- ${nd.propertiesPath} ---\n${readFileSync(nd.propertiesPath, 'utf8')}`,
      );
    }
  };

  const launch = (nd: KafkaNode): number => {
    const r = rt.get(nd.id)!;
    const logOffset = sizeOf(nd.logPath);
    const proc = execa(
      'java',
      [
        ...(opts.jvmOpts ?? BROKER_JVM_OPTS),
        '-cp',
        tc.classpath,
        `-Dlog4j2.configurationFile=${tc.log4jConfig}`,
        `-Dsamctl.log.file=${nd.logPath}`,
        'kafka.Kafka',
        nd.propertiesPath,
      ],
      {
        reject: false,
        stdin: 'ignore',
        stdout: { file: nd.stdoutPath, append: true },
        stderr: { file: nd.stdoutPath, append: true },
        cwd: nd.dir,
        cleanup: true,
      },
    );
    r.proc = proc;
    nd.pid = proc.pid;
    nd.running = true;
    track(proc.pid);
    r.exited = proc.then(() => {
      nd.running = false;
      untrack(proc.pid);
    });
    // Watchdog: its stdin is a pipe from this process; when we die without hooks, it reads EOF
    // and kills the broker. Stopped normally, it is killed first.
    if (proc.pid) {
      const wd = execa('sh', ['-c', `cat >/dev/null; kill -9 ${proc.pid} 2>/dev/null`], {
        reject: false,
        stdin: 'pipe',
        stdout: 'ignore',
        stderr: 'ignore',
        cleanup: true,
      });
      track(wd.pid);
      r.watchdog = wd;
      wd.then(() => untrack(wd.pid));
    }
    return logOffset;
  };

  const waitReady = async (nd: KafkaNode, logOffset: number) => {
    const r = rt.get(nd.id)!;
    const deadline = Date.now() + readyTimeoutMs;
    let started = false;
    while (Date.now() < deadline) {
      if (!nd.running) throw new Error(describeFailure(nd, `exited during startup (exit ${(await r.proc)?.exitCode})`));
      if (!started) started = readFrom(nd.logPath, logOffset).includes('Kafka Server started');
      if (started && (await tcpConnects('127.0.0.1', nd.port))) return;
      await new Promise((res) => setTimeout(res, 250));
    }
    throw new Error(describeFailure(nd, `not ready within ${readyTimeoutMs / 1000}s`));
  };

  const stopNode = async (id: number, graceMs = 15_000) => {
    const r = rt.get(id);
    if (!r?.proc) return;
    const { proc, watchdog } = r;
    watchdog?.kill('SIGKILL');
    if (r.node.running) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await r.exited;
      clearTimeout(timer);
    }
    await watchdog?.catch(() => undefined);
    r.proc = undefined;
    r.watchdog = undefined;
  };

  const stop = async () => {
    // In parallel: a KRaft node waits for its quorum on shutdown, so one-by-one can stall.
    await Promise.all(nodes.map((nd) => stopNode(nd.id, 10_000)));
  };

  const startNode = async (id: number) => {
    const nd = nodes.find((x) => x.id === id);
    if (!nd) throw new Error(`startNode: no node ${id}`);
    if (nd.running) await stopNode(id);
    writeServerProperties(nd, { nodes: n, voters, advertisedHost, extra: extraFor(id), controllerProtocol });
    const off = launch(nd);
    try {
      await waitReady(nd, off);
    } catch (e) {
      await stopNode(id, 2000);
      throw e;
    }
  };

  for (const nd of nodes) writeServerProperties(nd, { nodes: n, voters, advertisedHost, extra: extraFor(nd.id), controllerProtocol });
  const t0 = performance.now();
  try {
    await Promise.all(nodes.map(format));
    // Start all nodes at once: with static voters each waits for a controller quorum.
    const offsets = nodes.map((nd) => launch(nd));
    await Promise.all(nodes.map((nd, i) => waitReady(nd, offsets[i]!)));
  } catch (e) {
    await stop();
    const msg = e instanceof Error ? e.message : String(e);
    console.error(`startKafka failed:\n${msg}`);
    throw e;
  }
  const startSeconds = (performance.now() - t0) / 1000;

  return {
    clusterId,
    bootstrap: nodes.map((nd) => `${advertisedHost}:${nd.port}`).join(','),
    ...(opts.saslListener ? { saslBootstrap: nodes.map((nd) => `${advertisedHost}:${nd.saslPort}`).join(',') } : {}),
    ports: nodes.map((nd) => nd.port),
    nodes,
    logPaths: nodes.map((nd) => nd.logPath),
    startSeconds,
    stopNode,
    startNode,
    stop,
  };
}

// ---------------------------------------------------------------------------------------------
// Console tools

export interface ToolResult {
  /**
   * Effective exit code: the JVM's, except that a tool which reported an error on stderr but
   * exited 0 (ConsoleConsumer on SslAuthenticationException, ConsoleProducer on a failed send)
   * counts as 1. The JVM's own code is rawExitCode.
   */
  exitCode: number | undefined;
  rawExitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** true when the harness's own timeout killed the tool */
  timedOut: boolean;
  /** the argv after the main class, for messages */
  args: string[];
}

export interface ToolOptions {
  /** Kill the JVM after this long. */
  timeoutMs?: number;
  /**
   * 'legacy' passes --producer.config / --consumer.config (deprecated in Kafka 4.2+, still accepted,
   * prints a deprecation line on stderr; works on 3.x too). 'command' passes --command-config.
   * Default 'legacy': the form users copy from docs.
   */
  configFlag?: 'legacy' | 'command';
  /** JVM options for the tool (default TOOL_JVM_OPTS), e.g. plus -Djava.security.krb5.conf=… for GSSAPI. */
  jvmOpts?: string[];
}

function toolResult(r: Awaited<ReturnType<typeof runJava>>, args: string[]): ToolResult {
  return {
    exitCode: r.exitCode,
    rawExitCode: r.exitCode,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    timedOut: Boolean(r.timedOut),
    args,
  };
}

/**
 * kafka-topics.sh --create. Returns the tool result (exitCode 0 on success).
 */
export async function createTopic(
  bootstrap: string,
  topic: string,
  partitions: number,
  replicationFactor: number,
  clientConfigPath: string,
  o?: ToolOptions,
): Promise<ToolResult> {
  const tc = await prepareKafka();
  const args = [
    '--bootstrap-server',
    bootstrap,
    '--command-config',
    clientConfigPath,
    '--create',
    '--if-not-exists',
    '--topic',
    topic,
    '--partitions',
    String(partitions),
    '--replication-factor',
    String(replicationFactor),
  ];
  const r = await runJava(tc, 'org.apache.kafka.tools.TopicCommand', args, {
    timeoutMs: o?.timeoutMs ?? 60_000,
    jvmOpts: o?.jvmOpts,
  });
  return toolResult(r, args);
}

/**
 * `kafka-console-producer.sh --topic=T --bootstrap-server B --producer.config=C` with `lines` on
 * stdin (one message per line). Exit code 0 means every send was acknowledged
 * (the producer runs with --sync so a refused connection fails the run instead of hanging).
 */
export async function consoleProduce(
  bootstrap: string,
  topic: string,
  lines: string[],
  clientConfigPath: string,
  o?: ToolOptions & { maxBlockMs?: number },
): Promise<ToolResult> {
  const tc = await prepareKafka();
  const cfg = (o?.configFlag ?? 'legacy') === 'legacy' ? `--producer.config=${clientConfigPath}` : `--command-config=${clientConfigPath}`;
  const args = [`--topic=${topic}`, '--bootstrap-server', bootstrap, cfg, '--sync', '--max-block-ms', String(o?.maxBlockMs ?? 20_000)];
  const r = await runJava(tc, 'org.apache.kafka.tools.ConsoleProducer', args, {
    input: lines.map((l) => l + '\n').join(''),
    timeoutMs: o?.timeoutMs ?? 90_000,
    jvmOpts: o?.jvmOpts,
  });
  const res = toolResult(r, args);
  // With --sync a failed send exits 1. Without it ConsoleProducer only logs "Error when sending
  // message" and exits 0; count that as a failure too (belt and braces).
  if (res.exitCode === 0 && /Error when sending message/.test(res.stderr)) res.exitCode = 1;
  return res;
}

export interface ConsumeOptions extends ToolOptions {
  maxMessages: number;
  /** --timeout-ms: exit when no message arrived for this long. Default 20000. */
  idleTimeoutMs?: number;
  fromBeginning?: boolean;
  group?: string;
}

/**
 * `kafka-console-consumer.sh --topic T --bootstrap-server B --consumer.config C --max-messages N
 * --timeout-ms T [--from-beginning]`. `lines` are the printed message values.
 */
export async function consoleConsume(
  bootstrap: string,
  topic: string,
  o: ConsumeOptions,
  clientConfigPath: string,
): Promise<ToolResult & { lines: string[] }> {
  const tc = await prepareKafka();
  const cfg = (o.configFlag ?? 'legacy') === 'legacy' ? ['--consumer.config', clientConfigPath] : ['--command-config', clientConfigPath];
  const args = [
    '--topic',
    topic,
    '--bootstrap-server',
    bootstrap,
    ...cfg,
    '--max-messages',
    String(o.maxMessages),
    '--timeout-ms',
    String(o.idleTimeoutMs ?? 20_000),
    ...(o.fromBeginning === false ? [] : ['--from-beginning']),
    ...(o.group ? ['--group', o.group] : []),
  ];
  const r = await runJava(tc, 'org.apache.kafka.tools.consumer.ConsoleConsumer', args, {
    timeoutMs: o.timeoutMs ?? (o.idleTimeoutMs ?? 20_000) + 60_000,
    jvmOpts: o.jvmOpts,
  });
  const res = toolResult(r, args);
  // Kafka 4.2+ prints "Option --consumer.config is deprecated ..." on STDOUT, before the messages.
  const out = res.stdout.replace(/^Option --\S+ is deprecated[^\n]*\n/gm, '');
  const lines = out === '' ? [] : out.replace(/\n$/, '').split('\n');
  // On an authentication failure ConsoleConsumer logs "Error processing message, terminating
  // consumer process: ...SslAuthenticationException" and still exits 0.
  if (res.exitCode === 0 && /Error processing message, terminating consumer process/.test(res.stderr)) res.exitCode = 1;
  return { ...res, lines };
}

// ---------------------------------------------------------------------------------------------
// Python example service

export interface EchoOptions {
  client: 'confluent' | 'kafka-python';
  bootstrap: string;
  ca: string;
  /** mTLS: the client's certificate and key; with librdkafkaConfig neither. */
  cert?: string;
  key?: string;
  /** echo.py --librdkafka-config: e.g. samctl's librdkafka-sasl.properties (kafka-python takes its SASL keys too). */
  librdkafkaConfig?: string;
  keyPassword?: string;
  group?: string;
  inTopic?: string;
  outTopic?: string;
  maxMessages?: number;
  /** echo.py --timeout (seconds). Default 60. */
  timeoutS?: number;
  /** Extra environment for echo.py (e.g. KRB5_CONFIG for GSSAPI). */
  env?: Record<string, string>;
}

export interface PyResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

function echoArgs(o: EchoOptions): string[] {
  return [
    '--bootstrap',
    o.bootstrap,
    '--ca',
    o.ca,
    ...(o.cert ? ['--cert', o.cert] : []),
    ...(o.key ? ['--key', o.key] : []),
    ...(o.librdkafkaConfig ? ['--librdkafka-config', o.librdkafkaConfig] : []),
    '--client',
    o.client,
    '--timeout',
    String(o.timeoutS ?? 60),
    ...(o.group ? ['--group', o.group] : []),
    ...(o.inTopic ? ['--in-topic', o.inTopic] : []),
    ...(o.outTopic ? ['--out-topic', o.outTopic] : []),
    ...(o.maxMessages !== undefined ? ['--max-messages', String(o.maxMessages)] : []),
  ];
}

async function runPython(args: string[], timeoutS: number, keyPassword?: string, extraEnv: Record<string, string> = {}): Promise<PyResult> {
  const tc = await prepareKafka();
  const p = execa(tc.python, [tc.echoScript, ...args], {
    reject: false,
    stdin: 'ignore',
    timeout: (timeoutS + 30) * 1000,
    forceKillAfterDelay: 2000,
    // The key password goes through the environment, never argv.
    env: { ...extraEnv, ECHO_KEY_PASSWORD: keyPassword ?? '', PYTHONUNBUFFERED: '1' },
  });
  track(p.pid);
  try {
    const r = await p;
    return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr), timedOut: Boolean(r.timedOut) };
  } finally {
    untrack(p.pid);
  }
}

/** Runs examples/prediction-echo/echo.py until it echoed maxMessages (exit 0) or failed. */
export async function runEcho(o: EchoOptions): Promise<PyResult> {
  return runPython(echoArgs(o), o.timeoutS ?? 60, o.keyPassword, o.env);
}

/** echo.py --check-only: connect + list topics; exit 0 when the cluster accepted the client. */
export async function pythonCheck(o: Omit<EchoOptions, 'maxMessages' | 'inTopic' | 'outTopic' | 'group'>): Promise<PyResult> {
  return runPython([...echoArgs({ ...o, maxMessages: undefined }), '--check-only'], o.timeoutS ?? 60, o.keyPassword, o.env);
}

// ---------------------------------------------------------------------------------------------
// Dynamic broker config (KIP-226)

/**
 * kafka-configs.sh --entity-type brokers --entity-name <id> --alter --add-config k=v,...:
 * how a running broker is told to re-read its keystore or truststore.
 */
export async function alterBrokerConfig(
  bootstrap: string,
  nodeId: number,
  configs: Record<string, string>,
  clientConfigPath: string,
): Promise<ToolResult> {
  const tc = await prepareKafka();
  const args = [
    '--bootstrap-server', bootstrap,
    '--command-config', clientConfigPath,
    '--entity-type', 'brokers',
    '--entity-name', String(nodeId),
    '--alter',
    '--add-config', Object.entries(configs).map(([key, value]) => `${key}=${value}`).join(','),
  ];
  const r = await runJava(tc, 'org.apache.kafka.tools.ConfigCommand', args, { timeoutMs: 60_000 });
  return toolResult(r, args);
}

/**
 * Writes `kafka-acls.sh` (org.apache.kafka.tools.AclCommand) and `kafka-topics.sh`
 * (TopicCommand) into `dir`: wrappers around the harness's jars, so that command lines printed
 * for Kafka's own scripts run verbatim (`sh -c`, with `dir` first on PATH). Returns `dir`.
 */
export async function writeToolScripts(dir: string): Promise<string> {
  const tc = await prepareKafka();
  mkdirSync(dir, { recursive: true });
  const java = ['java', ...TOOL_JVM_OPTS, '-cp', `'${tc.classpath}'`, `-Dlog4j2.configurationFile=${tc.log4jToolsConfig}`].join(' ');
  for (const [script, mainClass] of [
    ['kafka-acls.sh', 'org.apache.kafka.tools.AclCommand'],
    ['kafka-topics.sh', 'org.apache.kafka.tools.TopicCommand'],
  ]) {
    writeFileSync(join(dir, script), `#!/bin/sh\nexec ${java} ${mainClass} "$@"\n`, { mode: 0o755 });
  }
  return dir;
}

/** Runs a shell script (e.g. lines samctl printed) with the tool scripts of `binDir` on PATH. */
export async function runShell(script: string, binDir: string, timeoutMs = 120_000): Promise<ToolResult> {
  const p = execa('sh', ['-e', '-c', script], {
    reject: false,
    stdin: 'ignore',
    timeout: timeoutMs,
    forceKillAfterDelay: 2000,
    env: { PATH: `${binDir}:${process.env.PATH ?? ''}` },
  });
  track(p.pid);
  try {
    const r = await p;
    return { exitCode: r.exitCode, rawExitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr), timedOut: Boolean(r.timedOut), args: [script] };
  } finally {
    untrack(p.pid);
  }
}

// ---------------------------------------------------------------------------------------------
// A steady producer (@platformatic/kafka), for reloads under load

/** Sends numbered messages one at a time (acks=all) until stopped or `limit` is reached; counts failures. */
export function startSteadyProducer(bootstrap: string, pem: { key: string; cert: string; ca: string }, topic: string, limit: number, intervalMs: number) {
  const producer = new Producer({
    clientId: 'steady-producer',
    bootstrapBrokers: [bootstrap],
    serializers: stringSerializers,
    tls: {
      key: readFileSync(pem.key),
      cert: readFileSync(pem.cert),
      ca: readFileSync(pem.ca),
      servername: 'localhost',
    },
    retries: 5,
  });
  const state = { sent: 0, acked: 0, failed: [] as string[], stop: false };
  const done = (async () => {
    for (let i = 0; i < limit && !state.stop; i++) {
      state.sent += 1;
      try {
        await producer.send({ messages: [{ topic, value: `m-${i}` }], acks: ProduceAcks.ALL });
        state.acked += 1;
      } catch (err) {
        state.failed.push(`m-${i}: ${(err as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    await producer.close();
  })();
  return {
    state,
    /** Sends the rest, then closes. */
    finish: () => done,
    /** Stops after the message in flight. */
    stop: async () => {
      state.stop = true;
      await done;
    },
  };
}
