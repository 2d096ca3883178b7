/**
 * Renewal and CA rotation on a live broker: keystores and truststores are swapped in
 * through Kafka's dynamic config (KIP-226) while a producer keeps sending; nothing is lost.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samctl, samctlOk, tempDir } from '../helpers/samctl.js';
import {
  alterBrokerConfig,
  startSteadyProducer,
  consoleConsume,
  createTopic,
  freePort,
  prepareKafka,
  pythonCheck,
  requireE2E,
  startKafka,
  type KafkaCluster,
  type PyResult,
  type ToolResult,
} from './harness.js';

const e2e = requireE2E();

function show(what: string, r: ToolResult | PyResult): string {
  return `${what}: exit ${r.exitCode}\n--- stdout ---\n${r.stdout.slice(-2000)}\n--- stderr ---\n${r.stderr.slice(-4000)}`;
}

const pem = (dir: string) => ({ key: join(dir, 'client.key'), cert: join(dir, 'client.crt'), ca: join(dir, 'ca.crt') });

describe.skipIf(!e2e)('renewal and CA rotation on a live broker', () => {
  const cwd = tempDir('samctl-lifecycle-kafka-');
  const pki = join(cwd, 'pki');
  const brokerDir = join(pki, 'brokers', 'localhost');
  const client = (name: string) => join(pki, 'clients', name);
  let kafka: KafkaCluster | undefined;
  const admin = () => join(client('console'), 'client-ssl.properties');
  const reload = async (what: 'keystore' | 'truststore') => {
    const result = await alterBrokerConfig(kafka!.bootstrap, 1, { [`listener.name.ssl.ssl.${what}.location`]: join(brokerDir, `${what}.jks`) }, admin());
    expect(result.exitCode, show(`reload ${what}`, result)).toBe(0);
  };
  const probe = async (name: string) => JSON.parse((await samctlOk(['probe', kafka!.bootstrap, '--client', name, '--json'], { cwd })).stdout);
  /** The probe report once `accept` holds (bounded): the broker applies a reload a moment after the alter. */
  const probeUntil = async (accept: (report: { chain: Array<{ issuer: string; notAfter: string }> }) => boolean) => {
    const deadline = Date.now() + 30_000;
    let report = await probe('console');
    while (!accept(report) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      report = await probe('console');
    }
    return report;
  };
  /** confluent-kafka with the client's own librdkafka.properties: ssl.crl.location names its CRL copy (CRL checking on). */
  const crlCheck = (name: string, librdkafkaConfig = join(client(name), 'librdkafka.properties')) =>
    pythonCheck({ client: 'confluent', bootstrap: kafka!.bootstrap, ca: join(client(name), 'ca.crt'), librdkafkaConfig, timeoutS: 10 });
  const check = (dir: string, ca = join(dir, 'ca.crt')) =>
    pythonCheck({ client: 'confluent', bootstrap: kafka!.bootstrap, ca, cert: join(dir, 'client.crt'), key: join(dir, 'client.key'), timeoutS: 10 });
  /**
   * A dynamic config change is committed to the metadata log first and applied by the broker
   * a moment later: poll (bounded) until the broker's answer is the expected one.
   */
  const settlesTo = async (expected: 0 | 1, dir: string, ca?: string): Promise<PyResult> => {
    const deadline = Date.now() + 30_000;
    let last = await check(dir, ca);
    while (last.exitCode !== expected && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      last = await check(dir, ca);
    }
    return last;
  };

  beforeAll(async () => {
    await prepareKafka();
    await samctlOk(['ca', 'init', '--key-size', '2048'], { cwd });
    // No IP SAN: probing by 127.0.0.1 must report a name mismatch.
    await samctlOk(['broker', 'issue', 'localhost'], { cwd });
    for (const name of ['console', 'producer', 'old-ca-client']) await samctlOk(['client', 'issue', name], { cwd });
    kafka = await startKafka({ nodes: 1, workDir: join(cwd, 'kafka'), sslSnippets: [join(brokerDir, 'server-ssl.properties')] });
    const created = await createTopic(kafka.bootstrap, 'sensordata', 1, 1, admin());
    expect(created.exitCode, show('create sensordata', created)).toBe(0);
  }, 600_000);

  afterAll(async () => {
    await kafka?.stop();
  }, 60_000);

  it('probe reports the broker: chain, SAN match, client certificate required, Kafka answering', async () => {
    const report = await probe('console');
    expect(report.chainError).toBeNull();
    expect(report.sanMatches).toBe(true);
    expect(report.clientCertificateRequired).toBe(true);
    expect(report.kafka.brokers).toEqual([expect.objectContaining({ id: 1, host: 'localhost' })]);
    const refused = await samctl(['probe', `localhost:${await freePort()}`, '--client', 'console'], { cwd });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/^samctl: connection refused by localhost:\d+/);
  }, 120_000);

  it('probe names the failure: name mismatch, unknown CA, TLS alert for a refused client certificate', async () => {
    const port = kafka!.ports[0];
    const mismatch = await samctl(['probe', `127.0.0.1:${port}`, '--client', 'console'], { cwd });
    expect(mismatch.exitCode).toBe(1);
    expect(mismatch.stderr).toMatch(/^samctl: name mismatch: the broker's certificate does not cover 127\.0\.0\.1 \(DNS:localhost\)/);

    const foreign = tempDir('samctl-probe-foreign-');
    await samctlOk(['ca', 'init', '--key-size', '2048', '--cn', 'Foreign CA'], { cwd: foreign });
    await samctlOk(['client', 'issue', 'stranger'], { cwd: foreign });
    await samctlOk(['client', 'issue', 'intruder'], { cwd: foreign });
    const unknownCa = await samctl(['probe', kafka!.bootstrap, '--client', 'stranger'], { cwd: foreign });
    expect(unknownCa.exitCode).toBe(1);
    expect(unknownCa.stderr).toMatch(/^samctl: the broker's certificate is not signed by a CA we trust/);

    // The intruder trusts our broker, but its own certificate is foreign: the broker says no.
    cpSync(join(client('console'), 'ca.crt'), join(foreign, 'pki', 'clients', 'intruder', 'ca.crt'));
    const alert = await samctl(['probe', kafka!.bootstrap, '--client', 'intruder'], { cwd: foreign });
    expect(alert.exitCode).toBe(1);
    expect(alert.stderr).toMatch(/^samctl: the broker refused the session: TLS alert "(bad_certificate|certificate_unknown|unknown_ca)"/);
  }, 120_000);

  it('renews the broker keystore and reloads it without a restart while 2000 messages flow: zero failed sends', async () => {
    const producer = startSteadyProducer(kafka!.bootstrap, pem(client('producer')), 'sensordata', 2000, 3);
    while (producer.state.acked < 200) await new Promise((resolve) => setTimeout(resolve, 100));
    const before = await probe('console');
    await samctlOk(['renew', 'localhost', '--days', '200'], { cwd });
    await reload('keystore');
    expect(producer.state.acked, 'the reload must happen while messages flow').toBeLessThan(2000);
    await producer.finish();
    expect(producer.state.failed).toEqual([]);
    expect(producer.state.acked).toBe(2000);
    const after = await probeUntil((report) => report.chain[0].notAfter !== before.chain[0].notAfter);
    expect(after.chain[0].notAfter).not.toBe(before.chain[0].notAfter);
    expect(new Date(after.chain[0].notAfter).getTime() - Date.now()).toBeLessThan(201 * 86_400_000);
    const consumed = await consoleConsume(kafka!.bootstrap, 'sensordata', { maxMessages: 2000, idleTimeoutMs: 30_000 }, admin());
    expect(consumed.exitCode, show('consume', consumed)).toBe(0);
    expect(consumed.lines).toEqual(Array.from({ length: 2000 }, (_, i) => `m-${i}`));
  }, 300_000);

  it('rotates the CA in three phases on the live broker with messages in flight: none lost, old-CA client refused at the end, librdkafka with ssl.crl.location connecting throughout', async () => {
    const created = await createTopic(kafka!.bootstrap, 'rotation', 1, 1, admin());
    expect(created.exitCode, show('create rotation', created)).toBe(0);
    const oldClient = join(cwd, 'kept-old-ca-client');
    cpSync(client('old-ca-client'), oldClient, { recursive: true });
    const oldIssuer = (await probe('console')).chain[0].issuer;
    const producer = startSteadyProducer(kafka!.bootstrap, pem(client('producer')), 'rotation', 100_000, 5);
    // CRLs in use from the start: every client's librdkafka.properties names its copy (ssl.crl.location).
    await samctlOk(['crl'], { cwd });
    const crlLine = `ssl.crl.location=${join(client('console'), 'crl.pem')}\n`;
    expect(readFileSync(join(client('console'), 'librdkafka.properties'), 'utf8')).toContain(crlLine);
    const before = await crlCheck('console');
    expect(before.exitCode, show('confluent with ssl.crl.location before the rotation', before)).toBe(0);

    // Phase 1: new CA, both trusted everywhere.
    await samctlOk(['ca', 'rotate', '--key-size', '2048'], { cwd });
    await reload('truststore');
    await samctlOk(['client', 'issue', 'new-ca-client'], { cwd });
    expect((await settlesTo(0, client('new-ca-client'))).exitCode, 'new-CA client after phase 1').toBe(0);
    expect((await check(oldClient, join(client('console'), 'ca.crt'))).exitCode, 'old-CA client after phase 1').toBe(0);
    expect((await samctl(['ca', 'retire'], { cwd })).exitCode).toBe(2);
    // The broker still presents its old-CA certificate: librdkafka finds the old CA's CRL, the
    // second of the two in the file. With the new CA's alone it refuses the broker.
    const crls = readFileSync(join(client('console'), 'crl.pem'), 'utf8').match(/-----BEGIN X509 CRL-----[\s\S]*?-----END X509 CRL-----\r?\n/g) ?? [];
    expect(crls).toHaveLength(2);
    const newOnly = join(cwd, 'console-new-ca-crl-only.properties');
    writeFileSync(join(cwd, 'new-ca-crl-only.pem'), crls[0]);
    writeFileSync(newOnly, readFileSync(join(client('console'), 'librdkafka.properties'), 'utf8').replace(crlLine, `ssl.crl.location=${join(cwd, 'new-ca-crl-only.pem')}\n`));
    const [phase1, phase1New, phase1Single] = await Promise.all([crlCheck('console'), crlCheck('new-ca-client'), crlCheck('console', newOnly)]);
    expect(phase1.exitCode, show('confluent with ssl.crl.location after phase 1', phase1)).toBe(0);
    expect(phase1New.exitCode, show('new-CA client with ssl.crl.location after phase 1', phase1New)).toBe(0);
    expect(phase1Single.exitCode, show('confluent with only the new CA\'s CRL after phase 1', phase1Single)).not.toBe(0);
    expect(phase1Single.timedOut).toBe(false);
    expect(phase1Single.stderr).toMatch(/SSL handshake failed: .*certificate verify failed/);

    // Phase 2: everything re-signed by the new CA; the broker presents the new chain.
    await samctlOk(['renew', '--all'], { cwd });
    await reload('keystore');
    const presented = await probeUntil((report) => report.chain[0].issuer !== oldIssuer);
    expect(presented.chain[0].issuer).not.toBe(oldIssuer);
    expect(presented.chain[0].issuer).toContain('G2');
    expect((await check(oldClient, join(client('console'), 'ca.crt'))).exitCode, 'old-CA client after phase 2').toBe(0);
    // The new-CA broker certificate: the new CA's CRL, first in the same file.
    const phase2 = await crlCheck('console');
    expect(phase2.exitCode, show('confluent with ssl.crl.location after phase 2', phase2)).toBe(0);

    // Phase 3: old CA dropped; a client still holding an old-CA certificate is refused.
    await samctlOk(['ca', 'retire'], { cwd });
    await reload('truststore');
    const refused = await settlesTo(1, oldClient, join(client('console'), 'ca.crt'));
    expect(refused.exitCode, show('old-CA client after retire', refused)).toBe(1);
    expect((await check(client('new-ca-client'))).exitCode, 'new-CA client after retire').toBe(0);
    expect((await check(client('console'))).exitCode, 'renewed client after retire').toBe(0);
    const phase3 = await crlCheck('console');
    expect(phase3.exitCode, show('confluent with ssl.crl.location after retire (one CRL)', phase3)).toBe(0);

    await producer.stop();
    expect(producer.state.failed).toEqual([]);
    const total = producer.state.acked;
    expect(total).toBeGreaterThan(100);
    const consumed = await consoleConsume(kafka!.bootstrap, 'rotation', { maxMessages: total, idleTimeoutMs: 30_000 }, admin());
    expect(consumed.exitCode, show('consume rotation', consumed)).toBe(0);
    expect(consumed.lines).toEqual(Array.from({ length: total }, (_, i) => `m-${i}`));
    const status = await samctl(['status', '--json'], { cwd });
    expect(JSON.parse(status.stdout).rotation).toBeNull();
  }, 400_000);
});
