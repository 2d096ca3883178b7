/**
 * ACLs for GSSAPI clients on a real broker with samctl's authorizer lines and a GSSAPI
 * SASL_SSL listener, with a real MIT KDC: `samctl acl <client> --apply` grants to the principal
 * the broker computes from the Kerberos name with the sasl.kerberos.principal.to.local.rules
 * samctl rendered — alice@REALM (client alice-laptop) is User:alice through the RULE,
 * etl/batch@REALM (client etl-batch) is User:etl through DEFAULT — so each produces to its
 * granted topic and is refused (TopicAuthorizationException) on another one.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samctl, samctlOk, tempDir } from '../helpers/samctl.js';
import { consoleProduce, prepareKafka, requireE2E, type KafkaCluster } from '../kafka/harness.js';
import { createTopics, show } from '../kafka/setup.js';
import { gssapiFlags, startGssapiBroker, startKdcWith, toolJvmFor } from './gssapi-setup.js';
import { requireKerberos, type Kdc } from './kdc.js';

const e2e = requireE2E() && requireKerberos([]);

describe.skipIf(!e2e)('samctl acl for GSSAPI clients on an authorizer broker, with a real MIT KDC', () => {
  const cwd = tempDir('samctl-gssapi-acl-kafka-');
  const pki = join(cwd, 'pki');
  const client = (name: string, file: string) => join(pki, 'clients', name, file);
  let kdc: Kdc | undefined;
  let kafka: KafkaCluster | undefined;
  let toolJvm: string[] = [];

  beforeAll(async () => {
    await prepareKafka();
    kdc = await startKdcWith(cwd, ['kafka/localhost', 'alice', 'etl/batch']);
    await samctlOk(['ca', 'init', '--key-size', '2048', '--org', 'Ynformed'], { cwd });
    // 127.0.0.1: the harness's controller.quorum.voters address, verified on the SSL controller listener.
    await samctlOk(['broker', 'issue', 'localhost', '--san', '127.0.0.1', '--authorizer', ...gssapiFlags(kdc, cwd, 'kafka/localhost')], { cwd });
    await samctlOk(['client', 'issue', 'ops', '--admin'], { cwd });
    await samctlOk(['client', 'issue', 'alice-laptop', ...gssapiFlags(kdc, cwd, 'alice')], { cwd });
    await samctlOk(['client', 'issue', 'etl-batch', ...gssapiFlags(kdc, cwd, 'etl/batch')], { cwd });
    toolJvm = toolJvmFor(client('alice-laptop', 'client-sasl.properties'));
    kafka = await startGssapiBroker(cwd, join(pki, 'brokers', 'localhost', 'server-ssl.properties'), { controllerProtocol: 'SSL' });
    await createTopics(kafka, ['chat', 'etl-out', 'secret'], client('ops', 'client-ssl.properties'));
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
