/**
 * Issue 14 end to end on a real Kafka broker and a real OpenBao served over HTTPS: the operator
 * issues through the engine; the broker host pulls its identity with its own AppRole and the
 * broker runs from the pulled files (console round trip, Python echo on a pulled client); the
 * CI renewer's AppRole renews; the host pulls again and reloads while a producer sends 2000
 * messages: none may fail. /proc/<pid>/cmdline is watched throughout for every secret.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaks, startWatcher, stopWatcher } from '../helpers/cmdline-watcher.js';
import { samctl, samctlOk, tempDir, tool } from '../helpers/samctl.js';
import { prepareKafka, requireE2E, startSteadyProducer, type KafkaCluster } from '../kafka/harness.js';
import { echoRoundTrip, show, startBrokerOn } from '../kafka/setup.js';
import { makeEngineTls, requireOpenbao, startEngine, type Engine, type EngineTlsFiles } from './engine.js';

const ready = requireE2E() && requireOpenbao();
const PKI = 'kafka-pki';
const KV = 'kafka-kv';
const MESSAGES = ['sensor-1 {"t":20.5}', 'sensor-2 {"t":20.7}', 'sensor-3'];

describe.skipIf(!ready)('hosts pull from an HTTPS engine with AppRole; the CI renewer renews; pull --reload under load', () => {
  const root = tempDir('samctl-bao-pull-kafka-');
  const operator = join(root, 'operator');
  const pki = join(operator, 'pki');
  const brokerHost = join(root, 'broker-host');
  const installDir = join(brokerHost, 'ssl');
  const appHost = join(root, 'app-host', 'ssl');
  const creds = join(root, 'approle');
  const clean = { BAO_TOKEN: undefined, VAULT_TOKEN: undefined, VAULT_CACERT: undefined, BAO_CACERT: undefined, VAULT_ADDR: undefined };
  let engine: Engine;
  let tls: EngineTlsFiles;
  let kafka: KafkaCluster | undefined;
  let watcher: ReturnType<typeof startWatcher>;
  const outputs: string[] = [];

  const asRole = (role: string) => ({ ...clean, BAO_ADDR: engine.address, VAULT_CACERT: tls.caFile, SAMCTL_ENGINE_ROLE_ID_FILE: join(creds, `${role}.role-id`), SAMCTL_ENGINE_SECRET_ID_FILE: join(creds, `${role}.secret-id`) });
  const run = async (args: string[], cwd: string, env: Record<string, string | undefined>) => {
    const result = await samctl(args, { cwd, env });
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  const serialOf = async (certFile: string) => (await tool('openssl', ['x509', '-in', certFile, '-noout', '-serial'])).stdout.trim().replace(/^serial=/, '').toLowerCase();
  const presentedSerial = async (): Promise<string> => {
    const client = join(pki, 'clients', 'console');
    const hello = await tool('openssl', ['s_client', '-connect', kafka!.bootstrap, '-servername', 'localhost', '-cert', join(client, 'client.crt'), '-key', join(client, 'client.key'), '-CAfile', join(client, 'ca.crt')], { input: '', reject: false });
    return (await tool('openssl', ['x509', '-noout', '-serial'], { input: hello.stdout, reject: false })).stdout.trim().replace(/^serial=/, '').toLowerCase();
  };

  beforeAll(async () => {
    await prepareKafka();
    watcher = startWatcher();
    tls = await makeEngineTls(join(root, 'tls'));
    engine = await startEngine({ workDir: join(root, 'engine'), tls });
    mkdirSync(operator);
    mkdirSync(brokerHost);
    const env = { ...clean, ...engine.env };
    await samctlOk(['ca', 'init', '--backend', 'openbao', '--pki-mount', PKI, '--kv-mount', KV, '--org', 'Ynformed', '--key-size', '2048'], { cwd: operator, env });
    await samctlOk(['broker', 'issue', 'localhost', '--san', '127.0.0.1', '--install-dir', installDir], { cwd: operator, env });
    for (const name of ['console', 'producer']) await samctlOk(['client', 'issue', name], { cwd: operator, env });
    await samctlOk(['client', 'issue', 'prediction-service', '--store-type', 'pem', '--install-dir', appHost], { cwd: operator, env });
    const applied = await samctlOk(['policy', '--apply', '--approle', '--credentials', creds], { cwd: operator, env });
    outputs.push(applied.stdout, applied.stderr);

    // The broker host: its AppRole pulls its identity; the broker starts from those files.
    const pulled = await run(['pull', 'localhost', '--pki-mount', PKI, '--kv-mount', KV], brokerHost, asRole('samctl-host-broker-localhost'));
    expect(pulled.exitCode, show('pull broker', pulled)).toBe(0);
    const app = await run(['pull', 'prediction-service', '--kind', 'client', '--pki-mount', PKI, '--kv-mount', KV], brokerHost, asRole('samctl-host-client-prediction-service'));
    expect(app.exitCode, show('pull client', app)).toBe(0);
    kafka = await startBrokerOn(root, join(installDir, 'server-ssl.properties'));
  }, 600_000);

  afterAll(async () => {
    await kafka?.stop();
    await engine?.stop();
    if (watcher) void stopWatcher(watcher);
  }, 60_000);

  it('the broker runs from the pulled files: console round trip and the echo service on a pulled client', async () => {
    expect(await presentedSerial()).toBe(await serialOf(join(installDir, 'broker.crt')));
    const files = { ca: join(appHost, 'client.ca.crt'), cert: join(appHost, 'client.crt'), key: join(appHost, 'client.key') };
    await echoRoundTrip(kafka!, { consoleConfig: join(pki, 'clients', 'console', 'client-ssl.properties'), service: files, messages: MESSAGES, groupPrefix: 'prediction' });
  }, 400_000);

  it('renewed by the CI renewer, pulled and reloaded by the host while 2000 messages flow: 0 failed; no secret on any command line', async () => {
    const limit = 2000;
    const producer = startSteadyProducer(kafka!.bootstrap, { key: join(pki, 'clients', 'producer', 'client.key'), cert: join(pki, 'clients', 'producer', 'client.crt'), ca: join(pki, 'clients', 'producer', 'ca.crt') }, 'sensordata', limit, 5);
    while (producer.state.acked < 100 && producer.state.failed.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    const before = await presentedSerial();

    const renewed = await run(['renew', 'localhost'], operator, asRole('samctl-ci-renewer'));
    expect(renewed.exitCode, show('renew (CI renewer AppRole)', renewed)).toBe(0);
    const after = await serialOf(join(pki, 'brokers', 'localhost', 'broker.crt'));
    expect(after).not.toBe(before);

    const node = kafka!.nodes[0]!;
    const pulled = await run(['pull', 'localhost', '--pki-mount', PKI, '--kv-mount', KV, '--reload', '--server-properties', node.propertiesPath, '--json'], brokerHost, asRole('samctl-host-broker-localhost'));
    expect(pulled.exitCode, show('pull --reload', pulled)).toBe(0);
    expect(producer.state.acked, 'the reload must happen while messages flow').toBeLessThan(limit);
    const report = JSON.parse(pulled.stdout);
    expect(report.serial.toLowerCase().replace(/^(00)+/, '')).toBe(after);
    expect(report.reload).toMatchObject({ reloaded: true, nodeId: node.id, presents: { serial: report.serial } });
    expect(await presentedSerial()).toBe(after);

    await producer.finish();
    console.log(`steady producer: ${producer.state.acked} acked, ${producer.state.failed.length} failed over the renewal, pull and reload`);
    expect(producer.state.failed).toEqual([]);
    expect(producer.state.acked).toBe(limit);

    const { cmdlines } = await stopWatcher(watcher);
    expect(cmdlines.some((line) => line.includes('samctl.js') && line.includes('pull'))).toBe(true);
    expect(cmdlines.some((line) => line.includes('kafka.Kafka'))).toBe(true);
    const secrets = [
      engine.token,
      ...readdirSync(creds).map((name) => readFileSync(join(creds, name), 'utf8').trim()),
      readFileSync(join(installDir, 'broker.store.password'), 'utf8').trim(),
      readFileSync(join(pki, 'clients', 'console', 'store.password'), 'utf8').trim(),
    ];
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(cmdlines.filter((line) => leaks(line, secret))).toEqual([]);
      expect(outputs.some((text) => text.includes(secret))).toBe(false);
    }
  }, 300_000);
});
