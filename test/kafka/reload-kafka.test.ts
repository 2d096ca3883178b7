/**
 * `samctl reload` on a live broker: IncrementalAlterConfigs through @platformatic/kafka makes the
 * broker re-read its keystore (the renewed certificate is what openssl s_client then sees) or its
 * truststore (a new CA's client gets in), while a producer keeps sending; refusals are named.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samctl, samctlOk, tempDir, tool, type RunResult } from '../helpers/samctl.js';
import { consoleConsume, createTopic, freePort, prepareKafka, requireE2E, startKafka, startSteadyProducer, type KafkaCluster, type ToolResult } from './harness.js';

const e2e = requireE2E();

function show(what: string, r: ToolResult | RunResult): string {
  return `${what}: exit ${r.exitCode}\n--- stdout ---\n${r.stdout.slice(-2000)}\n--- stderr ---\n${r.stderr.slice(-4000)}`;
}

/** A refusal as cli.ts prints it: one line naming it, one hint line. */
function expectNamedRefusal(result: RunResult, line: RegExp): void {
  expect(result.exitCode, show('refusal', result)).toBe(1);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(2);
  expect(lines[0]).toMatch(line);
  expect(lines[1]).toMatch(/^hint: /);
}

async function serialOf(certFile: string): Promise<string> {
  return (await tool('openssl', ['x509', '-in', certFile, '-noout', '-serial'])).stdout.trim().replace(/^serial=/, '').toLowerCase();
}

describe.skipIf(!e2e)('samctl reload on a live broker', () => {
  const cwd = tempDir('samctl-reload-kafka-');
  const pki = join(cwd, 'pki');
  const brokerDir = join(pki, 'brokers', 'localhost');
  const client = (name: string) => join(pki, 'clients', name);
  const pem = (name: string) => ({ key: join(client(name), 'client.key'), cert: join(client(name), 'client.crt'), ca: join(client(name), 'ca.crt') });
  const adminConfig = () => join(client('console'), 'client-ssl.properties');
  let kafka: KafkaCluster | undefined;
  const reload = (args: string[], dir = cwd) => samctl(['reload', ...args], { cwd: dir });

  /** The serial of the certificate the broker presents, as openssl s_client sees it. */
  const presentedSerial = async (): Promise<string> => {
    const { key, cert, ca } = pem('console');
    const hello = await tool('openssl', ['s_client', '-connect', kafka!.bootstrap, '-servername', 'localhost', '-cert', cert, '-key', key, '-CAfile', ca], { input: '', reject: false });
    const serial = await tool('openssl', ['x509', '-noout', '-serial'], { input: hello.stdout, reject: false });
    return serial.stdout.trim().replace(/^serial=/, '').toLowerCase();
  };
  /** Polled, bounded: the broker applies a committed config change a moment after the call returns. */
  const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 30_000): Promise<T> => {
    const deadline = Date.now() + ms;
    let value = await read();
    while (!done(value) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      value = await read();
    }
    return value;
  };

  beforeAll(async () => {
    await prepareKafka();
    await samctlOk(['ca', 'init', '--key-size', '2048'], { cwd });
    await samctlOk(['broker', 'issue', 'localhost'], { cwd });
    // Issued, but no broker of the cluster is advertised under this name.
    await samctlOk(['broker', 'issue', 'elsewhere.example'], { cwd });
    for (const name of ['console', 'producer', 'viewer']) await samctlOk(['client', 'issue', name], { cwd });
    const principal = async (name: string) => (await tool('openssl', ['x509', '-in', pem(name).cert, '-noout', '-subject', '-nameopt', 'RFC2253'])).stdout.trim().replace(/^subject=/, '');
    const brokerPrincipal = (await tool('openssl', ['x509', '-in', join(brokerDir, 'broker.crt'), '-noout', '-subject', '-nameopt', 'RFC2253'])).stdout.trim().replace(/^subject=/, '');
    // An authorizer, so that a client that may not alter broker configs (viewer) is refused by
    // Kafka itself. ANONYMOUS: the node's own PLAINTEXT controller listener.
    const supers = [await principal('console'), await principal('producer'), brokerPrincipal].map((dn) => `User:${dn}`);
    kafka = await startKafka({
      nodes: 1,
      workDir: join(cwd, 'kafka'),
      sslSnippets: [join(brokerDir, 'server-ssl.properties')],
      extraProperties: ['authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer', `super.users=${[...supers, 'User:ANONYMOUS'].join(';')}`],
    });
    const created = await createTopic(kafka.bootstrap, 'sensordata', 1, 1, adminConfig());
    expect(created.exitCode, show('create sensordata', created)).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await kafka?.stop();
  }, 60_000);

  it('renew, then reload: the broker presents the renewed certificate while 1000 messages flow, none failed', async () => {
    const limit = 1000;
    const producer = startSteadyProducer(kafka!.bootstrap, pem('producer'), 'sensordata', limit, 3);
    while (producer.state.acked < 100 && producer.state.failed.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    const before = await presentedSerial();
    expect(before).toBe(await serialOf(join(brokerDir, 'broker.crt')));

    const renewed = await samctlOk(['renew', 'localhost', '--days', '200'], { cwd });
    expect(renewed.stdout).toContain('samctl reload localhost --bootstrap <host:port> --client <admin client>');
    const after = await serialOf(join(brokerDir, 'broker.crt'));
    expect(after).not.toBe(before);

    const result = await reload(['localhost', '--bootstrap', kafka!.bootstrap, '--client', 'console', '--json']);
    expect(result.exitCode, show('reload', result)).toBe(0);
    expect(producer.state.acked, 'the reload must happen while messages flow').toBeLessThan(limit);
    const report = JSON.parse(result.stdout);
    expect(report.brokers).toEqual([
      {
        broker: 'localhost',
        nodeId: kafka!.nodes[0].id,
        reloaded: ['keystore'],
        configs: { 'listener.name.ssl.ssl.keystore.location': join(brokerDir, 'keystore.jks') },
        presents: { serial: after, sha256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/) },
        error: null,
      },
    ]);
    expect(await until(presentedSerial, (serial) => serial === after)).toBe(after);

    // No secret in what samctl printed (nor on its argv, above: there is none to give).
    for (const file of [join(brokerDir, 'store.password'), join(client('console'), 'store.password')]) expect(result.stdout + result.stderr).not.toContain(readFileSync(file, 'utf8').trim());
    expect(result.stdout + result.stderr).not.toContain('PRIVATE KEY');

    await producer.finish();
    expect(producer.state.failed).toEqual([]);
    expect(producer.state.acked).toBe(limit);
    const consumed = await consoleConsume(kafka!.bootstrap, 'sensordata', { maxMessages: limit, idleTimeoutMs: 20_000 }, adminConfig());
    expect(consumed.exitCode, show('consume', consumed)).toBe(0);
    expect(consumed.lines).toEqual(Array.from({ length: limit }, (_, i) => `m-${i}`));
  }, 120_000);

  it('--truststore after ca rotate: a client of the new CA gets in only once the broker reloaded its truststore', async () => {
    await samctlOk(['ca', 'rotate', '--key-size', '2048'], { cwd });
    await samctlOk(['client', 'issue', 'new-ca-client'], { cwd });
    const probe = () => samctl(['probe', kafka!.bootstrap, '--client', 'new-ca-client'], { cwd });
    const refused = await probe();
    expect(refused.exitCode, show('new-CA client before the reload', refused)).toBe(1);
    expect(refused.stderr).toMatch(/^samctl: the broker refused the session/);

    const result = await reload(['localhost', '--truststore', '--bootstrap', kafka!.bootstrap, '--client', 'console']);
    expect(result.exitCode, show('reload --truststore', result)).toBe(0);
    expect(result.stdout).toContain(`✔ localhost (node.id 1): truststore reloaded from ${join(brokerDir, 'truststore.jks')}`);
    expect(result.stdout).not.toContain('keystore');
    const accepted = await until(probe, (r) => r.exitCode === 0);
    expect(accepted.exitCode, show('new-CA client after the reload', accepted)).toBe(0);
  }, 60_000);

  it('a keystore the broker cannot load: accepted by Kafka, but samctl sees the old certificate and says so (exit 1)', async () => {
    const presented = await presentedSerial();
    await samctlOk(['renew', 'localhost'], { cwd });
    const keystore = join(brokerDir, 'keystore.jks');
    const renewedKeystore = readFileSync(keystore);
    // Another identity's keystore: another store password, another DN. Kafka 4 accepts the
    // re-given path and only logs that the file could not be loaded.
    cpSync(join(pki, 'brokers', 'elsewhere.example', 'keystore.jks'), keystore);
    const broken = await reload(['localhost', '--bootstrap', kafka!.bootstrap, '--client', 'console']);
    expectNamedRefusal(broken, new RegExp(`^samctl: localhost \\(node\\.id 1\\) not reloaded: the broker accepted the change but still presents certificate serial ${presented}, not ${await serialOf(join(brokerDir, 'broker.crt'))}`));
    expect(await presentedSerial()).toBe(presented);

    writeFileSync(keystore, renewedKeystore);
    const fixed = await reload(['localhost', '--bootstrap', kafka!.bootstrap, '--client', 'console']);
    expect(fixed.exitCode, show('reload after the fix', fixed)).toBe(0);
    expect(await presentedSerial()).toBe(await serialOf(join(brokerDir, 'broker.crt')));
  }, 60_000);

  it('refusals exit 1 with one line naming them: not authorized, foreign client, nothing listening, broker not in the cluster', async () => {
    const bootstrap = kafka!.bootstrap;
    expectNamedRefusal(
      await reload(['localhost', '--bootstrap', bootstrap, '--client', 'viewer']),
      /^samctl: localhost \(node\.id 1\) not reloaded: CLUSTER_AUTHORIZATION_FAILED \(Kafka error 31\)/,
    );

    // Foreign CA: its client trusts our broker, but the broker does not trust its certificate.
    const foreign = tempDir('samctl-reload-foreign-');
    await samctlOk(['ca', 'init', '--key-size', '2048', '--cn', 'Foreign CA'], { cwd: foreign });
    await samctlOk(['broker', 'issue', 'localhost'], { cwd: foreign });
    await samctlOk(['client', 'issue', 'intruder'], { cwd: foreign });
    cpSync(join(client('console'), 'ca.crt'), join(foreign, 'pki', 'clients', 'intruder', 'ca.crt'));
    expectNamedRefusal(
      await reload(['localhost', '--bootstrap', bootstrap, '--client', 'intruder'], foreign),
      /^samctl: cannot talk to the cluster at localhost:\d+: the broker refused the session: TLS alert "(bad_certificate|certificate_unknown|unknown_ca)"/,
    );

    const port = await freePort();
    expectNamedRefusal(await reload(['localhost', '--bootstrap', `localhost:${port}`, '--client', 'console']), new RegExp(`^samctl: cannot talk to the cluster at localhost:${port}: connection refused by 127\\.0\\.0\\.1:${port}`));
    expectNamedRefusal(
      await reload(['localhost', '--bootstrap', `127.0.0.1:${kafka!.ports[0]}`, '--client', 'console']),
      /^samctl: cannot talk to the cluster at 127\.0\.0\.1:\d+: name mismatch: the broker's certificate does not cover 127\.0\.0\.1 \(DNS:localhost\)/,
    );
    expectNamedRefusal(
      await reload(['elsewhere.example', '--bootstrap', bootstrap, '--client', 'console']),
      new RegExp(`^samctl: elsewhere\\.example not reloaded: no broker in the cluster is advertised as elsewhere\\.example \\(brokers seen: 1@localhost:${kafka!.ports[0]}\\)`),
    );
  }, 60_000);

  it('bad usage exits 2 and names it: unknown broker, unknown client, bad address', async () => {
    const bootstrap = kafka!.bootstrap;
    const cases: Array<[string[], RegExp]> = [
      [['nope.example', '--bootstrap', bootstrap, '--client', 'console'], /^samctl: no broker identity named nope\.example$/m],
      [['localhost', '--bootstrap', bootstrap, '--client', 'nobody'], /^samctl: no client identity "nobody"/m],
      [['localhost', '--bootstrap', 'localhost', '--client', 'console'], /^samctl: invalid --bootstrap address "localhost"/m],
      [['localhost', '--client', 'console'], /required option '--bootstrap <host:port>' not specified/],
    ];
    for (const [args, line] of cases) {
      const result = await reload(args);
      expect(result.exitCode, show(args.join(' '), result)).toBe(2);
      expect(result.stderr).toMatch(line);
    }
  }, 30_000);
});
