/**
 * A broker and clients whose certificates the OpenBao PKI mount signed (samctl ca init
 * --backend openbao) carry the team's round trip on a real Kafka 4 broker, with samctl's
 * files as they are: console producer → Python echo (confluent-kafka, kafka-python) → console consumer.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samctlOk, tempDir, tool } from '../helpers/samctl.js';
import { prepareKafka, requireE2E, type KafkaCluster } from '../kafka/harness.js';
import { echoRoundTrip, startBrokerOn } from '../kafka/setup.js';
import { requireOpenbao, startEngine, type Engine } from './engine.js';

const ready = requireE2E() && requireOpenbao();
const MESSAGES = ['sensor-1 {"t":20.5}', 'sensor-2 {"t":20.7}', 'sensor-3'];

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
    kafka = await startBrokerOn(cwd, join(pki, 'brokers', 'localhost', 'server-ssl.properties'));
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

    const service = join(pki, 'clients', 'prediction-service');
    const files = { ca: join(service, 'ca.crt'), cert: join(service, 'client.crt'), key: join(service, 'client.key') };
    await echoRoundTrip(kafka!, { consoleConfig: join(pki, 'clients', 'console', 'client-ssl.properties'), service: files, messages: MESSAGES, groupPrefix: 'prediction' });
  }, 400_000);
});
