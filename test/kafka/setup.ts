/**
 * What the real-Kafka tests that run on samctl's files set up the same way: a PKI directory
 * issued with the CLI, one broker started on samctl's server-ssl.properties, the topics created
 * by a client whose config samctl wrote, and Kafka's own AclCommand output read back as lines.
 * The brokers, tools and assertions stay real (harness.ts); only the repeated steps live here.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { samctl, samctlOk, type RunResult } from '../helpers/samctl.js';
import { consoleConsume, consoleProduce, createTopic, prepareKafka, runEcho, startKafka, type KafkaCluster, type StartKafkaOptions } from './harness.js';

/** Any child's outcome (ToolResult, PyResult, RunResult, execa's) as an assertion message: the tails that name the cause. */
export function show(what: string, r: { exitCode?: number | null; stdout: string; stderr: string }): string {
  return `${what}: exit ${r.exitCode}\n--- stdout ---\n${r.stdout.slice(-3000)}\n--- stderr ---\n${r.stderr.slice(-4000)}`;
}

export interface SamctlPki {
  /** Where samctl runs; the PKI directory is `cwd/pki`. */
  cwd: string;
  dir: string;
  broker: (host: string) => string;
  client: (name: string) => string;
  /** A client's PEM files, as echo.py and pythonCheck take them. */
  pem: (name: string) => { ca: string; cert: string; key: string };
  /** A client's client-ssl.properties (the Java tools' --command-config). */
  config: (name: string) => string;
  /** samctl in `cwd`; with `dirFlag` every call names `--dir cwd/pki`, else samctl finds ./pki itself. */
  run: (args: string[]) => Promise<RunResult>;
  ok: (args: string[]) => Promise<RunResult>;
}

export function samctlPki(cwd: string, o: { dirFlag?: boolean } = {}): SamctlPki {
  const dir = join(cwd, 'pki');
  const client = (name: string) => join(dir, 'clients', name);
  const withDir = (args: string[]) => (o.dirFlag ? ['--dir', dir, ...args] : args);
  return {
    cwd,
    dir,
    broker: (host) => join(dir, 'brokers', host),
    client,
    pem: (name) => ({ ca: join(client(name), 'ca.crt'), cert: join(client(name), 'client.crt'), key: join(client(name), 'client.key') }),
    config: (name) => join(client(name), 'client-ssl.properties'),
    run: (args) => samctl(withDir(args), { cwd }),
    ok: (args) => samctlOk(withDir(args), { cwd }),
  };
}

export interface PkiPlan {
  /** Arguments after `ca init --key-size 2048`. */
  ca?: string[];
  /** Arguments after `broker issue` (host first). */
  broker: string[];
  /** One `client issue` argument list per call (name first). */
  clients: string[][];
}

/** The Kafka toolchain ready, then `ca init`, `broker issue` and each `client issue`, in that order. */
export async function issuePki(pki: SamctlPki, plan: PkiPlan): Promise<void> {
  await prepareKafka();
  await pki.ok(['ca', 'init', '--key-size', '2048', ...(plan.ca ?? [])]);
  await pki.ok(['broker', 'issue', ...plan.broker]);
  for (const args of plan.clients) await pki.ok(['client', 'issue', ...args]);
}

/** One broker (work dir `cwd/kafka`) on the server-ssl.properties at `snippet`, as written. */
export function startBrokerOn(cwd: string, snippet: string, o: Omit<StartKafkaOptions, 'workDir' | 'sslSnippets'> = {}): Promise<KafkaCluster> {
  return startKafka({ nodes: 1, ...o, workDir: join(cwd, 'kafka'), sslSnippets: [snippet] });
}

/** One broker on samctl's snippet for `host` in this PKI. */
export function startPkiBroker(pki: SamctlPki, host: string, o: Omit<StartKafkaOptions, 'workDir' | 'sslSnippets'> = {}): Promise<KafkaCluster> {
  return startBrokerOn(pki.cwd, join(pki.broker(host), 'server-ssl.properties'), o);
}

/** kafka-topics.sh --create for each topic (1 partition), each asserted to succeed. */
export async function createTopics(kafka: KafkaCluster, topics: string[], clientConfig: string, replication = 1): Promise<void> {
  for (const topic of topics) {
    const created = await createTopic(kafka.bootstrap, topic, 1, replication, clientConfig);
    expect(created.exitCode, show(`create ${topic}`, created)).toBe(0);
  }
}

/**
 * The team's round trip on a broker: topics sensordata and prediction; the console producer
 * feeds `messages` to sensordata; examples/prediction-echo/echo.py copies them to prediction
 * with confluent-kafka, then with kafka-python (groups `<groupPrefix>-confluent` and
 * `<groupPrefix>-kafka-python`); the console consumer reads both copies back, in order.
 */
export async function echoRoundTrip(
  kafka: KafkaCluster,
  o: { consoleConfig: string; service: { ca: string; cert: string; key: string }; messages: string[]; groupPrefix: string; replication?: number },
): Promise<void> {
  await createTopics(kafka, ['sensordata', 'prediction'], o.consoleConfig, o.replication ?? 1);
  const produced = await consoleProduce(kafka.bootstrap, 'sensordata', o.messages, o.consoleConfig);
  expect(produced.exitCode, show('console producer', produced)).toBe(0);
  for (const client of ['confluent', 'kafka-python'] as const) {
    const echo = await runEcho({ bootstrap: kafka.bootstrap, ...o.service, maxMessages: o.messages.length, timeoutS: 90, client, group: `${o.groupPrefix}-${client}` });
    expect(echo.exitCode, show(`echo.py with ${client}`, echo)).toBe(0);
  }
  const consumed = await consoleConsume(kafka.bootstrap, 'prediction', { maxMessages: 2 * o.messages.length, idleTimeoutMs: 30_000 }, o.consoleConfig);
  expect(consumed.exitCode, show('console consumer', consumed)).toBe(0);
  expect(consumed.lines).toEqual([...o.messages, ...o.messages]);
}

/**
 * `AclCommand --list` read back as one sorted line per ACL, "resourceType patternType name
 * principal [host] operation permission": Kafka's own view, not samctl's.
 */
export function aclLines(listOutput: string, o: { host: boolean }): string[] {
  const lines: string[] = [];
  let resource = '';
  for (const line of listOutput.split('\n')) {
    const head = /ResourcePattern\(resourceType=(\w+), name=(.*), patternType=(\w+)\)/.exec(line);
    if (head) resource = `${head[1]} ${head[3]} ${head[2]}`;
    const entry = /\(principal=(.*), host=(.*), operation=(\w+), permissionType=(\w+)\)/.exec(line);
    if (entry) lines.push([resource, entry[1], ...(o.host ? [entry[2]] : []), entry[3], entry[4]].join(' '));
  }
  return lines.sort();
}
