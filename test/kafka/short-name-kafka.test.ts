/**
 * A short-name ssl.principal.mapping.rules end to end on a real Kafka 4 broker with samctl's
 * authorizer lines: `ca init --principal-rules` maps every DN (the broker's, the admin's, the
 * echo service's) to its upper-cased CN, so super.users, the controller listener, the ACLs of
 * `samctl acl --apply` and the DENY of `samctl revoke` all name the short principals. That the
 * broker lets the echo service do exactly what the ACLs on the printed principal allow is the
 * proof that samctl's principal is the broker's: one letter off and every request is refused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotTree, tempDir } from '../helpers/samctl.js';
import { consoleConsume, consoleProduce, requireE2E, runEcho, runShell, writeToolScripts, type KafkaCluster } from './harness.js';
import { aclLines, createTopics, issuePki, samctlPki, show, startPkiBroker } from './setup.js';

const e2e = requireE2E();
// /U: the principal differs from the CN it came from, so a principal computed without the rule (or without /U) names nobody.
const RULES = 'RULE:^CN=([^,]+),O=Ynformed$/$1/U,DEFAULT';
const MESSAGES = ['s-1', 's-2', 's-3', 's-4'];
// The third group is for the run that reads sensordata and may not write it back: its offsets leave the others' alone.
const GROUPS = ['echo-confluent', 'echo-kafka-python', 'echo-probe'];
const GRANTS = ['--produce', 'prediction', '--consume', 'sensordata', ...GROUPS.flatMap((group) => ['--group', group])];

describe.skipIf(!e2e)('a short-name principal mapping rule on a broker with samctl\'s authorizer lines', () => {
  const pki = samctlPki(tempDir('samctl-short-name-kafka-'), { dirFlag: true });
  const { cwd, dir, pem, run, ok } = pki;
  const bin = join(cwd, 'bin');
  const opsConfig = () => pki.config('ops');
  let kafka: KafkaCluster | undefined;
  const principals: Record<string, string> = {};

  beforeAll(async () => {
    await issuePki(pki, {
      ca: ['--org', 'Ynformed', '--principal-rules', RULES],
      broker: ['localhost', '--san', '127.0.0.1', '--authorizer'],
      clients: [['ops', '--admin'], ['prediction-service', 'stranger']],
    });
    for (const entry of JSON.parse((await ok(['--json', 'status'])).stdout).entries as Array<{ name: string; principal?: string }>) {
      if (entry.principal) principals[entry.name] = entry.principal;
    }
    await writeToolScripts(bin);
    kafka = await startPkiBroker(pki, 'localhost', { controllerProtocol: 'SSL' });
  }, 300_000);

  afterAll(async () => {
    await kafka?.stop();
  }, 60_000);

  it('prints the short principals and puts the broker\'s and the admin\'s, mapped, into super.users', () => {
    expect(principals).toEqual({ localhost: 'User:LOCALHOST', ops: 'User:OPS', 'prediction-service': 'User:PREDICTION-SERVICE', stranger: 'User:STRANGER' });
    const snippet = readFileSync(join(dir, 'brokers', 'localhost', 'server-ssl.properties'), 'utf8');
    expect(snippet).toContain(`ssl.principal.mapping.rules=${RULES}\n`);
    expect(snippet).toMatch(/^super\.users=User:LOCALHOST;User:OPS$/m);
  });

  it('runs the cluster on the mapped super users: the SSL controller listener and the admin work under deny-by-default', async () => {
    // The broker registered with its controller over SSL as User:LOCALHOST (else it would not serve); the admin creates and feeds.
    await createTopics(kafka!, ['sensordata', 'prediction'], opsConfig());
    const fed = await consoleProduce(kafka!.bootstrap, 'sensordata', MESSAGES, opsConfig());
    expect(fed.exitCode, show('ops produces to sensordata', fed)).toBe(0);
  }, 120_000);

  it('applies the ACLs on the short principal; DescribeAcls shows that principal', async () => {
    const applied = await run(['acl', 'prediction-service', ...GRANTS, '--apply', '--bootstrap', kafka!.bootstrap, '--admin', 'ops', '--json']);
    expect(applied.exitCode, show('acl --apply', applied)).toBe(0);
    expect(JSON.parse(applied.stdout).added).toHaveLength(8);
    const listed = await runShell(`kafka-acls.sh --bootstrap-server ${kafka!.bootstrap} --command-config ${opsConfig()} --list`, bin);
    expect(listed.exitCode, show('AclCommand --list', listed)).toBe(0);
    expect(aclLines(listed.stdout, { host: false })).toEqual(
      [
        'TOPIC LITERAL prediction User:PREDICTION-SERVICE WRITE ALLOW',
        'TOPIC LITERAL prediction User:PREDICTION-SERVICE DESCRIBE ALLOW',
        'TOPIC LITERAL prediction User:PREDICTION-SERVICE CREATE ALLOW',
        'TOPIC LITERAL sensordata User:PREDICTION-SERVICE READ ALLOW',
        'TOPIC LITERAL sensordata User:PREDICTION-SERVICE DESCRIBE ALLOW',
        ...GROUPS.map((group) => `GROUP LITERAL ${group} User:PREDICTION-SERVICE READ ALLOW`),
      ].sort(),
    );
    const checked = await run(['acl', 'prediction-service', '--check', '--bootstrap', kafka!.bootstrap, '--admin', 'ops']);
    expect(checked.exitCode, show('acl --check', checked)).toBe(0);
  }, 120_000);

  it('lets the echo service do what its ACLs allow and refuses it and a client without grants elsewhere, by error code', async () => {
    const service = { bootstrap: kafka!.bootstrap, ...pem('prediction-service') };
    const [confluent, python] = await Promise.all([
      runEcho({ ...service, client: 'confluent', group: GROUPS[0], maxMessages: MESSAGES.length, timeoutS: 90 }),
      runEcho({ ...service, client: 'kafka-python', group: GROUPS[1], maxMessages: MESSAGES.length, timeoutS: 90 }),
    ]);
    expect(confluent.exitCode, show('echo.py with confluent-kafka', confluent)).toBe(0);
    expect(python.exitCode, show('echo.py with kafka-python', python)).toBe(0);
    const [wrongTopic, readPrediction, stranger] = await Promise.all([
      runEcho({ ...service, client: 'confluent', group: GROUPS[2], outTopic: 'sensordata', maxMessages: 1, timeoutS: 40 }),
      runEcho({ ...service, client: 'kafka-python', group: GROUPS[1], inTopic: 'prediction', maxMessages: 1, timeoutS: 20 }),
      runEcho({ bootstrap: kafka!.bootstrap, ...pem('stranger'), client: 'confluent', group: 'stranger', maxMessages: 1, timeoutS: 20 }),
    ]);
    expect(wrongTopic.exitCode, show('confluent writing sensordata', wrongTopic)).toBe(1);
    expect(wrongTopic.stderr).toMatch(/delivery failed to sensordata: .*TOPIC_AUTHORIZATION_FAILED/);
    expect(readPrediction.exitCode, show('kafka-python reading prediction', readPrediction)).not.toBe(0);
    expect(readPrediction.stderr).toMatch(/TopicAuthorizationFailedError/);
    expect(stranger.exitCode, show('confluent without grants', stranger)).not.toBe(0);
    expect(stranger.stderr).toMatch(/(TOPIC|GROUP)_AUTHORIZATION_FAILED/);
    const consumed = await consoleConsume(kafka!.bootstrap, 'prediction', { maxMessages: 2 * MESSAGES.length, idleTimeoutMs: 20_000 }, opsConfig());
    expect(consumed.exitCode, show('ops reads prediction', consumed)).toBe(0);
    expect([...consumed.lines].sort()).toEqual([...MESSAGES, ...MESSAGES].sort());
  }, 240_000);

  it('refuses bad input against the live broker with one line and exit 2, applying nothing', async () => {
    const listAll = () => runShell(`kafka-acls.sh --bootstrap-server ${kafka!.bootstrap} --command-config ${opsConfig()} --list`, bin);
    const held = await listAll();
    expect(held.exitCode, show('AclCommand --list before', held)).toBe(0);
    const before = snapshotTree(dir);
    const live = ['--apply', '--bootstrap', kafka!.bootstrap, '--admin', 'ops'];
    const cases: Array<[string[], RegExp]> = [
      [['principal-rules', 'RULE:^CN=([^,]+,.*$/$1/'], /^samctl: invalid principal rule "RULE:\^CN=\(\[\^,\]\+,\.\*\$\/\$1\/": not a valid Java regex/],
      [['acl', 'nobody', '--produce', 'prediction', ...live], /^samctl: no client named nobody/],
      [['acl', 'prediction-service', '--consume', 'sensordata', ...live], /^samctl: --consume needs --group/],
      [['acl', 'prediction-service', '--produce', 'sensor:data', ...live], /^samctl: invalid --produce "sensor:data": /],
    ];
    for (const [args, message] of cases) {
      const refused = await run(args);
      expect(refused.exitCode, show(args.join(' '), refused)).toBe(2);
      expect(refused.stderr).toMatch(message);
      const lines = refused.stderr.trimEnd().split('\n');
      expect(lines.length, refused.stderr).toBeLessThanOrEqual(2);
      if (lines.length === 2) expect(lines[1]).toMatch(/^hint: /);
      expect(refused.stdout).toBe('');
    }
    expect(snapshotTree(dir)).toEqual(before);
    const after = await listAll();
    expect(aclLines(after.stdout, { host: false })).toEqual(aclLines(held.stdout, { host: false }));
  }, 120_000);

  it('revokes on the short principal: the DENY binds the service on its next request', async () => {
    const revoked = await run(['revoke', 'prediction-service', '--apply', '--bootstrap', kafka!.bootstrap, '--admin', 'ops', '--json']);
    expect(revoked.exitCode, show('revoke --apply', revoked)).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ principal: 'User:PREDICTION-SERVICE', applied: { added: 4 } });
    const denied = await runEcho({ bootstrap: kafka!.bootstrap, ...pem('prediction-service'), client: 'confluent', group: GROUPS[0], maxMessages: 1, timeoutS: 30 });
    expect(denied.exitCode, show('echo after revoke', denied)).not.toBe(0);
    expect(denied.timedOut).toBe(false);
    expect(denied.stderr).toMatch(/(TOPIC|GROUP)_AUTHORIZATION_FAILED/);
  }, 120_000);
});
