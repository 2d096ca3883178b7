/**
 * Beyond one machine's disk: the broker and the clients live in install dirs outside the PKI
 * directory ("hosts" here are directories), populated only by unpacking age-encrypted bundles
 * with Debian's age CLI and tar; the broker's config reads its store passwords through
 * Kafka's FileConfigProvider. samctl check judges the broker's real config, and each of its
 * findings is shown to matter on a live broker. Renewals travel as bundles too.
 */
import { execa, execaSync } from 'execa';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CA_PASSWORD, SAMCTL, samctl, samctlOk, tempDir } from '../helpers/samctl.js';
import { alterBrokerConfig, consoleConsume, prepareKafka, pythonCheck, requireE2E, startKafka, startSteadyProducer, type KafkaCluster } from './harness.js';
import { createTopics, echoRoundTrip, issuePki, samctlPki, show, startBrokerOn } from './setup.js';

const e2e = requireE2E();
const hasAge = (() => {
  try {
    return execaSync('age', ['--version']).exitCode === 0;
  } catch {
    return false;
  }
})();
if (e2e && !hasAge) {
  if (process.env.SAMCTL_E2E === 'required') throw new Error('SAMCTL_E2E=required but the age CLI is missing (apt-get install age)');
  console.warn('!!! SKIPPING install-dir Kafka tests: the age CLI is missing (apt-get install age)');
}

const MESSAGES = ['sensor-1 {"t":20.5}', 'sensor-2 {"t":20.7}', 'sensor-3', 'sensor-4 with spaces', 'sensor-5'];

describe.skipIf(!e2e || !hasAge)('a broker and a client installed from encrypted bundles, outside the PKI directory', () => {
  const cwd = tempDir('samctl-hosts-');
  const pkiDir = join(cwd, 'pki');
  // Three "hosts": the operator's PKI directory, the broker's host and a client's host.
  const brokerHost = join(cwd, 'sam01');
  const laptop = join(cwd, 'laptop');
  const brokerSsl = join(brokerHost, 'ssl');
  const clientSsl = join(laptop, 'ssl');
  const consoleConfig = join(clientSsl, 'client-ssl.properties');
  const clientPem = { key: join(clientSsl, 'client.key'), cert: join(clientSsl, 'client.crt'), ca: join(clientSsl, 'client.ca.crt') };
  let kafka: KafkaCluster | undefined;

  /** An age key pair for a host: its identity file stays there, its public key goes to the operator. */
  async function hostKey(host: string): Promise<{ identity: string; recipient: string }> {
    mkdirSync(host, { recursive: true });
    const identity = join(host, 'age.key');
    await execa('age-keygen', ['-o', identity]);
    const { stdout } = await execa('age-keygen', ['-y', identity]);
    return { identity, recipient: stdout.trim() };
  }

  /** samctl export on the operator's machine, then the printed commands verbatim on the host (sh -c, in its inbox). */
  async function deliver(name: string, host: string, key: { identity: string; recipient: string }): Promise<string[]> {
    const inbox = join(host, 'inbox');
    mkdirSync(inbox, { recursive: true });
    const bundle = join(inbox, `${name}.tar.age`);
    const exported = await samctlOk(['export', name, '--recipient', key.recipient, '--host-identity', key.identity, '--out', bundle, '--force', '--json'], { cwd });
    const { unpack, files } = JSON.parse(exported.stdout).bundles[0] as { unpack: string[]; files: string[] };
    const unpacked = await execa('sh', ['-c', unpack.join('\n')], { cwd: inbox, reject: false, all: true });
    expect(unpacked.exitCode, `unpack ${name}:\n${unpacked.all}`).toBe(0);
    rmSync(bundle);
    return files;
  }

  let brokerKey: { identity: string; recipient: string };

  beforeAll(async () => {
    // No IP SAN: a client told to use 127.0.0.1 must refuse the broker (the check finding below).
    await issuePki(samctlPki(cwd), { ca: ['--org', 'Ynformed'], broker: ['localhost', '--install-dir', brokerSsl], clients: [['console', '--install-dir', clientSsl]] });
    brokerKey = await hostKey(brokerHost);
    await deliver('localhost', brokerHost, brokerKey);
    await deliver('console', laptop, await hostKey(laptop));
    kafka = await startBrokerOn(cwd, join(brokerSsl, 'server-ssl.properties'));
  }, 600_000);

  afterAll(async () => {
    await kafka?.stop();
  }, 60_000);

  it('installs only what each host needs, and the broker config points only into its install dir, passwords through ${file:…}', () => {
    expect(readdirSync(brokerSsl).sort()).toEqual([
      'broker-secrets.properties', 'broker.ca.crt', 'broker.crt', 'broker.key', 'broker.keystore.jks', 'broker.store.password',
      'broker.truststore.jks', 'broker.truststore.password', 'server-ssl.properties',
    ]);
    const snippet = readFileSync(join(brokerSsl, 'server-ssl.properties'), 'utf8');
    expect(snippet).not.toContain(pkiDir);
    expect(snippet).toContain(`ssl.keystore.location=${brokerSsl}/broker.keystore.jks`);
    expect(snippet).toContain(`ssl.keystore.password=\${file:${brokerSsl}/broker-secrets.properties:keystore.password}`);
    expect(snippet).toMatch(/^config\.providers=file$/m);
    expect(snippet).not.toContain(readFileSync(join(brokerSsl, 'broker.store.password'), 'utf8').trim());
    // The broker's real server.properties is the snippet plus ports and KRaft lines only.
    const serverProperties = readFileSync(kafka!.nodes[0].propertiesPath, 'utf8');
    expect(serverProperties).not.toContain(pkiDir);
  });

  it("carries the team's setup: console producer (client bundle) → echo.py on that client's PEM files → console consumer, in order", async () => {
    await echoRoundTrip(kafka!, { consoleConfig, service: clientPem, messages: MESSAGES, groupPrefix: 'echo' });
  }, 400_000);

  describe('samctl check on the broker host', () => {
    // check runs on the broker host: no PKI directory there.
    const checkOn = (file: string) => samctl(['check', file, '--json'], { cwd: brokerHost });
    const findings = (stdout: string) =>
      (JSON.parse(stdout).findings as Array<{ key: string; severity: string; message: string }>).filter((finding) => finding.severity !== 'notice');

    /** A copy of the broker's install dir and config, with one thing changed: a second "broker host". */
    function variant(name: string, change: (ssl: string) => void, edit: (properties: string) => string = (text) => text): { properties: string; snippet: string } {
      const host = join(cwd, name);
      const ssl = join(host, 'ssl');
      cpSync(brokerSsl, ssl, { recursive: true });
      const rewrite = (text: string) => text.split(brokerSsl).join(ssl);
      const snippet = join(ssl, 'server-ssl.properties');
      writeFileSync(snippet, rewrite(readFileSync(snippet, 'utf8')));
      change(ssl);
      const properties = join(host, 'server.properties');
      writeFileSync(properties, edit(rewrite(readFileSync(kafka!.nodes[0].propertiesPath, 'utf8'))));
      return { properties, snippet };
    }

    it('is clean on the running broker (exit 0)', async () => {
      const result = await checkOn(kafka!.nodes[0].propertiesPath);
      expect(findings(result.stdout)).toEqual([]);
      expect(result.exitCode, show('check', result)).toBe(0);
    }, 120_000);

    it('names an advertised host the certificate lacks, and a client told that name refuses the broker', async () => {
      const port = kafka!.ports[0];
      const { properties } = variant('advertised', () => undefined, (text) => text.replace(/^advertised\.listeners=SSL:\/\/localhost:/gm, 'advertised.listeners=SSL://127.0.0.1:'));
      const result = await checkOn(properties);
      expect(result.exitCode, show('check', result)).toBe(1);
      expect(findings(result.stdout).map((finding) => finding.key)).toEqual(['advertised.listeners']);
      // The consequence: clients reaching the broker by that name fail hostname verification.
      for (const client of ['confluent', 'kafka-python'] as const) {
        const check = await pythonCheck({ client, bootstrap: `127.0.0.1:${port}`, ...clientPem, timeoutS: 10 });
        expect(check.exitCode, show(`${client} by 127.0.0.1`, check)).toBe(1);
      }
      const consumed = await consoleConsume(`127.0.0.1:${port}`, 'sensordata', { maxMessages: 1, idleTimeoutMs: 10_000 }, consoleConfig);
      expect(consumed.exitCode, show('console consumer by 127.0.0.1', consumed)).not.toBe(0);
      expect(`${consumed.stdout}${consumed.stderr}`).toMatch(/No subject alternative names matching IP address 127\.0\.0\.1|SSL handshake failed|SslAuthenticationException/);
    }, 240_000);

    it('names a wrong password in the secrets file, and a broker with it refuses to start', async () => {
      const { properties, snippet } = variant('badpass', (ssl) => {
        const secrets = join(ssl, 'broker-secrets.properties');
        writeFileSync(secrets, readFileSync(secrets, 'utf8').replace(/^keystore\.password=.*$/m, 'keystore.password=Wrong-Pass-4711'), { mode: 0o600 });
      });
      const result = await checkOn(properties);
      expect(result.exitCode, show('check', result)).toBe(1);
      expect(findings(result.stdout).map((finding) => finding.key)).toContain('ssl.keystore.password');
      expect(`${result.stdout}${result.stderr}`).not.toContain('Wrong-Pass-4711');
      await expect(startKafka({ nodes: 1, workDir: join(cwd, 'kafka-badpass'), sslSnippets: [snippet], readyTimeoutMs: 60_000 })).rejects.toThrow(
        /exited during startup[\s\S]*(password was incorrect|Keystore was tampered|UnrecoverableKeyException|Failed to load SSL keystore)/,
      );
    }, 240_000);

    it('names a missing truststore, and a broker without it refuses to start', async () => {
      const { properties, snippet } = variant('notrust', (ssl) => rmSync(join(ssl, 'broker.truststore.jks')));
      const result = await checkOn(properties);
      expect(result.exitCode, show('check', result)).toBe(1);
      expect(findings(result.stdout).map((finding) => finding.key)).toContain('ssl.truststore.location');
      await expect(startKafka({ nodes: 1, workDir: join(cwd, 'kafka-notrust'), sslSnippets: [snippet], readyTimeoutMs: 60_000 })).rejects.toThrow(
        /exited during startup[\s\S]*(NoSuchFileException|Failed to load SSL keystore|truststore)/i,
      );
    }, 240_000);
  });

  it('delivers a renewal as a bundle into the install dir and reloads it by the broker-side path while 2000 messages flow: 0 failed sends', async () => {
    await createTopics(kafka!, ['reload'], consoleConfig);
    const before = readFileSync(join(brokerSsl, 'broker.crt'), 'utf8');
    const producer = startSteadyProducer(kafka!.bootstrap, clientPem, 'reload', 2000, 3);
    const renewed = await samctlOk(['renew', 'localhost', '--json'], { cwd });
    const reload = JSON.parse(renewed.stdout).reloadCommands[0].command as string;
    expect(reload).toContain(`listener.name.ssl.ssl.keystore.location=${brokerSsl}/broker.keystore.jks`);
    await deliver('localhost', brokerHost, brokerKey);
    expect(readFileSync(join(brokerSsl, 'broker.crt'), 'utf8')).not.toBe(before);
    const altered = await alterBrokerConfig(kafka!.bootstrap, 1, { 'listener.name.ssl.ssl.keystore.location': join(brokerSsl, 'broker.keystore.jks') }, consoleConfig);
    expect(altered.exitCode, show('reload keystore', altered)).toBe(0);
    await producer.finish();
    expect(producer.state.failed).toEqual([]);
    expect(producer.state.acked).toBe(2000);
    const consumed = await consoleConsume(kafka!.bootstrap, 'reload', { maxMessages: 2000, idleTimeoutMs: 30_000, timeoutMs: 180_000 }, consoleConfig);
    expect(consumed.exitCode, show('consume reload', consumed)).toBe(0);
    expect(consumed.lines).toEqual(Array.from({ length: 2000 }, (_, i) => `m-${i}`));
    // The broker now presents the renewed certificate.
    const expected = (JSON.parse(renewed.stdout).issued[0].serial as string).toUpperCase().replace(/^0+/, '');
    expect(await servedSerialUntil((serial) => serial === expected)).toBe(expected);
  }, 400_000);

  it('runs examples/ci/renew.sh end to end: renew, encrypted bundle delivered to the broker host, reload from the install dir', async () => {
    const toolchain = await prepareKafka();
    const bin = tempDir('samctl-ci-bin-');
    writeFileSync(
      join(bin, 'kafka-configs.sh'),
      `#!/bin/sh\nexec java -Xmx256m -cp '${toolchain.classpath}' -Dlog4j2.configurationFile='${toolchain.log4jToolsConfig}' org.apache.kafka.tools.ConfigCommand "$@"\n`,
      { mode: 0o755 },
    );
    writeFileSync(join(bin, 'samctl'), `#!/bin/sh\nexec node '${SAMCTL}' "$@"\n`, { mode: 0o755 });
    // The transport the user adapts (scp/ssh in the script); here: a local copy into the broker host's inbox.
    const inbox = join(brokerHost, 'inbox');
    writeFileSync(join(bin, 'deliver'), `#!/bin/sh\nset -e\nmkdir -p '${inbox}'\ncp "$2" "$3" '${inbox}/'\ncd '${inbox}'\nsh "$(basename "$3")"\nrm -f "$(basename "$2")" "$(basename "$3")"\n`, { mode: 0o755 });
    const recipients = join(cwd, 'recipients');
    mkdirSync(recipients, { recursive: true });
    writeFileSync(join(recipients, 'localhost.txt'), `${brokerKey.recipient}\n`);
    const before = await servedSerial();
    const env = {
      PATH: `${bin}:${process.env.PATH}`,
      SAMCTL_CA_PASSWORD: CA_PASSWORD,
      BROKER_IDS: 'localhost=1',
      BOOTSTRAP: kafka!.bootstrap,
      ADMIN_CONFIG: consoleConfig,
      RECIPIENTS_DIR: recipients,
      HOST_AGE_KEY: brokerKey.identity,
      DELIVER: join(bin, 'deliver'),
    };
    const script = new URL('../../examples/ci/renew.sh', import.meta.url).pathname;
    const result = await execa('bash', [script], { cwd, reject: false, all: true, env: { ...env, WITHIN: '400d' } });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain('renewal due: renewing');
    expect(result.all).toContain('delivering localhost.tar.age to localhost');
    expect(result.all).toContain(`reloading the keystore of localhost (node.id 1) via ${kafka!.bootstrap}: listener.name.ssl.ssl.keystore.location=${brokerSsl}/broker.keystore.jks`);
    expect(existsSync(join(inbox, 'localhost.tar.age'))).toBe(false);
    const after = await servedSerialUntil((serial) => serial !== before);
    expect(after).not.toBe(before);
    const quiet = await execa('bash', [script], { cwd, reject: false, all: true, env: { ...env, WITHIN: '30d' } });
    expect(quiet.exitCode, quiet.all).toBe(0);
    expect(quiet.all).toContain('nothing due within 30d');
  }, 400_000);

  /** The serial of the certificate the broker presents (openssl s_client with the client's PEM files). */
  async function servedSerial(): Promise<string> {
    const session = await execa(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${kafka!.ports[0]}`, '-servername', 'localhost', '-CAfile', clientPem.ca, '-cert', clientPem.cert, '-key', clientPem.key],
      { input: '', reject: false, timeout: 20_000 },
    );
    const x509 = await execa('openssl', ['x509', '-noout', '-serial'], { input: session.stdout, reject: false });
    return x509.stdout.replace(/^serial=/, '').trim().replace(/^0+/, '');
  }

  async function servedSerialUntil(accept: (serial: string) => boolean): Promise<string> {
    const deadline = Date.now() + 30_000;
    let serial = await servedSerial();
    while (!accept(serial) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      serial = await servedSerial();
    }
    return serial;
  }
});
