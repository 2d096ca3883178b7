/**
 * GSSAPI (Kerberos) over SASL_SSL beside mTLS on one real broker, with a real MIT KDC: a
 * throwaway realm on loopback (kdc.ts), principals and keytabs from kadmin.local, a broker and
 * clients issued by samctl around those keytabs. The Java console tools authenticate with
 * samctl's client-sasl.properties, the echo service (kafka-python with the `gssapi` package)
 * echoes sensordata to prediction over GSSAPI with samctl's librdkafka-sasl.properties, and
 * kcat (Debian's librdkafka + libsasl2-modules-gssapi-mit) reads the result with the same file;
 * an mTLS client works on the SSL listener in the same run.
 */
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samctlOk, tempDir } from '../helpers/samctl.js';
import { consoleConsume, consoleProduce, prepareKafka, requireE2E, runEcho, type KafkaCluster } from '../kafka/harness.js';
import { createTopics, show } from '../kafka/setup.js';
import { gssapiFlags, kafkaOptsOf, startGssapiBroker, startKdcWith, toolJvmFor } from './gssapi-setup.js';
import { requireKerberos, type Kdc } from './kdc.js';

const e2e = requireE2E() && requireKerberos(['kcat']);

describe.skipIf(!e2e)('GSSAPI over SASL_SSL beside mTLS on one broker, with a real MIT KDC', () => {
  const cwd = tempDir('samctl-gssapi-kafka-');
  const pki = join(cwd, 'pki');
  const client = (name: string, file: string) => join(pki, 'clients', name, file);
  let kdc: Kdc | undefined;
  let kafka: KafkaCluster | undefined;
  // What samctl's files tell the user to give each client: the realm's krb5.conf.
  let toolJvm: string[] = [];
  let krb5Env: Record<string, string> = {};

  beforeAll(async () => {
    await prepareKafka();
    // setup-python.sh (run by prepareKafka) rebuilds the venv when requirements.txt changed; put `gssapi` back (quick when present).
    kdc = await startKdcWith(cwd, ['kafka/localhost', 'alice', 'echo', 'mallory']);
    await samctlOk(['ca', 'init', '--key-size', '2048'], { cwd });
    await samctlOk(['broker', 'issue', 'localhost', ...gssapiFlags(kdc, cwd, 'kafka/localhost')], { cwd });
    await samctlOk(['client', 'issue', 'console'], { cwd });
    for (const name of ['alice', 'echo', 'mallory']) await samctlOk(['client', 'issue', name, ...gssapiFlags(kdc, cwd, name)], { cwd });
    const snippet = join(pki, 'brokers', 'localhost', 'server-ssl.properties');
    // The broker's JVM gets the krb5.conf the snippet's KAFKA_OPTS line names.
    expect(kafkaOptsOf(snippet)).toBe(`-Djava.security.krb5.conf=${join(pki, 'brokers', 'localhost', 'krb5.conf')}`);
    toolJvm = toolJvmFor(client('alice', 'client-sasl.properties'));
    krb5Env = { KRB5_CONFIG: /KRB5_CONFIG=(\S+)/.exec(readFileSync(client('echo', 'librdkafka-sasl.properties'), 'utf8'))![1]! };
    kafka = await startGssapiBroker(cwd, snippet);
    await createTopics(kafka, ['sensordata', 'prediction', 'chat'], client('console', 'client-ssl.properties'));
  }, 300_000);

  afterAll(async () => {
    await kafka?.stop();
    await kdc?.stop();
  });

  it('the broker starts with the GSSAPI listener and logs in from the keytab samctl copied in', () => {
    const log = readFileSync(kafka!.logPaths[0]!, 'utf8');
    expect(log).toMatch(/SASL_SSL/);
    // The broker's Kerberos login asked the KDC for kafka/localhost's ticket (the KDC's log says so).
    expect(readFileSync(join(kdc!.dir, 'kdc.log'), 'utf8')).toMatch(/AS_REQ .*kafka\/localhost@SAMCTL\.TEST/);
  });

  it('the console producer and consumer authenticate with GSSAPI using client-sasl.properties', async () => {
    const config = client('alice', 'client-sasl.properties');
    const sent = await consoleProduce(kafka!.saslBootstrap!, 'chat', ['from alice 1', 'from alice 2'], config, { jvmOpts: toolJvm });
    expect(sent.exitCode, show('alice produce', sent)).toBe(0);
    const got = await consoleConsume(kafka!.saslBootstrap!, 'chat', { maxMessages: 2, jvmOpts: toolJvm }, config);
    expect(got.lines, show('alice consume', got)).toEqual(['from alice 1', 'from alice 2']);
    // alice got a service ticket for the broker from the KDC.
    expect(readFileSync(join(kdc!.dir, 'kdc.log'), 'utf8')).toMatch(/TGS_REQ .*alice@SAMCTL\.TEST for kafka\/localhost@SAMCTL\.TEST/);
  }, 180_000);

  it('an mTLS client on the SSL listener, the echo service with kafka-python over GSSAPI, and kcat reading the result', async () => {
    const sent = await consoleProduce(kafka!.bootstrap, 'sensordata', ['t=1', 't=2', 't=3'], client('console', 'client-ssl.properties'));
    expect(sent.exitCode, show('mTLS produce', sent)).toBe(0);
    const echo = await runEcho({ client: 'kafka-python', bootstrap: kafka!.saslBootstrap!, ca: client('echo', 'ca.crt'), librdkafkaConfig: client('echo', 'librdkafka-sasl.properties'), maxMessages: 3, timeoutS: 90, env: krb5Env });
    expect(echo.exitCode, show('echo over GSSAPI (kafka-python)', echo)).toBe(0);
    const kcat = await execa('kcat', ['-F', client('alice', 'librdkafka-sasl.properties'), '-b', kafka!.saslBootstrap!, '-C', '-t', 'prediction', '-o', 'beginning', '-c', '3', '-q'], {
      reject: false,
      stdin: 'ignore',
      timeout: 90_000,
      // librdkafka runs kinit with the keytab into this ccache; KRB5_CONFIG as the file's comment says.
      env: { KRB5_CONFIG: /KRB5_CONFIG=(\S+)/.exec(readFileSync(client('alice', 'librdkafka-sasl.properties'), 'utf8'))![1]!, KRB5CCNAME: `FILE:${join(cwd, 'kcat.ccache')}` },
    });
    expect(kcat.exitCode, show('kcat', { exitCode: kcat.exitCode, stdout: String(kcat.stdout), stderr: String(kcat.stderr) })).toBe(0);
    expect(String(kcat.stdout).split('\n')).toEqual(['t=1', 't=2', 't=3']);
    const log = readFileSync(join(kdc!.dir, 'kdc.log'), 'utf8');
    expect(log).toMatch(/TGS_REQ .*echo@SAMCTL\.TEST for kafka\/localhost@SAMCTL\.TEST/);
  }, 300_000);

  it('a principal the KDC no longer knows is refused (an authentication error, not a timeout)', async () => {
    await kdc!.kadmin('delprinc -force mallory');
    const refused = await consoleProduce(kafka!.saslBootstrap!, 'chat', ['never'], client('mallory', 'client-sasl.properties'), { jvmOpts: toolJvm });
    expect(refused.timedOut).toBe(false);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr, show('mallory produce', refused)).toMatch(/Client not found in Kerberos database/);
  }, 120_000);
});
