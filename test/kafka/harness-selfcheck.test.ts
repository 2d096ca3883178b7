/**
 * Proves the real-Kafka harness on its own, with a PKI made by hand (openssl + keytool) in a temp
 * dir: no samctl code involved. If this passes and a samctl-driven e2e test fails, the fault is in
 * what samctl wrote, not in the harness.
 *
 *   npx vitest run test/kafka/harness-selfcheck.test.ts
 *
 * Env: SAMCTL_E2E=required (fail when java/mvn/python3 are missing), SAMCTL_E2E=off (skip),
 * SAMCTL_E2E_CLUSTER=off (skip the 3-node test), SAMCTL_E2E_KEEP=1 (keep the temp dir).
 */
import { execa } from 'execa';
import { lookup } from 'node:dns/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleConsume, consoleProduce, createTopic, prepareKafka, pythonCheck, requireE2E, runEcho, startKafka, type KafkaCluster } from './harness.js';

const e2e = requireE2E();
const PASS = 'Hand-made_pki-1';
const MESSAGES = ['reading-1 {"t":20.5}', 'reading-2 {"t":20.7}', 'reading-3', 'reading-4 with spaces', 'reading-5'];

async function sh(cmd: string, args: string[], cwd: string): Promise<void> {
  const r = await execa(cmd, args, { cwd, reject: false, all: true, stdin: 'ignore' });
  if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.exitCode}):\n${r.all}`);
}

interface HandPki {
  dir: string;
  caCrt: string;
  truststore: string;
  /** one JKS keystore per broker (CN=broker-N, SAN DNS:localhost + IP:127.0.0.1, EKU serverAuth+clientAuth) */
  brokerKeystores: string[];
  clientJks: string;
  clientCrt: string;
  clientKey: string;
  /** a client signed by a CA the brokers do not trust */
  rogueJks: string;
  rogueCrt: string;
  rogueKey: string;
}

/** openssl for keys and certificates, keytool for the JKS stores: the by-hand workflow. */
async function makeHandPki(dir: string, brokers: number): Promise<HandPki> {
  const days = '2';
  const leaf = async (ca: string, name: string, subj: string, ext: string) => {
    await sh('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj], dir);
    writeFileSync(join(dir, `${name}.ext`), ext);
    await sh(
      'openssl',
      ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', days, '-sha256', '-out', `${name}.crt`, '-extfile', `${name}.ext`],
      dir,
    );
    await sh('openssl', ['pkcs12', '-export', '-in', `${name}.crt`, '-inkey', `${name}.key`, '-certfile', `${ca}.crt`, '-name', name, '-out', `${name}.p12`, '-passout', `pass:${PASS}`], dir);
    await sh(
      'keytool',
      ['-importkeystore', '-noprompt', '-srckeystore', `${name}.p12`, '-srcstoretype', 'PKCS12', '-srcstorepass', PASS,
        '-destkeystore', `${name}.jks`, '-deststoretype', 'JKS', '-deststorepass', PASS, '-destkeypass', PASS],
      dir,
    );
    return join(dir, `${name}.jks`);
  };
  const mkCa = (name: string, cn: string) =>
    sh('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', days, '-sha256',
      '-subj', `/O=samctl-selfcheck/CN=${cn}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  await mkCa('ca', 'selfcheck-ca');
  await mkCa('rogue-ca', 'rogue-ca');
  await sh('keytool', ['-importcert', '-noprompt', '-alias', 'ca', '-file', 'ca.crt', '-keystore', 'truststore.jks', '-storetype', 'JKS', '-storepass', PASS], dir);
  const brokerExt = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n';
  const clientExt = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';
  const brokerKeystores: string[] = [];
  for (let i = 1; i <= brokers; i++) brokerKeystores.push(await leaf('ca', `broker-${i}`, `/O=samctl-selfcheck/CN=broker-${i}`, brokerExt));
  const clientJks = await leaf('ca', 'client', '/O=samctl-selfcheck/CN=sensor-app', clientExt);
  const rogueJks = await leaf('rogue-ca', 'rogue', '/O=samctl-selfcheck/CN=intruder', clientExt);
  return {
    dir,
    caCrt: join(dir, 'ca.crt'),
    truststore: join(dir, 'truststore.jks'),
    brokerKeystores,
    clientJks,
    clientCrt: join(dir, 'client.crt'),
    clientKey: join(dir, 'client.key'),
    rogueJks,
    rogueCrt: join(dir, 'rogue.crt'),
    rogueKey: join(dir, 'rogue.key'),
  };
}

/** The shape samctl writes: server-ssl.properties for one broker. */
function writeServerSnippet(path: string, pki: HandPki, keystore: string, withSecurityInterBrokerProtocol: boolean): string {
  writeFileSync(
    path,
    [
      'listeners=SSL://:9092',
      ...(withSecurityInterBrokerProtocol ? ['security.inter.broker.protocol=SSL'] : []),
      'ssl.keystore.type=JKS',
      `ssl.keystore.location=${keystore}`,
      `ssl.keystore.password=${PASS}`,
      `ssl.key.password=${PASS}`,
      'ssl.truststore.type=JKS',
      `ssl.truststore.location=${pki.truststore}`,
      `ssl.truststore.password=${PASS}`,
      'ssl.client.auth=required',
      'ssl.endpoint.identification.algorithm=https',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return path;
}

function writeClientConfig(path: string, pki: HandPki, keystore: string): string {
  writeFileSync(
    path,
    [
      'security.protocol=SSL',
      'ssl.truststore.type=JKS',
      `ssl.truststore.location=${pki.truststore}`,
      `ssl.truststore.password=${PASS}`,
      'ssl.keystore.type=JKS',
      `ssl.keystore.location=${keystore}`,
      `ssl.keystore.password=${PASS}`,
      `ssl.key.password=${PASS}`,
      'ssl.endpoint.identification.algorithm=https',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return path;
}

function show(label: string, r: { exitCode: number | undefined; stdout: string; stderr: string }): string {
  return `${label}: exit ${r.exitCode}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

const tempDirs: string[] = [];
function tempDir(tag: string): string {
  const d = mkdtempSync(join(tmpdir(), `samctl-selfcheck-${tag}-`));
  tempDirs.push(d);
  return d;
}
afterAll(() => {
  if (process.env.SAMCTL_E2E_KEEP) {
    console.log(`kept: ${tempDirs.join(' ')}`);
    return;
  }
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!e2e)('harness selfcheck: single SSL broker, hand-made PKI', () => {
  let kafka: KafkaCluster | undefined;
  let pki: HandPki;
  let clientCfg: string;
  let rogueCfg: string;

  beforeAll(async () => {
    const t0 = performance.now();
    const tc = await prepareKafka();
    console.log(`prepareKafka: Kafka ${tc.kafkaVersion}, jars ${tc.timings.jarsS.toFixed(1)}s, venv ${tc.timings.venvS.toFixed(1)}s`);
    const dir = tempDir('1node');
    const t1 = performance.now();
    pki = await makeHandPki(dir, 1);
    console.log(`hand-made PKI: ${((performance.now() - t1) / 1000).toFixed(1)}s`);
    // The exact shape from the brief, including security.inter.broker.protocol=SSL: the harness
    // then leaves out inter.broker.listener.name (Kafka 4 refuses both).
    const snippet = writeServerSnippet(join(dir, 'server-ssl.properties'), pki, pki.brokerKeystores[0]!, true);
    clientCfg = writeClientConfig(join(dir, 'client-ssl.properties'), pki, pki.clientJks);
    rogueCfg = writeClientConfig(join(dir, 'rogue-ssl.properties'), pki, pki.rogueJks);
    kafka = await startKafka({ nodes: 1, workDir: join(dir, 'kafka'), sslSnippets: [snippet] });
    console.log(`broker ready in ${kafka.startSeconds.toFixed(1)}s at ${kafka.bootstrap}; beforeAll ${((performance.now() - t0) / 1000).toFixed(1)}s`);
  }, 600_000);

  afterAll(async () => {
    await kafka?.stop();
  }, 60_000);

  it('console producer → echo.py (confluent, then kafka-python) → console consumer, in order', async () => {
    const k = kafka!;
    for (const t of ['sensordata', 'prediction']) {
      const r = await createTopic(k.bootstrap, t, 1, 1, clientCfg);
      expect(r.exitCode, show(`create ${t}`, r)).toBe(0);
    }
    const p = await consoleProduce(k.bootstrap, 'sensordata', MESSAGES, clientCfg);
    expect(p.exitCode, show('produce', p)).toBe(0);

    const base = { bootstrap: k.bootstrap, ca: pki.caCrt, cert: pki.clientCrt, key: pki.clientKey, maxMessages: MESSAGES.length, timeoutS: 60 };
    const c = await runEcho({ ...base, client: 'confluent', group: 'echo-confluent' });
    expect(c.exitCode, show('echo confluent', c)).toBe(0);
    const first = await consoleConsume(k.bootstrap, 'prediction', { maxMessages: MESSAGES.length }, clientCfg);
    expect(first.exitCode, show('consume', first)).toBe(0);
    expect(first.lines).toEqual(MESSAGES);

    const kp = await runEcho({ ...base, client: 'kafka-python', group: 'echo-kafka-python' });
    expect(kp.exitCode, show('echo kafka-python', kp)).toBe(0);
    // Second read with the non-deprecated --command-config flag.
    const all = await consoleConsume(k.bootstrap, 'prediction', { maxMessages: 2 * MESSAGES.length, configFlag: 'command' }, clientCfg);
    expect(all.exitCode, show('consume all', all)).toBe(0);
    expect(all.lines).toEqual([...MESSAGES, ...MESSAGES]);
  }, 240_000);

  it('refuses a client certificate from an untrusted CA (python clients and Java tools)', async () => {
    const k = kafka!;
    for (const client of ['confluent', 'kafka-python'] as const) {
      const r = await pythonCheck({ client, bootstrap: k.bootstrap, ca: pki.caCrt, cert: pki.rogueCrt, key: pki.rogueKey, timeoutS: 10 });
      expect(r.exitCode, show(`check ${client} rogue`, r)).toBe(1);
      expect(r.stderr).toMatch(/certificate|SSL|bootstrap/i);
      const ok = await pythonCheck({ client, bootstrap: k.bootstrap, ca: pki.caCrt, cert: pki.clientCrt, key: pki.clientKey, timeoutS: 30 });
      expect(ok.exitCode, show(`check ${client}`, ok)).toBe(0);
    }
    const c = await consoleConsume(k.bootstrap, 'sensordata', { maxMessages: 1, idleTimeoutMs: 10_000 }, rogueCfg);
    expect(c.exitCode, show('consume rogue', c)).not.toBe(0);
    expect(c.lines).toEqual([]);
    const p = await consoleProduce(k.bootstrap, 'sensordata', ['x'], rogueCfg, { maxBlockMs: 10_000 });
    expect(p.exitCode, show('produce rogue', p)).not.toBe(0);
    expect(p.stderr).toMatch(/SSL|handshake|authentication/i);
  }, 240_000);

  it('verifies the broker hostname (a name missing from the SAN is refused)', async (ctx) => {
    const k = kafka!;
    const name = hostname();
    const addr = await lookup(name, { family: 4 }).catch(() => undefined);
    if (!addr || addr.address !== '127.0.0.1' || name === 'localhost') {
      ctx.skip();
      return;
    }
    const bootstrap = `${name}:${k.ports[0]}`;
    for (const client of ['confluent', 'kafka-python'] as const) {
      const r = await pythonCheck({ client, bootstrap, ca: pki.caCrt, cert: pki.clientCrt, key: pki.clientKey, timeoutS: 8 });
      expect(r.exitCode, show(`check ${client} via ${name}`, r)).toBe(1);
    }
  }, 120_000);
});

describe.skipIf(!e2e || process.env.SAMCTL_E2E_CLUSTER === 'off')('harness selfcheck: 3-node SSL cluster', () => {
  let kafka: KafkaCluster | undefined;
  let pki: HandPki;
  let clientCfg: string;

  beforeAll(async () => {
    await prepareKafka();
    const dir = tempDir('3node');
    pki = await makeHandPki(dir, 3);
    // Without security.inter.broker.protocol: the harness sets inter.broker.listener.name=SSL.
    const snippets = [1, 2, 3].map((i) =>
      writeServerSnippet(join(dir, `server-ssl-${i}.properties`), pki, pki.brokerKeystores[i - 1]!, false),
    );
    clientCfg = writeClientConfig(join(dir, 'client-ssl.properties'), pki, pki.clientJks);
    kafka = await startKafka({ nodes: 3, workDir: join(dir, 'kafka'), sslSnippets: snippets });
    console.log(`3-node cluster ready in ${kafka.startSeconds.toFixed(1)}s at ${kafka.bootstrap}`);
  }, 600_000);

  afterAll(async () => {
    await kafka?.stop();
  }, 60_000);

  it('replicates over SSL (rf=3) and echoes through the cluster', async () => {
    const k = kafka!;
    for (const t of ['sensordata', 'prediction']) {
      const r = await createTopic(k.bootstrap, t, 1, 3, clientCfg);
      expect(r.exitCode, show(`create ${t}`, r)).toBe(0);
    }
    const p = await consoleProduce(k.bootstrap, 'sensordata', MESSAGES, clientCfg);
    expect(p.exitCode, show('produce', p)).toBe(0);
    const c = await runEcho({
      client: 'confluent', group: 'echo-3', bootstrap: k.bootstrap, ca: pki.caCrt, cert: pki.clientCrt, key: pki.clientKey,
      maxMessages: MESSAGES.length, timeoutS: 90,
    });
    expect(c.exitCode, show('echo', c)).toBe(0);
    // Stop the partition's likely leader path entirely: any one node down, rf=3 data still readable.
    await k.stopNode(1);
    const r = await consoleConsume(k.bootstrap.split(',').slice(1).join(','), 'prediction', { maxMessages: MESSAGES.length, idleTimeoutMs: 30_000 }, clientCfg);
    expect(r.exitCode, show('consume with node 1 down', r)).toBe(0);
    expect(r.lines).toEqual(MESSAGES);
    await k.startNode(1);
    const again = await consoleConsume(k.bootstrap, 'prediction', { maxMessages: MESSAGES.length }, clientCfg);
    expect(again.lines).toEqual(MESSAGES);
  }, 400_000);
});
