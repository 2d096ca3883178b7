/**
 * Who may do what, on a real Kafka 4 broker running samctl's authorizer lines (broker issue
 * --authorizer: StandardAuthorizer, deny by default, super.users, an SSL controller listener):
 * the grants of `samctl acl` let the echo service (examples/prediction-echo, confluent-kafka and
 * kafka-python) do its job and nothing else; a client without grants is refused; the refusals
 * are asserted by Kafka's error names. The printed kafka-acls.sh commands run verbatim with
 * Kafka's own AclCommand and give the set --apply gives; the admin identity works as a super user.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotTree, tempDir } from '../helpers/samctl.js';
import { alterBrokerConfig, consoleConsume, consoleProduce, requireE2E, runEcho, runShell, startKafka, writeToolScripts, type KafkaCluster } from './harness.js';
import { aclLines, createTopics, issuePki, samctlPki, show, startPkiBroker } from './setup.js';

const e2e = requireE2E();
const MESSAGES = ['sensor-1 {"t":20.5}', 'sensor-2 {"t":20.7}', 'sensor-3', 'sensor-4', 'sensor-5'];
const GROUPS = ['prediction-confluent', 'prediction-kafka-python'];
const SERVICE_GRANTS = ['--produce', 'prediction', '--consume', 'sensordata', ...GROUPS.flatMap((group) => ['--group', group])];

/** samctl acl --json's grants in the same form. */
function grantLines(grants: Array<{ resourceType: string; patternType: string; resourceName: string; principal: string; host: string; operation: string; permission: string }>): string[] {
  return grants.map((g) => `${g.resourceType} ${g.patternType} ${g.resourceName} ${g.principal} ${g.host} ${g.operation} ${g.permission}`).sort();
}

describe.skipIf(!e2e)('samctl acl on a broker with samctl\'s authorizer lines', () => {
  const pki = samctlPki(tempDir('samctl-acl-kafka-'), { dirFlag: true });
  const bin = join(pki.cwd, 'bin');
  let kafka: KafkaCluster | undefined;
  let principal = '';
  const run = pki.run;
  const acl = (...args: string[]) => run(['acl', 'prediction-service', ...args, '--bootstrap', kafka!.bootstrap, '--admin', 'ops']);

  beforeAll(async () => {
    // 127.0.0.1: the harness's controller.quorum.voters address, verified on the SSL controller listener.
    await issuePki(pki, { ca: ['--org', 'Ynformed'], broker: ['localhost', '--san', '127.0.0.1', '--authorizer'], clients: [['ops', '--admin'], ['prediction-service'], ['stranger']] });
    principal = JSON.parse((await pki.ok(['--json', 'status'])).stdout).entries.find((e: { name: string }) => e.name === 'prediction-service').subject;
    principal = `User:${principal}`;
    await writeToolScripts(bin);
    kafka = await startPkiBroker(pki, 'localhost', { controllerProtocol: 'SSL' });
    // The admin is a super user under deny-by-default: it creates the topics and feeds sensordata.
    await createTopics(kafka, ['sensordata', 'prediction'], pki.config('ops'));
    const fed = await consoleProduce(kafka.bootstrap, 'sensordata', MESSAGES, pki.config('ops'));
    expect(fed.exitCode, show('ops produces to sensordata', fed)).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await kafka?.stop();
  }, 60_000);

  it('prints kafka-acls.sh commands that change nothing; run verbatim with Kafka\'s AclCommand they give the set --apply gives', async () => {
    const before = snapshotTree(pki.dir);
    const review = await acl(...SERVICE_GRANTS);
    expect(review.exitCode, show('acl (review)', review)).toBe(0);
    expect(snapshotTree(pki.dir)).toEqual(before);
    const commands = review.stdout.split('\n').filter((line) => line.startsWith('kafka-acls.sh'));
    expect(commands, review.stdout).toHaveLength(2);
    expect(review.stdout).toContain(`--allow-principal ${principal} --producer --topic prediction`);

    // Nothing reached the broker: it holds none of the grants.
    const untouched = await acl(...SERVICE_GRANTS, '--check');
    expect(untouched.exitCode, show('--check before', untouched)).toBe(1);
    expect(untouched.stdout.match(/^ {2}missing /gm)).toHaveLength(7);

    const verbatim = await runShell(review.stdout, bin);
    expect(verbatim.exitCode, show('the printed commands, run by sh', verbatim)).toBe(0);

    const listed = await runShell(`kafka-acls.sh --bootstrap-server ${kafka!.bootstrap} --command-config ${pki.config('ops')} --list --principal '${principal}'`, bin);
    expect(listed.exitCode, show('AclCommand --list', listed)).toBe(0);
    const asked = JSON.parse((await run(['--json', 'acl', 'prediction-service', ...SERVICE_GRANTS])).stdout).grants;
    expect(aclLines(listed.stdout, { host: true })).toEqual(grantLines(asked));

    const applied = await acl(...SERVICE_GRANTS, '--apply', '--json');
    expect(applied.exitCode, show('--apply after the verbatim run', applied)).toBe(0);
    const result = JSON.parse(applied.stdout);
    expect({ added: result.added, removed: result.removed, kept: result.kept }).toEqual({ added: [], removed: [], kept: 7 });
    const checked = await acl('--check');
    expect(checked.exitCode, show('--check (the recorded ask)', checked)).toBe(0);
    expect(checked.stdout).toMatch(/holds exactly the 7 asked grants/);
    const status = await run(['status']);
    expect(status.stdout).toMatch(/prediction-service .*acl: produce prediction; consume sensordata in prediction-confluent,prediction-kafka-python/);
    expect(status.stdout).toMatch(/ops .*admin \(super user\)/);
  }, 240_000);

  it('refuses the service outside its grants and a client without grants, by Kafka\'s error names', async () => {
    const service = { bootstrap: kafka!.bootstrap, ...pki.pem('prediction-service') };
    const stranger = { bootstrap: kafka!.bootstrap, ...pki.pem('stranger') };
    const [confluentWrite, pythonWrite, confluentRead, pythonRead, confluentStranger, pythonStranger] = await Promise.all([
      // reads sensordata (granted, in its group), writes sensordata (not granted)
      runEcho({ ...service, client: 'confluent', group: GROUPS[0], outTopic: 'sensordata', maxMessages: MESSAGES.length, timeoutS: 40 }),
      runEcho({ ...service, client: 'kafka-python', group: GROUPS[1], outTopic: 'sensordata', maxMessages: MESSAGES.length, timeoutS: 40 }),
      // reads prediction (not granted)
      runEcho({ ...service, client: 'confluent', group: GROUPS[0], inTopic: 'prediction', maxMessages: 1, timeoutS: 15 }),
      runEcho({ ...service, client: 'kafka-python', group: GROUPS[1], inTopic: 'prediction', maxMessages: 1, timeoutS: 15 }),
      runEcho({ ...stranger, client: 'confluent', group: 'stranger', maxMessages: 1, timeoutS: 15 }),
      runEcho({ ...stranger, client: 'kafka-python', group: 'stranger', maxMessages: 1, timeoutS: 15 }),
    ]);
    expect(confluentWrite.exitCode, show('confluent writing sensordata', confluentWrite)).toBe(1);
    expect(confluentWrite.stderr).toMatch(/delivery failed to sensordata: .*TOPIC_AUTHORIZATION_FAILED/);
    expect(pythonWrite.exitCode, show('kafka-python writing sensordata', pythonWrite)).toBe(1);
    expect(pythonWrite.stderr).toMatch(/TopicAuthorizationFailedError/);
    expect(confluentRead.stderr, show('confluent reading prediction', confluentRead)).toMatch(/consume error: .*TOPIC_AUTHORIZATION_FAILED/);
    expect(confluentRead.exitCode).not.toBe(0);
    expect(pythonRead.stderr, show('kafka-python reading prediction', pythonRead)).toMatch(/TopicAuthorizationFailedError/);
    expect(pythonRead.exitCode).not.toBe(0);
    expect(confluentStranger.stderr, show('confluent without grants', confluentStranger)).toMatch(/(TOPIC|GROUP)_AUTHORIZATION_FAILED/);
    expect(confluentStranger.exitCode).not.toBe(0);
    expect(pythonStranger.stderr, show('kafka-python without grants', pythonStranger)).toMatch(/(Topic|Group)AuthorizationFailedError/);
    expect(pythonStranger.exitCode).not.toBe(0);

    const [javaWrite, javaStranger] = await Promise.all([
      consoleProduce(kafka!.bootstrap, 'sensordata', ['must-not-arrive'], pki.config('prediction-service'), { maxBlockMs: 15_000 }),
      consoleConsume(kafka!.bootstrap, 'sensordata', { maxMessages: 1, idleTimeoutMs: 15_000, group: 'stranger' }, pki.config('stranger')),
    ]);
    expect(javaWrite.exitCode, show('console producer to sensordata', javaWrite)).not.toBe(0);
    expect(javaWrite.stderr).toMatch(/TopicAuthorizationException/);
    expect(javaStranger.exitCode, show('console consumer without grants', javaStranger)).not.toBe(0);
    expect(javaStranger.stderr).toMatch(/(Topic|Group)AuthorizationException/);
    expect(javaStranger.lines).toEqual([]);
  }, 240_000);

  it('lets the echo service consume sensordata in its group and produce prediction (confluent-kafka, kafka-python)', async () => {
    const service = { bootstrap: kafka!.bootstrap, ...pki.pem('prediction-service'), maxMessages: MESSAGES.length, timeoutS: 90 };
    const [confluent, python] = await Promise.all([
      runEcho({ ...service, client: 'confluent', group: GROUPS[0] }),
      runEcho({ ...service, client: 'kafka-python', group: GROUPS[1] }),
    ]);
    expect(confluent.exitCode, show('echo.py with confluent-kafka', confluent)).toBe(0);
    expect(python.exitCode, show('echo.py with kafka-python', python)).toBe(0);
    const consumed = await consoleConsume(kafka!.bootstrap, 'prediction', { maxMessages: 2 * MESSAGES.length, idleTimeoutMs: 20_000 }, pki.config('ops'));
    expect(consumed.exitCode, show('ops reads prediction', consumed)).toBe(0);
    expect([...consumed.lines].sort()).toEqual([...MESSAGES, ...MESSAGES].sort());
  }, 240_000);

  it('keeps the admin working as a super user (a keystore reload) and refuses it to a client with grants', async () => {
    const keystore = { 'listener.name.ssl.ssl.keystore.location': join(pki.broker('localhost'), 'keystore.jks') };
    const [admin, service] = await Promise.all([
      alterBrokerConfig(kafka!.bootstrap, 1, keystore, pki.config('ops')),
      alterBrokerConfig(kafka!.bootstrap, 1, keystore, pki.config('prediction-service')),
    ]);
    expect(admin.exitCode, show('ops reloads the keystore', admin)).toBe(0);
    expect(service.exitCode, show('prediction-service reloads the keystore', service)).not.toBe(0);
    expect(`${service.stdout}${service.stderr}`).toMatch(/ClusterAuthorizationException/);

    // An admin issued after the broker started is not in the super.users it read at startup:
    // the broker's refusal is named, with the restart as the fix.
    const late = await pki.ok(['client', 'issue', 'late-admin', '--admin']);
    expect(late.stdout).toMatch(/Rolling restart, one broker at a time/);
    const refused = await run(['acl', 'prediction-service', ...SERVICE_GRANTS, '--check', '--bootstrap', kafka!.bootstrap, '--admin', 'late-admin']);
    expect(refused.exitCode, show('acl --check as an admin the broker does not know yet', refused)).toBe(1);
    expect(refused.stderr).toMatch(/^samctl: DescribeAcls refused by localhost:\d+: CLUSTER_AUTHORIZATION_FAILED/);
    expect(refused.stderr).toMatch(/\nhint: .*super user.*rolling restart/);
  }, 120_000);

  it('--check names a grant nobody asked for; --apply removes it; the printed commands remove what is no longer asked', async () => {
    const extra = await runShell(`kafka-acls.sh --bootstrap-server ${kafka!.bootstrap} --command-config ${pki.config('ops')} --add --allow-principal '${principal}' --operation READ --topic prediction`, bin);
    expect(extra.exitCode, show('an extra grant by hand', extra)).toBe(0);
    const drift = await acl('--check');
    expect(drift.exitCode, show('--check with an extra grant', drift)).toBe(1);
    expect(drift.stdout).toMatch(/^ {2}extra {4}ALLOW READ on topic prediction$/m);
    expect(drift.stdout).not.toMatch(/missing/);

    const converged = await acl('--apply');
    expect(converged.exitCode, show('--apply (the recorded ask)', converged)).toBe(0);
    expect(converged.stdout).toMatch(/0 added, 1 removed, 7 kept/);
    expect(converged.stdout).toMatch(/^ {2}- ALLOW READ on topic prediction$/m);
    expect((await acl('--check')).exitCode).toBe(0);

    // Producing only: the review removes the recorded consumer grants, exactly.
    const narrower = await acl('--produce', 'prediction');
    expect(narrower.exitCode, show('review of a narrower ask', narrower)).toBe(0);
    expect(narrower.stdout).toMatch(/--remove --force --allow-principal \S+ --operation READ --group prediction-confluent/);
    const ran = await runShell(narrower.stdout, bin);
    expect(ran.exitCode, show('the printed removals, run by sh', ran)).toBe(0);
    const narrowed = await acl('--produce', 'prediction', '--check');
    expect(narrowed.exitCode, show('--check of the narrower ask', narrowed)).toBe(0);
    // and back, through the Admin API
    const restored = await acl(...SERVICE_GRANTS, '--apply');
    expect(restored.stdout, show('--apply restores', restored)).toMatch(/4 added, 0 removed, 3 kept/);
  }, 240_000);
});

describe.skipIf(!e2e || process.env.SAMCTL_E2E_CLUSTER === 'off')('three brokers with samctl\'s authorizer lines replicate with each other', () => {
  const pki = samctlPki(tempDir('samctl-acl-cluster-'), { dirFlag: true });
  const bin = join(pki.cwd, 'bin');
  const hosts = ['kafka-1.sam.local', 'kafka-2.sam.local', 'kafka-3.sam.local'];
  let kafka: KafkaCluster | undefined;

  beforeAll(async () => {
    // Every node advertises localhost and votes on 127.0.0.1 here, so each certificate carries both.
    await issuePki(pki, { ca: ['--org', 'Ynformed'], broker: [...hosts, '--san', 'localhost', '--san', '127.0.0.1', '--authorizer'], clients: [['ops', '--admin'], ['prediction-service']] });
    await writeToolScripts(bin);
    kafka = await startKafka({ nodes: 3, workDir: join(pki.cwd, 'kafka'), sslSnippets: hosts.map((host) => join(pki.broker(host), 'server-ssl.properties')), controllerProtocol: 'SSL' });
  }, 400_000);

  afterAll(async () => {
    await kafka?.stop();
  }, 60_000);

  it('keeps every replica in sync (brokers are super users) and carries the echo service through rf=3 topics', async () => {
    const ops = pki.config('ops');
    await createTopics(kafka!, ['sensordata', 'prediction'], ops, 3);
    const applied = await pki.run(['acl', 'prediction-service', '--produce', 'prediction', '--consume', 'sensordata', '--group', 'prediction-echo', '--apply', '--bootstrap', kafka!.bootstrap]);
    expect(applied.exitCode, show('acl --apply (the only admin, by default)', applied)).toBe(0);
    const fed = await consoleProduce(kafka!.bootstrap, 'sensordata', MESSAGES, ops);
    expect(fed.exitCode, show('ops produces', fed)).toBe(0);
    const echoed = await runEcho({ bootstrap: kafka!.bootstrap, ...pki.pem('prediction-service'), client: 'confluent', group: 'prediction-echo', maxMessages: MESSAGES.length, timeoutS: 90 });
    expect(echoed.exitCode, show('echo.py with confluent-kafka', echoed)).toBe(0);
    const consumed = await consoleConsume(kafka!.bootstrap, 'prediction', { maxMessages: MESSAGES.length, idleTimeoutMs: 20_000 }, ops);
    expect(consumed.lines, show('ops reads prediction', consumed)).toEqual(MESSAGES);
    // Followers fetch with CLUSTER_ACTION: only super users get it under deny-by-default.
    const described = await runShell(`kafka-topics.sh --bootstrap-server ${kafka!.bootstrap} --command-config ${ops} --describe --topic 'sensordata|prediction'`, bin);
    expect(described.exitCode, show('kafka-topics --describe', described)).toBe(0);
    const isrs = [...described.stdout.matchAll(/Isr: ([\d,]+)/g)].map((match) => match[1].split(',').sort().join(','));
    expect(isrs, described.stdout).toEqual(['1,2,3', '1,2,3']);
    const logs = kafka!.logPaths.map((path) => readFileSync(path, 'utf8')).join('\n');
    expect(logs).not.toMatch(/Failed authentication with/);
    expect(logs).not.toMatch(/Principal = User:CN=kafka-\d\.sam\.local,O=Ynformed is Denied/);
  }, 300_000);
});
