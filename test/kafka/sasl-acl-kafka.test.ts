/**
 * ACLs for a SASL client, on a real broker with samctl's authorizer lines and a SASL_SSL
 * (SCRAM-SHA-512) listener beside the mTLS one: `samctl acl <scram client> --apply` grants to
 * the principal the broker gives it on SASL_SSL (User:<SCRAM user>, not its certificate's DN),
 * so the echo service over SCRAM (confluent-kafka) consumes sensordata and produces prediction,
 * and is refused, by Kafka's error name, on a topic it was not granted; `samctl revoke --apply`
 * DENYs that principal and deletes its SCRAM credential, and the broker then refuses the login.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samctl, samctlOk, tempDir, type RunResult } from '../helpers/samctl.js';
import { consoleConsume, consoleProduce, createTopic, prepareKafka, requireE2E, runEcho, startKafka, type KafkaCluster, type PyResult, type ToolResult } from './harness.js';

const e2e = requireE2E();
const MESSAGES = ['s-1', 's-2', 's-3'];

function show(what: string, r: ToolResult | RunResult | PyResult): string {
  return `${what}: exit ${r.exitCode}\n--- stdout ---\n${r.stdout.slice(-2000)}\n--- stderr ---\n${r.stderr.slice(-4000)}`;
}

describe.skipIf(!e2e)('samctl acl and revoke for a SCRAM client on an authorizer broker', () => {
  const cwd = tempDir('samctl-sasl-acl-kafka-');
  const pki = join(cwd, 'pki');
  const client = (name: string, file: string) => join(pki, 'clients', name, file);
  const run = (args: string[]) => samctl(args, { cwd });
  let kafka: KafkaCluster | undefined;

  beforeAll(async () => {
    await prepareKafka();
    await samctlOk(['ca', 'init', '--key-size', '2048', '--org', 'Ynformed'], { cwd });
    // 127.0.0.1: the harness's controller.quorum.voters address, verified on the SSL controller listener.
    await samctlOk(['broker', 'issue', 'localhost', '--san', '127.0.0.1', '--authorizer', '--sasl', 'scram-sha-512'], { cwd });
    await samctlOk(['client', 'issue', 'ops', '--admin'], { cwd });
    await samctlOk(['client', 'issue', 'ingest', '--sasl', 'scram-sha-512'], { cwd });
    const formatArg = (await samctlOk(['scram', 'ingest', '--format-arg'], { cwd })).stdout.trim();
    kafka = await startKafka({
      nodes: 1,
      workDir: join(cwd, 'kafka'),
      sslSnippets: [join(pki, 'brokers', 'localhost', 'server-ssl.properties')],
      saslListener: true,
      controllerProtocol: 'SSL',
      formatArgs: ['--add-scram', formatArg],
    });
    const ops = client('ops', 'client-ssl.properties');
    for (const topic of ['sensordata', 'prediction']) {
      const created = await createTopic(kafka.bootstrap, topic, 1, 1, ops);
      expect(created.exitCode, show(`create ${topic}`, created)).toBe(0);
    }
    const fed = await consoleProduce(kafka.bootstrap, 'sensordata', MESSAGES, ops);
    expect(fed.exitCode, show('ops feeds sensordata', fed)).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await kafka?.stop();
  }, 60_000);

  it('status (--json) shows the SCRAM principal User:ingest, not the certificate DN', async () => {
    const issued = JSON.parse((await samctlOk(['status', '--json'], { cwd })).stdout);
    const entry = issued.entries.find((candidate: { name: string }) => candidate.name === 'ingest');
    expect(entry.principal).toBe('User:ingest');
    expect(entry.sasl).toBe('SCRAM-SHA-512 as user ingest');
  });

  it('without grants the SCRAM client authenticates but is refused (deny by default)', async () => {
    const refused = await consoleProduce(kafka!.saslBootstrap!, 'prediction', ['must-not-arrive'], client('ingest', 'client-sasl.properties'), { maxBlockMs: 15_000 });
    expect(refused.exitCode, show('produce before acl', refused)).not.toBe(0);
    expect(refused.stderr).toMatch(/TopicAuthorizationException/);
  }, 120_000);

  it('acl --apply grants User:ingest; the echo service over SCRAM does its job and is refused elsewhere by error name', async () => {
    const applied = await run(['acl', 'ingest', '--produce', 'prediction', '--consume', 'sensordata', '--group', 'ingest-echo', '--group', 'ingest-other', '--apply', '--bootstrap', kafka!.bootstrap, '--admin', 'ops', '--json']);
    expect(applied.exitCode, show('acl --apply', applied)).toBe(0);
    const result = JSON.parse(applied.stdout);
    expect(result.principal).toBe('User:ingest');
    expect(result.added).toHaveLength(7);
    expect(result.added.every((binding: { principal: string }) => binding.principal === 'User:ingest')).toBe(true);

    const sasl = { bootstrap: kafka!.saslBootstrap!, ca: client('ingest', 'ca.crt'), librdkafkaConfig: client('ingest', 'librdkafka-sasl.properties') };
    const echoed = await runEcho({ ...sasl, client: 'confluent', group: 'ingest-echo', maxMessages: MESSAGES.length, timeoutS: 90 });
    expect(echoed.exitCode, show('echo over SCRAM with its grants', echoed)).toBe(0);
    const consumed = await consoleConsume(kafka!.bootstrap, 'prediction', { maxMessages: MESSAGES.length, idleTimeoutMs: 20_000 }, client('ops', 'client-ssl.properties'));
    expect(consumed.lines, show('ops reads prediction', consumed)).toEqual(MESSAGES);

    // Writing sensordata was not granted (read in its other group, from the start): Kafka's TOPIC_AUTHORIZATION_FAILED, not a timeout.
    const [wrongTopic, otherGroup] = await Promise.all([
      runEcho({ ...sasl, client: 'confluent', group: 'ingest-other', outTopic: 'sensordata', maxMessages: 1, timeoutS: 40 }),
      runEcho({ ...sasl, client: 'confluent', group: 'not-granted', maxMessages: 1, timeoutS: 40 }),
    ]);
    expect(wrongTopic.timedOut).toBe(false);
    expect(wrongTopic.exitCode, show('echo writing sensordata', wrongTopic)).toBe(1);
    expect(wrongTopic.stderr).toMatch(/delivery failed to sensordata: .*TOPIC_AUTHORIZATION_FAILED/);
    expect(otherGroup.exitCode, show('echo in a group not granted', otherGroup)).not.toBe(0);
    expect(otherGroup.stderr).toMatch(/GROUP_AUTHORIZATION_FAILED/);
  }, 240_000);

  it('revoke --apply DENYs User:ingest and deletes its SCRAM credential: the broker refuses the login', async () => {
    const revoked = await run(['revoke', 'ingest', '--apply', '--bootstrap', kafka!.bootstrap, '--admin', 'ops', '--json']);
    expect(revoked.exitCode, show('revoke --apply', revoked)).toBe(0);
    const result = JSON.parse(revoked.stdout);
    expect(result.principal).toBe('User:ingest');
    expect(result.denies.map((binding: { principal: string }) => binding.principal)).toEqual(['User:ingest', 'User:ingest', 'User:ingest', 'User:ingest']);
    expect(result.scramCredentialDeleted).toBe(true);
    let refused = await consoleProduce(kafka!.saslBootstrap!, 'prediction', ['after revoke'], client('ingest', 'client-sasl.properties'), { maxBlockMs: 15_000 });
    // The deletion reaches the broker through the metadata log a moment after the call.
    for (let attempt = 0; attempt < 3 && !/SaslAuthenticationException/.test(refused.stderr); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      refused = await consoleProduce(kafka!.saslBootstrap!, 'prediction', ['after revoke'], client('ingest', 'client-sasl.properties'), { maxBlockMs: 15_000 });
    }
    expect(refused.exitCode, show('produce after revoke', refused)).not.toBe(0);
    expect(refused.stderr).toMatch(/SaslAuthenticationException: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/);
  }, 180_000);
});
