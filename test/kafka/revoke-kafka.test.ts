/**
 * samctl revoke on real Kafka 4 brokers. An authorizer broker (samctl's lines, as in
 * acl-kafka.test.ts): a client with ALLOW grants works; after `samctl revoke <it> --apply` it is
 * refused by the DENY (asserted by Kafka's error name, not a timeout) while another client keeps
 * working. A second, plain broker whose own certificate is revoked: confluent-kafka with
 * ssl.crl.location = samctl's CRL refuses it ("certificate revoked"), without it connects.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samctl, samctlOk, tempDir, tool } from '../helpers/samctl.js';
import { consoleProduce, createTopic, prepareKafka, pythonCheck, requireE2E, runEcho, startKafka, type KafkaCluster, type PyResult, type ToolResult } from './harness.js';

const e2e = requireE2E();
const MESSAGES = ['m-1', 'm-2', 'm-3'];
const GRANTS = ['--consume', 'in', '--produce', 'out', '--group', 'g-', '--prefixed'];

function show(what: string, r: ToolResult | PyResult | { exitCode: number | undefined; stdout: string; stderr: string }): string {
  return `${what}: exit ${r.exitCode}\n--- stdout ---\n${r.stdout.slice(-3000)}\n--- stderr ---\n${r.stderr.slice(-3000)}`;
}

describe.skipIf(!e2e)('samctl revoke on live brokers', () => {
  const cwd = tempDir('samctl-revoke-kafka-');
  const dir = join(cwd, 'pki');
  const client = (name: string) => join(dir, 'clients', name);
  const pem = (name: string) => ({ ca: join(client(name), 'ca.crt'), cert: join(client(name), 'client.crt'), key: join(client(name), 'client.key') });
  const run = (args: string[]) => samctl(['--dir', dir, ...args], { cwd });
  const ok = (args: string[]) => samctlOk(['--dir', dir, ...args], { cwd });
  let guarded: KafkaCluster | undefined;
  let rogue: KafkaCluster | undefined;

  beforeAll(async () => {
    await prepareKafka();
    await ok(['ca', 'init', '--key-size', '2048']);
    await ok(['broker', 'issue', 'localhost', '--san', '127.0.0.1', '--authorizer']);
    // A broker whose certificate will be revoked: its own name, reachable as localhost.
    await ok(['broker', 'issue', 'rogue.localhost', '--san', 'localhost', '--san', '127.0.0.1']);
    await ok(['client', 'issue', 'ops', '--admin']);
    await ok(['client', 'issue', 'leaky', 'steady']);
    [guarded, rogue] = await Promise.all([
      startKafka({ nodes: 1, workDir: join(cwd, 'kafka-guarded'), sslSnippets: [join(dir, 'brokers', 'localhost', 'server-ssl.properties')], controllerProtocol: 'SSL' }),
      startKafka({ nodes: 1, workDir: join(cwd, 'kafka-rogue'), sslSnippets: [join(dir, 'brokers', 'rogue.localhost', 'server-ssl.properties')] }),
    ]);
    const opsConfig = join(client('ops'), 'client-ssl.properties');
    for (const topic of ['in', 'out']) {
      const created = await createTopic(guarded.bootstrap, topic, 1, 1, opsConfig);
      expect(created.exitCode, show(`ops creates ${topic}`, created)).toBe(0);
    }
    const fed = await consoleProduce(guarded.bootstrap, 'in', MESSAGES, opsConfig);
    expect(fed.exitCode, show('ops feeds in', fed)).toBe(0);
    for (const name of ['leaky', 'steady']) {
      const applied = await run(['acl', name, ...GRANTS, '--apply', '--bootstrap', guarded.bootstrap, '--admin', 'ops']);
      expect(applied.exitCode, show(`acl ${name} --apply`, applied)).toBe(0);
    }
  }, 240_000);

  afterAll(async () => {
    await Promise.all([guarded?.stop(), rogue?.stop()]);
  }, 60_000);

  const echo = (name: string, group: string) => runEcho({ bootstrap: guarded!.bootstrap, ...pem(name), client: 'confluent', group, inTopic: 'in', outTopic: 'out', maxMessages: MESSAGES.length, timeoutS: 40 });

  it('denies a revoked client every operation at once while another client keeps working', async () => {
    const [leakyBefore, steadyBefore] = await Promise.all([echo('leaky', 'g-leaky-1'), echo('steady', 'g-steady-1')]);
    expect(leakyBefore.exitCode, show('leaky before revoke', leakyBefore)).toBe(0);
    expect(steadyBefore.exitCode, show('steady before revoke', steadyBefore)).toBe(0);

    const revoked = await run(['revoke', 'leaky', '--reason', 'keyCompromise', '--apply', '--bootstrap', guarded!.bootstrap, '--admin', 'ops', '--json']);
    expect(revoked.exitCode, show('revoke --apply', revoked)).toBe(0);
    expect(JSON.parse(revoked.stdout).applied).toMatchObject({ added: 4, kept: 0 });
    // Revoking again through the cluster is refused as bad input: nothing more to do.
    const again = await run(['revoke', 'leaky', '--apply', '--bootstrap', guarded!.bootstrap, '--admin', 'ops']);
    expect(again.exitCode, show('revoke again', again)).toBe(2);

    const [leakyAfter, steadyAfter] = await Promise.all([echo('leaky', 'g-leaky-2'), echo('steady', 'g-steady-2')]);
    expect(leakyAfter.exitCode, show('leaky after revoke', leakyAfter)).not.toBe(0);
    expect(leakyAfter.timedOut).toBe(false);
    expect(leakyAfter.stderr, show('leaky after revoke', leakyAfter)).toMatch(/(TOPIC|GROUP)_AUTHORIZATION_FAILED/);
    expect(steadyAfter.exitCode, show('steady after revoke', steadyAfter)).toBe(0);

    const status = await run(['status', '--json']);
    expect(JSON.parse(status.stdout).entries.find((entry: { name: string }) => entry.name === 'leaky').state).toBe('revoked');
  }, 180_000);

  it('makes librdkafka with ssl.crl.location refuse a broker whose certificate is revoked', async () => {
    // The CRL before the broker is revoked: the control (same setting, the broker's serial not listed).
    await ok(['crl']);
    const before = join(cwd, 'crl-before.pem');
    writeFileSync(before, readFileSync(join(dir, 'ca', 'crl.pem')));
    const revoked = await run(['revoke', 'rogue.localhost', '--reason', 'keyCompromise']);
    expect(revoked.exitCode, show('revoke a broker', revoked)).toBe(0);
    expect(revoked.stderr).toMatch(/is a super user: ACLs \(DENY included\) do not bind it/);
    const crlCopy = join(client('steady'), 'crl.pem');
    expect(readFileSync(crlCopy, 'utf8')).toBe(readFileSync(join(dir, 'ca', 'crl.pem'), 'utf8'));

    // samctl's own librdkafka.properties names the identity's copy.
    const samctlConfig = join(client('steady'), 'librdkafka.properties');
    const written = readFileSync(samctlConfig, 'utf8');
    expect(written).toContain(`ssl.crl.location=${crlCopy}\n`);
    const librdkafka = written.replace(/^ssl\.crl\.location=.*\n/m, '');
    const configWith = (name: string, crl?: string) => {
      const path = join(cwd, name);
      writeFileSync(path, crl ? `${librdkafka}ssl.crl.location=${crl}\n` : librdkafka);
      return path;
    };
    const base = { bootstrap: rogue!.bootstrap, ca: pem('steady').ca, client: 'confluent' as const, timeoutS: 20 };
    const [refused, control, plain] = await Promise.all([
      pythonCheck({ ...base, librdkafkaConfig: samctlConfig }),
      pythonCheck({ ...base, librdkafkaConfig: configWith('older-crl.properties', before) }),
      pythonCheck({ ...base, librdkafkaConfig: configWith('no-crl.properties') }),
    ]);
    // librdkafka reports the failed verification without OpenSSL's reason; the control and
    // openssl below show that the reason is the revocation.
    expect(refused.exitCode, show('confluent with ssl.crl.location (current CRL)', refused)).not.toBe(0);
    expect(refused.timedOut).toBe(false);
    expect(refused.stderr).toMatch(/SSL handshake failed: .*certificate verify failed/);
    expect(control.exitCode, show('confluent with ssl.crl.location (CRL before the revocation)', control)).toBe(0);
    expect(plain.exitCode, show('confluent without ssl.crl.location', plain)).toBe(0);

    const port = rogue!.bootstrap.split(':').pop()!;
    const handshake = await tool('openssl', ['s_client', '-connect', `localhost:${port}`, '-servername', 'localhost', '-CAfile', pem('steady').ca, '-CRL', crlCopy, '-crl_check', '-verify_return_error', '-cert', pem('steady').cert, '-key', pem('steady').key], { reject: false, input: '' });
    expect(handshake.all, 'openssl s_client -crl_check against the revoked broker').toMatch(/certificate revoked/);
  }, 120_000);
});
