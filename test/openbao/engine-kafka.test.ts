/**
 * A broker and clients whose certificates the OpenBao PKI mount signed (samctl ca init
 * --backend openbao) carry the team's round trip on a real Kafka 4 broker, with samctl's
 * files as they are: console producer → Python echo (confluent-kafka, kafka-python) → console consumer.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samctlOk, tempDir, tool } from '../helpers/samctl.js';
import { consoleConsume, consoleProduce, createTopic, prepareKafka, requireE2E, runEcho, startKafka, type KafkaCluster, type PyResult, type ToolResult } from '../kafka/harness.js';
import { requireOpenbao, startEngine, type Engine } from './engine.js';

const ready = requireE2E() && requireOpenbao();
const MESSAGES = ['sensor-1 {"t":20.5}', 'sensor-2 {"t":20.7}', 'sensor-3'];

function show(what: string, r: ToolResult | PyResult): string {
  return `${what}: exit ${r.exitCode}\n--- stdout ---\n${r.stdout.slice(-2000)}\n--- stderr ---\n${r.stderr.slice(-4000)}`;
}

describe.skipIf(!ready)('a broker issued through OpenBao on a real Kafka broker', () => {
  const cwd = tempDir('samctl-bao-kafka-');
  const pki = join(cwd, 'pki');
  let engine: Engine;
  let kafka: KafkaCluster | undefined;

  beforeAll(async () => {
    await prepareKafka();
    engine = await startEngine({ workDir: join(cwd, 'engine') });
    const env = engine.env;
    await samctlOk(['ca', 'init', '--backend', 'openbao', '--pki-mount', 'kafka-pki', '--kv-mount', 'kafka-kv', '--org', 'Ynformed', '--key-size', '2048'], { cwd, env });
    await samctlOk(['broker', 'issue', 'localhost', '--san', '127.0.0.1'], { cwd, env });
    for (const name of ['console', 'prediction-service']) await samctlOk(['client', 'issue', name], { cwd, env });
    kafka = await startKafka({ nodes: 1, workDir: join(cwd, 'kafka'), sslSnippets: [join(pki, 'brokers', 'localhost', 'server-ssl.properties')] });
  }, 600_000);

  afterAll(async () => {
    await kafka?.stop();
    await engine?.stop();
  }, 60_000);

  it('the broker presents the engine-signed chain, and the round trip runs on samctl\'s files alone', async () => {
    const caPem = await (await fetch(`${engine.address}/v1/kafka-pki/ca/pem`)).text();
    const issuer = await tool('openssl', ['x509', '-in', join(pki, 'brokers', 'localhost', 'broker.crt'), '-noout', '-issuer', '-nameopt', 'RFC2253']);
    expect(String(issuer.stdout)).toBe('issuer=CN=samctl Kafka CA,O=Ynformed');
    expect(caPem).toContain('BEGIN CERTIFICATE');

    const consoleConfig = join(pki, 'clients', 'console', 'client-ssl.properties');
    for (const topic of ['sensordata', 'prediction']) {
      const created = await createTopic(kafka!.bootstrap, topic, 1, 1, consoleConfig);
      expect(created.exitCode, show(`create ${topic}`, created)).toBe(0);
    }
    const produced = await consoleProduce(kafka!.bootstrap, 'sensordata', MESSAGES, consoleConfig);
    expect(produced.exitCode, show('console producer', produced)).toBe(0);
    const service = join(pki, 'clients', 'prediction-service');
    const files = { ca: join(service, 'ca.crt'), cert: join(service, 'client.crt'), key: join(service, 'client.key') };
    for (const client of ['confluent', 'kafka-python'] as const) {
      const echo = await runEcho({ bootstrap: kafka!.bootstrap, ...files, maxMessages: MESSAGES.length, timeoutS: 90, client, group: `prediction-${client}` });
      expect(echo.exitCode, show(`echo.py with ${client}`, echo)).toBe(0);
    }
    const consumed = await consoleConsume(kafka!.bootstrap, 'prediction', { maxMessages: 2 * MESSAGES.length, idleTimeoutMs: 30_000 }, consoleConfig);
    expect(consumed.exitCode, show('console consumer', consumed)).toBe(0);
    expect(consumed.lines).toEqual([...MESSAGES, ...MESSAGES]);
  }, 400_000);
});
