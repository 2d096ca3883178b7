/**
 * ACLs for GSSAPI clients on a real broker with samctl's authorizer lines and a GSSAPI
 * SASL_SSL listener, with a real MIT KDC: `samctl acl <client> --apply` grants to the principal
 * the broker computes from the Kerberos name with the sasl.kerberos.principal.to.local.rules
 * samctl rendered — alice@REALM (client alice-laptop) is User:alice through the RULE,
 * etl/batch@REALM (client etl-batch) is User:etl through DEFAULT — so each produces to its
 * granted topic and is refused (TopicAuthorizationException) on another one.
 */
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samctl, samctlOk, tempDir, type RunResult } from '../helpers/samctl.js';
import { BROKER_JVM_OPTS, consoleProduce, createTopic, prepareKafka, requireE2E, startKafka, TOOL_JVM_OPTS, type KafkaCluster, type ToolResult } from '../kafka/harness.js';
import { requireKerberos, startKdc, type Kdc } from './kdc.js';

const e2e = requireE2E() && requireKerberos([]);

function show(what: string, r: ToolResult | RunResult | { exitCode?: number; stdout: string; stderr: string }): string {
  return `${what}: exit ${r.exitCode}\n--- stdout ---\n${r.stdout.slice(-2000)}\n--- stderr ---\n${r.stderr.slice(-4000)}`;
}

describe.skipIf(!e2e)('samctl acl for GSSAPI clients on an authorizer broker, with a real MIT KDC', () => {
  const cwd = tempDir('samctl-gssapi-acl-kafka-');
  const pki = join(cwd, 'pki');
  const client = (name: string, file: string) => join(pki, 'clients', name, file);
  const keytab = (name: string) => join(cwd, `${name.replace('/', '-')}.keytab`);
  let kdc: Kdc | undefined;
  let kafka: KafkaCluster | undefined;
  let toolJvm: string[] = [];

  beforeAll(async () => {
    await prepareKafka();
    const setup = await execa(fileURLToPath(new URL('setup-kerberos.sh', import.meta.url)), { reject: false, stdin: 'ignore' });
    expect(setup.exitCode, show('setup-kerberos.sh', { exitCode: setup.exitCode, stdout: String(setup.stdout), stderr: String(setup.stderr) })).toBe(0);
    kdc = await startKdc(join(cwd, 'kdc'));
    for (const principal of ['kafka/localhost', 'alice', 'etl/batch']) await kdc.addPrincipal(principal, keytab(principal));
    const realm = kdc.realm;
    await samctlOk(['ca', 'init', '--key-size', '2048', '--org', 'Ynformed'], { cwd });
    // 127.0.0.1: the harness's controller.quorum.voters address, verified on the SSL controller listener.
    await samctlOk(['broker', 'issue', 'localhost', '--san', '127.0.0.1', '--authorizer', '--sasl', 'gssapi', '--keytab', keytab('kafka/localhost'), '--kerberos-principal', `kafka/localhost@${realm}`, '--krb5-conf', kdc.krb5Conf], { cwd });
    await samctlOk(['client', 'issue', 'ops', '--admin'], { cwd });
    await samctlOk(['client', 'issue', 'alice-laptop', '--sasl', 'gssapi', '--keytab', keytab('alice'), '--kerberos-principal', `alice@${realm}`, '--krb5-conf', kdc.krb5Conf], { cwd });
    await samctlOk(['client', 'issue', 'etl-batch', '--sasl', 'gssapi', '--keytab', keytab('etl/batch'), '--kerberos-principal', `etl/batch@${realm}`, '--krb5-conf', kdc.krb5Conf], { cwd });
    const snippet = join(pki, 'brokers', 'localhost', 'server-ssl.properties');
    const kafkaOpts = /^#\s+KAFKA_OPTS=(\S+)$/m.exec(readFileSync(snippet, 'utf8'))![1]!;
    toolJvm = [...TOOL_JVM_OPTS, /KAFKA_OPTS=(\S+)/.exec(readFileSync(client('alice-laptop', 'client-sasl.properties'), 'utf8'))![1]!];
    kafka = await startKafka({ nodes: 1, workDir: join(cwd, 'kafka'), sslSnippets: [snippet], saslListener: true, controllerProtocol: 'SSL', jvmOpts: [...BROKER_JVM_OPTS, kafkaOpts] });
    for (const topic of ['chat', 'etl-out', 'secret']) {
      const created = await createTopic(kafka.bootstrap, topic, 1, 1, client('ops', 'client-ssl.properties'));
      expect(created.exitCode, show(`create ${topic}`, created)).toBe(0);
    }
  }, 300_000);

  afterAll(async () => {
    await kafka?.stop();
    await kdc?.stop();
  }, 60_000);

  const produce = (name: string, topic: string) => consoleProduce(kafka!.saslBootstrap!, topic, [`from ${name}`], client(name, 'client-sasl.properties'), { jvmOpts: toolJvm, maxBlockMs: 15_000 });

  it.each([
    ['alice-laptop', 'User:alice', 'chat'],
    ['etl-batch', 'User:etl', 'etl-out'],
  ])('%s: acl --apply grants %s; it produces to %s and is refused on another topic', async (name, principal, topic) => {
    const status = JSON.parse((await samctlOk(['status', '--json'], { cwd })).stdout);
    expect(status.entries.find((entry: { name: string }) => entry.name === name).principal).toBe(principal);
    const before = await produce(name, topic);
    expect(before.exitCode, show('produce before acl', before)).not.toBe(0);
    expect(before.stderr).toMatch(/TopicAuthorizationException/);

    const applied = await samctl(['acl', name, '--produce', topic, '--apply', '--bootstrap', kafka!.bootstrap, '--admin', 'ops', '--json'], { cwd });
    expect(applied.exitCode, show('acl --apply', applied)).toBe(0);
    expect(JSON.parse(applied.stdout).principal).toBe(principal);
    const sent = await produce(name, topic);
    expect(sent.exitCode, show(`${name} produces to ${topic}`, sent)).toBe(0);
    const refused = await produce(name, 'secret');
    expect(refused.exitCode, show(`${name} produces to secret`, refused)).not.toBe(0);
    expect(refused.stderr).toMatch(/TopicAuthorizationException/);
  }, 180_000);
});
