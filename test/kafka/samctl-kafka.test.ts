/**
 * The team's test setup on a real Kafka 4 broker, running on nothing but what samctl wrote:
 * the broker config is samctl's server-ssl.properties as is, the Java console tools take
 * samctl's client-ssl.properties unchanged, and the Python service (examples/prediction-echo)
 * uses samctl's client.key / client.crt / ca.crt with confluent-kafka and kafka-python.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samctl, samctlOk, tempDir, tool } from '../helpers/samctl.js';
import { consoleConsume, consoleProduce, pythonCheck, requireE2E, startKafka, type KafkaCluster } from './harness.js';
import { echoRoundTrip, issuePki, samctlPki, show, startPkiBroker, type SamctlPki } from './setup.js';

const e2e = requireE2E();
const MESSAGES = ['sensor-1 {"t":20.5}', 'sensor-2 {"t":20.7}', 'sensor-3', 'sensor-4 with spaces', 'sensor-5'];

function pemFiles(dir: string) {
  return { ca: join(dir, 'ca.crt'), cert: join(dir, 'client.crt'), key: join(dir, 'client.key') };
}

/** Producer → echo.py (confluent, then kafka-python) → consumer, with samctl's files only. */
function roundTrip(kafka: KafkaCluster, pki: SamctlPki, replication: number): Promise<void> {
  return echoRoundTrip(kafka, { consoleConfig: pki.config('console'), service: pki.pem('prediction-service'), messages: MESSAGES, groupPrefix: 'prediction', replication });
}

async function expectRefused(kafka: KafkaCluster, bootstrap: string, clientDir: string): Promise<void> {
  for (const client of ['confluent', 'kafka-python'] as const) {
    const check = await pythonCheck({ client, bootstrap, ...pemFiles(clientDir), timeoutS: 10 });
    expect(check.exitCode, show(`${client} must be refused`, check)).toBe(1);
  }
  const config = join(clientDir, 'client-ssl.properties');
  const produced = await consoleProduce(bootstrap, 'sensordata', ['must-not-arrive'], config, { maxBlockMs: 10_000 });
  expect(produced.exitCode, show('console producer must be refused', produced)).not.toBe(0);
  expect(produced.stderr).toMatch(/SSL|handshake|authentication|certificate/i);
  void kafka;
}

for (const storeType of ['jks', 'pkcs12', 'pem'] as const) {
  describe.skipIf(!e2e)(`samctl identities on a real Kafka broker (--store-type ${storeType})`, () => {
    const pki = samctlPki(tempDir(`samctl-kafka-${storeType}-`));
    const foreign = samctlPki(tempDir('samctl-foreign-'));
    let kafka: KafkaCluster | undefined;

    beforeAll(async () => {
      // The PEM broker gets no IP SAN: it is the one clients must refuse when reached by IP.
      const sans = storeType === 'pem' ? [] : ['--san', '127.0.0.1'];
      await issuePki(pki, {
        ca: ['--org', 'Ynformed'],
        broker: ['localhost', ...sans, '--store-type', storeType],
        clients: ['console', 'prediction-service'].map((name) => [name, '--store-type', storeType]),
      });
      kafka = await startPkiBroker(pki, 'localhost');
    }, 600_000);

    afterAll(async () => {
      await kafka?.stop();
    }, 60_000);

    it('carries the team\'s setup: console producer → Python echo (confluent-kafka, kafka-python) → console consumer, in order', async () => {
      await roundTrip(kafka!, pki, 1);
    }, 400_000);

    if (storeType === 'jks') {
      it('refuses a client whose certificate comes from a foreign CA (Python and Java clients)', async () => {
        await samctlOk(['ca', 'init', '--key-size', '2048', '--cn', 'Foreign CA'], { cwd: foreign.cwd });
        await samctlOk(['client', 'issue', 'intruder'], { cwd: foreign.cwd });
        // The intruder trusts our broker; only its own certificate is foreign.
        const intruder = foreign.client('intruder');
        const trustOurs = { ...pemFiles(intruder), ca: join(pki.client('console'), 'ca.crt') };
        for (const client of ['confluent', 'kafka-python'] as const) {
          const check = await pythonCheck({ client, bootstrap: kafka!.bootstrap, ...trustOurs, timeoutS: 10 });
          expect(check.exitCode, show(`${client} intruder`, check)).toBe(1);
        }
        const consumed = await consoleConsume(kafka!.bootstrap, 'sensordata', { maxMessages: 1, idleTimeoutMs: 10_000 }, join(intruder, 'client-ssl.properties'));
        expect(consumed.exitCode, show('console consumer with a foreign identity', consumed)).not.toBe(0);
        expect(consumed.lines).toEqual([]);
        const log = readFileSync(kafka!.logPaths[0], 'utf8');
        expect(log).toMatch(/Failed authentication with .*SSL handshake failed/);
      }, 240_000);

      it('refuses a client certificate that has expired', async () => {
        // Issued "400 days ago" for 1 day: expired long before now, no sleeping.
        const past = new Date(Date.now() - 400 * 86_400_000).toISOString();
        await samctlOk(['client', 'issue', 'expired-client', '--days', '1'], { cwd: pki.cwd, env: { SAMCTL_NOW: past } });
        const { stdout } = await tool('openssl', ['x509', '-in', join(pki.client('expired-client'), 'client.crt'), '-noout', '-checkend', '0'], { reject: false });
        expect(stdout).toContain('will expire');
        await expectRefused(kafka!, kafka!.bootstrap, pki.client('expired-client'));
      }, 240_000);

      it('can only make broker certificates that carry clientAuth (brokers are clients of each other)', async () => {
        const text = await tool('openssl', ['x509', '-in', join(pki.broker('localhost'), 'broker.crt'), '-noout', '-ext', 'extendedKeyUsage']);
        expect(text.stdout).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
        const help = await samctlOk(['broker', 'issue', '--help'], { cwd: pki.cwd });
        expect(help.stdout).not.toMatch(/--eku|--usage|--server-only/);
        const attempt = await samctl(['broker', 'issue', 'noclient.local', '--eku', 'serverAuth'], { cwd: pki.cwd });
        expect(attempt.exitCode).toBe(2);
        expect(attempt.stderr).toContain("unknown option '--eku'");
      }, 60_000);
    }

    if (storeType === 'pem') {
      it('makes clients refuse the broker when they reach it by a name its certificate lacks (127.0.0.1, no IP SAN)', async () => {
        const byIp = `127.0.0.1:${kafka!.ports[0]}`;
        for (const client of ['confluent', 'kafka-python'] as const) {
          const check = await pythonCheck({ client, bootstrap: byIp, ...pemFiles(pki.client('console')), timeoutS: 10 });
          expect(check.exitCode, show(`${client} by IP`, check)).toBe(1);
        }
        const consumed = await consoleConsume(byIp, 'sensordata', { maxMessages: 1, idleTimeoutMs: 10_000 }, join(pki.client('console'), 'client-ssl.properties'));
        expect(consumed.exitCode, show('console consumer by IP', consumed)).not.toBe(0);
        expect(`${consumed.stdout}${consumed.stderr}`).toMatch(/No subject alternative names matching IP address 127\.0\.0\.1|SSL handshake failed|SslAuthenticationException/);
      }, 240_000);
    }
  });
}

describe.skipIf(!e2e || process.env.SAMCTL_E2E_CLUSTER === 'off')('a three-broker cluster from one samctl broker issue call', () => {
  const pki = samctlPki(tempDir('samctl-cluster-'));
  const hosts = ['kafka-1.sam.local', 'kafka-2.sam.local', 'kafka-3.sam.local'];
  let kafka: KafkaCluster | undefined;

  beforeAll(async () => {
    // Every broker advertises localhost here, so each certificate carries it too.
    await issuePki(pki, { broker: [...hosts, '--san', 'localhost', '--san', '127.0.0.1'], clients: [['console'], ['prediction-service']] });
    kafka = await startKafka({ nodes: 3, workDir: join(pki.cwd, 'kafka'), sslSnippets: hosts.map((host) => join(pki.broker(host), 'server-ssl.properties')) });
  }, 600_000);

  afterAll(async () => {
    await kafka?.stop();
  }, 60_000);

  it('authenticates brokers to each other with samctl certificates and round-trips through rf=3 topics', async () => {
    await roundTrip(kafka!, pki, 3);
    const logs = kafka!.logPaths.map((path) => readFileSync(path, 'utf8')).join('\n');
    expect(logs).not.toMatch(/Failed authentication with/);
  }, 400_000);
});
