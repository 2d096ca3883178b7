/**
 * SASL_SSL with SCRAM-SHA-512 beside mTLS on one real broker: samctl's snippet opens both
 * listeners; SCRAM users registered by samctl at format time (--add-scram, salted) and through
 * the Admin API (AlterUserScramCredentials, salted locally) authenticate with the Java console
 * tools and with confluent-kafka (the echo service); an mTLS client works on the SSL listener
 * in the same run; a wrong password is refused by the broker; no password is on any process's
 * command line meanwhile.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaks, startWatcher, stopWatcher } from '../helpers/cmdline-watcher.js';
import { samctl, samctlOk, tempDir, tool } from '../helpers/samctl.js';
import { consoleConsume, consoleProduce, prepareKafka, requireE2E, runEcho, startKafka, type KafkaCluster } from './harness.js';
import { createTopics, show } from './setup.js';

const e2e = requireE2E();

describe.skipIf(!e2e)('SCRAM-SHA-512 over SASL_SSL beside mTLS on one broker', () => {
  const cwd = tempDir('samctl-scram-kafka-');
  const pki = join(cwd, 'pki');
  const client = (name: string, file: string) => join(pki, 'clients', name, file);
  const password = (name: string) => readFileSync(client(name, 'client-scram.password'), 'utf8').trim();
  const watcher = e2e ? startWatcher() : undefined;
  let kafka: KafkaCluster | undefined;

  beforeAll(async () => {
    await prepareKafka();
    await samctlOk(['ca', 'init', '--key-size', '2048'], { cwd });
    await samctlOk(['broker', 'issue', 'localhost', '--sasl', 'scram-sha-512'], { cwd });
    await samctlOk(['client', 'issue', 'console'], { cwd });
    // alice and echo: registered at format time; bob: through the Admin API, inline secrets.
    await samctlOk(['client', 'issue', 'alice', '--sasl', 'scram-sha-512'], { cwd });
    await samctlOk(['client', 'issue', 'echo', '--sasl', 'SCRAM-SHA-512'], { cwd });
    await samctlOk(['client', 'issue', 'bob', '--sasl', 'scram-sha-512', '--secrets', 'inline'], { cwd });
    const formatArg = async (name: string) => (await samctlOk(['scram', name, '--format-arg'], { cwd })).stdout.trim();
    const addScram = [...['alice', 'echo'].map(formatArg)];
    kafka = await startKafka({
      nodes: 1,
      workDir: join(cwd, 'kafka'),
      sslSnippets: [join(pki, 'brokers', 'localhost', 'server-ssl.properties')],
      saslListener: true,
      formatArgs: (await Promise.all(addScram)).flatMap((value) => ['--add-scram', value]),
    });
    await createTopics(kafka, ['sensordata', 'prediction', 'chat'], client('console', 'client-ssl.properties'));
  }, 300_000);

  afterAll(async () => {
    await kafka?.stop();
    if (watcher) await stopWatcher(watcher).catch(() => undefined);
  });

  it('the snippet opens a SASL_SSL listener with the SCRAM JAAS line next to the SSL one', () => {
    const snippet = readFileSync(join(pki, 'brokers', 'localhost', 'server-ssl.properties'), 'utf8');
    expect(snippet).toMatch(/^listeners=SSL:\/\/:9092,SASL_SSL:\/\/:9093$/m);
    expect(snippet).toMatch(/^sasl\.enabled\.mechanisms=SCRAM-SHA-512$/m);
    expect(snippet).toContain('listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;\n');
    // The broker started with it: its log names the SASL_SSL listener.
    expect(readFileSync(kafka!.logPaths[0], 'utf8')).toMatch(/SASL_SSL/);
  });

  it('a user registered at format time produces and consumes on SASL_SSL with client-sasl.properties (secrets through ${file:…})', async () => {
    const config = client('alice', 'client-sasl.properties');
    expect(readFileSync(config, 'utf8')).not.toContain(password('alice'));
    const sent = await consoleProduce(kafka!.saslBootstrap!, 'chat', ['from alice 1', 'from alice 2'], config);
    expect(sent.exitCode, show('alice produce', sent)).toBe(0);
    const got = await consoleConsume(kafka!.saslBootstrap!, 'chat', { maxMessages: 2 }, config);
    expect(got.lines, show('alice consume', got)).toEqual(['from alice 1', 'from alice 2']);
  }, 180_000);

  it('samctl scram --register makes a user through the Admin API (salted locally), who then authenticates', async () => {
    const config = client('bob', 'client-sasl.properties');
    // Not registered yet: the broker refuses bob.
    const before = await consoleProduce(kafka!.saslBootstrap!, 'chat', ['too early'], config);
    expect(before.exitCode).not.toBe(0);
    expect(before.stderr).toMatch(/SaslAuthenticationException|Authentication failed/);
    const registered = await samctl(['scram', 'bob', '--register', '--bootstrap', kafka!.bootstrap, '--client', 'console'], { cwd });
    expect(registered.exitCode, show('scram --register', registered)).toBe(0);
    expect(registered.stdout).toMatch(/SCRAM user bob .*registered/);
    // The credential reaches the broker through the metadata log a moment after the call.
    let sent = await consoleProduce(kafka!.saslBootstrap!, 'chat', ['from bob'], config);
    for (let attempt = 0; attempt < 3 && sent.exitCode !== 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      sent = await consoleProduce(kafka!.saslBootstrap!, 'chat', ['from bob'], config);
    }
    expect(sent.exitCode, show('bob produce', sent)).toBe(0);
    const got = await consoleConsume(kafka!.saslBootstrap!, 'chat', { maxMessages: 3 }, config);
    expect(got.lines, show('bob consume', got)).toEqual(['from alice 1', 'from alice 2', 'from bob']);
  }, 240_000);

  it('scram --register names a refusal in one line (exit 1): here the SASL_SSL port, where a client without SASL is not heard', async () => {
    const refused = await samctl(['scram', 'bob', '--register', '--bootstrap', kafka!.saslBootstrap!, '--client', 'console'], { cwd });
    expect(refused.exitCode, show('register on the SASL port', refused)).toBe(1);
    const lines = refused.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^samctl: cannot talk to the cluster at localhost:\d+: /);
    expect(lines.length).toBeLessThanOrEqual(2);
  }, 60_000);

  it('an mTLS client works on the SSL listener in the same run, and the echo service echoes over SCRAM with confluent-kafka', async () => {
    const sent = await consoleProduce(kafka!.bootstrap, 'sensordata', ['t=1', 't=2', 't=3'], client('console', 'client-ssl.properties'));
    expect(sent.exitCode, show('mTLS produce', sent)).toBe(0);
    const echo = await runEcho({ client: 'confluent', bootstrap: kafka!.saslBootstrap!, ca: client('echo', 'ca.crt'), librdkafkaConfig: client('echo', 'librdkafka-sasl.properties'), maxMessages: 3, timeoutS: 90 });
    expect(echo.exitCode, show('echo over SCRAM', echo)).toBe(0);
    const got = await consoleConsume(kafka!.bootstrap, 'prediction', { maxMessages: 3 }, client('console', 'client-ssl.properties'));
    expect(got.lines, show('mTLS consume prediction', got)).toEqual(['t=1', 't=2', 't=3']);
  }, 240_000);

  it('a wrong password is refused by the broker (an authentication error, not a timeout)', async () => {
    const wrong = join(cwd, 'wrong-sasl.properties');
    const inline = readFileSync(client('bob', 'client-sasl.properties'), 'utf8');
    expect(inline).toContain(password('bob'));
    writeFileSync(wrong, inline.replace(password('bob'), `${password('bob').slice(0, -1)}X`), { mode: 0o600 });
    const refused = await consoleProduce(kafka!.saslBootstrap!, 'chat', ['never'], wrong);
    expect(refused.timedOut).toBe(false);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr, show('wrong password', refused)).toMatch(/SaslAuthenticationException: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/);
  }, 120_000);

  const retired: string[] = [];
  it('scram --rotate --register: the cluster takes the new password first, then the files; the old password is refused', async () => {
    const old = password('bob');
    retired.push(old);
    const oldConfig = join(cwd, 'bob-old-sasl.properties');
    writeFileSync(oldConfig, readFileSync(client('bob', 'client-sasl.properties')), { mode: 0o600 });
    const rotated = await samctl(['scram', 'bob', '--rotate', '--register', '--bootstrap', kafka!.bootstrap, '--client', 'console'], { cwd });
    expect(rotated.exitCode, show('scram --rotate --register', rotated)).toBe(0);
    expect(rotated.stdout).toMatch(/SCRAM user bob .*has a new password, registered/);
    expect(password('bob')).not.toBe(old);
    expect(rotated.stdout + rotated.stderr).not.toContain(password('bob'));
    const config = client('bob', 'client-sasl.properties');
    let sent = await consoleProduce(kafka!.saslBootstrap!, 'chat', ['bob rotated'], config);
    for (let attempt = 0; attempt < 3 && sent.exitCode !== 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      sent = await consoleProduce(kafka!.saslBootstrap!, 'chat', ['bob rotated'], config);
    }
    expect(sent.exitCode, show('bob produce with the new password', sent)).toBe(0);
    const refused = await consoleProduce(kafka!.saslBootstrap!, 'chat', ['never'], oldConfig);
    expect(refused.timedOut).toBe(false);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr, show('old password', refused)).toMatch(/invalid credentials with SASL mechanism SCRAM-SHA-512/);
  }, 180_000);

  it('renew, then reload: both TLS listeners (SSL and SASL_SSL) present the renewed certificate, and SCRAM clients still get in', async () => {
    const brokerCrt = join(pki, 'brokers', 'localhost', 'broker.crt');
    const keystore = join(pki, 'brokers', 'localhost', 'keystore.jks');
    const serialOf = async (pem: string) => (await tool('openssl', ['x509', '-noout', '-serial'], { input: pem, reject: false })).stdout.trim().replace(/^serial=/, '').toLowerCase();
    const presented = async (bootstrap: string) => {
      const hello = await tool('openssl', ['s_client', '-connect', bootstrap, '-servername', 'localhost', '-cert', client('console', 'client.crt'), '-key', client('console', 'client.key'), '-CAfile', client('console', 'ca.crt')], { input: '', reject: false });
      return serialOf(hello.stdout);
    };
    const before = await serialOf(readFileSync(brokerCrt, 'utf8'));
    expect(await presented(kafka!.bootstrap)).toBe(before);
    expect(await presented(kafka!.saslBootstrap!)).toBe(before);

    const renewed = await samctlOk(['renew', 'localhost', '--days', '200'], { cwd });
    // The printed command (for an operator without samctl reload) names both listeners too.
    expect(renewed.stdout).toContain(`--add-config listener.name.ssl.ssl.keystore.location=${keystore},listener.name.sasl_ssl.ssl.keystore.location=${keystore}`);
    const after = await serialOf(readFileSync(brokerCrt, 'utf8'));
    expect(after).not.toBe(before);

    const result = await samctl(['reload', 'localhost', '--bootstrap', kafka!.bootstrap, '--client', 'console', '--json'], { cwd });
    expect(result.exitCode, show('reload', result)).toBe(0);
    const [broker] = JSON.parse(result.stdout).brokers;
    expect(broker.configs).toEqual({ 'listener.name.ssl.ssl.keystore.location': keystore, 'listener.name.sasl_ssl.ssl.keystore.location': keystore });
    expect(broker.presents.serial).toBe(after);
    expect(broker.error).toBeNull();
    // samctl waited for both listeners: neither presents the old certificate any more.
    expect(await presented(kafka!.bootstrap)).toBe(after);
    expect(await presented(kafka!.saslBootstrap!)).toBe(after);
    const sent = await consoleProduce(kafka!.saslBootstrap!, 'chat', ['after the reload'], client('alice', 'client-sasl.properties'));
    expect(sent.exitCode, show('alice produce after the reload', sent)).toBe(0);
  }, 120_000);

  it("no SCRAM password was on any command line during the run (the salted --add-scram form was)", async () => {
    const seen = await stopWatcher(watcher!);
    expect(seen.sweeps).toBeGreaterThan(10);
    // The watcher saw the run: the broker's JVM and samctl's own commands.
    expect(seen.cmdlines.some((line) => line.includes('kafka.Kafka'))).toBe(true);
    expect(seen.cmdlines.some((line) => line.includes('--add-scram'))).toBe(true);
    for (const secret of [...['alice', 'bob', 'echo'].map(password), ...retired]) {
      expect(seen.cmdlines.filter((line) => leaks(line, secret))).toEqual([]);
    }
  });
});
