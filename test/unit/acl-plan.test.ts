import { describe, expect, it } from 'vitest';
import { aclCommands, bindingsFor, describeAsk, describeBinding, diffBindings, parseAclAsk, shellLine, topicNameProblem, type AclBinding } from '../../src/kafka/acl-plan.js';
import { superUsersValue } from '../../src/render/authorizer.js';
import { refusal } from '../helpers/refusal.js';

const P = 'User:CN=prediction-service,O=Ynformed';
const ECHO = { produce: ['prediction'], consume: ['sensordata'], groups: ['prediction-echo'], transactionalIds: [], prefixed: false };
const short = (bindings: AclBinding[]) => bindings.map((b) => `${b.permission} ${b.operation} ${b.resourceType}:${b.patternType}:${b.resourceName} ${b.principal} ${b.host}`);

describe('bindingsFor: the grants of an ask, as kafka-acls.sh --producer / --consumer make them', () => {
  it('a producer gets WRITE, DESCRIBE, CREATE on the topic; a consumer READ, DESCRIBE on the topic and READ on the group', () => {
    expect(short(bindingsFor(P, parseAclAsk(ECHO)))).toEqual([
      `ALLOW READ GROUP:LITERAL:prediction-echo ${P} *`,
      `ALLOW CREATE TOPIC:LITERAL:prediction ${P} *`,
      `ALLOW DESCRIBE TOPIC:LITERAL:prediction ${P} *`,
      `ALLOW WRITE TOPIC:LITERAL:prediction ${P} *`,
      `ALLOW DESCRIBE TOPIC:LITERAL:sensordata ${P} *`,
      `ALLOW READ TOPIC:LITERAL:sensordata ${P} *`,
    ]);
  });

  it('transactional ids get WRITE, DESCRIBE; --prefixed makes every pattern PREFIXED; no IDEMPOTENT_WRITE on the cluster', () => {
    const grants = short(bindingsFor(P, parseAclAsk({ produce: ['ingest.'], consume: [], groups: [], transactionalIds: ['ingest-tx-'], prefixed: true })));
    expect(grants).toEqual([
      `ALLOW CREATE TOPIC:PREFIXED:ingest. ${P} *`,
      `ALLOW DESCRIBE TOPIC:PREFIXED:ingest. ${P} *`,
      `ALLOW WRITE TOPIC:PREFIXED:ingest. ${P} *`,
      `ALLOW DESCRIBE TRANSACTIONAL_ID:PREFIXED:ingest-tx- ${P} *`,
      `ALLOW WRITE TRANSACTIONAL_ID:PREFIXED:ingest-tx- ${P} *`,
    ]);
    expect(grants.join('\n')).not.toMatch(/CLUSTER|IDEMPOTENT/);
  });

  it('producing and consuming one topic gives DESCRIBE once', () => {
    const grants = short(bindingsFor(P, parseAclAsk({ produce: ['t', 't'], consume: ['t'], groups: ['g'], transactionalIds: [], prefixed: false })));
    expect(grants.filter((line) => line.includes('DESCRIBE TOPIC'))).toHaveLength(1);
    expect(grants).toHaveLength(5);
  });
});

describe('parseAclAsk: names Kafka would refuse, and asks that make no sense', () => {
  it.each([
    ['', /is empty/],
    ['.', /"\." or "\.\."/],
    ['..', /"\." or "\.\."/],
    ['a'.repeat(250), /250 characters long \(at most 249\)/],
    ['with space', /only ASCII letters/],
    ['sensor/data', /only ASCII letters/],
    ['sensör', /only ASCII letters/],
    ['*', /only ASCII letters/],
  ])('refuses topic %j', (topic, why) => {
    const { message, exitCode } = refusal(() => parseAclAsk({ ...ECHO, produce: [topic] }));
    expect(exitCode).toBe(2);
    expect(message).toMatch(why);
    expect(message).toMatch(/^invalid --produce "/);
  });

  it('accepts every legal topic character and 249 characters', () => {
    expect(topicNameProblem('a.B_c-9')).toBeUndefined();
    expect(topicNameProblem('x'.repeat(249))).toBeUndefined();
    expect(topicNameProblem('...')).toBeUndefined();
  });

  it('--consume without --group, --group without --consume, a wildcard group', () => {
    expect(refusal(() => parseAclAsk({ ...ECHO, groups: [] })).message).toMatch(/--consume needs --group/);
    expect(refusal(() => parseAclAsk({ ...ECHO, consume: [] })).message).toMatch(/--group without --consume/);
    expect(refusal(() => parseAclAsk({ ...ECHO, groups: ['*'] })).message).toMatch(/invalid --group "\*": "\*" is the wildcard/);
    expect(refusal(() => parseAclAsk({ ...ECHO, transactionalIds: [' tx'] })).message).toMatch(/invalid --transactional-id " tx": it starts or ends with a space/);
  });
});

describe('diffBindings: what changes for the principal to hold exactly the ask', () => {
  const asked = bindingsFor(P, parseAclAsk(ECHO));
  const other = { ...asked[0], principal: 'User:CN=other,O=Ynformed' };
  const extra = { ...asked[0], resourceType: 'TOPIC', resourceName: 'prediction', operation: 'READ' };
  const deny = { ...asked[0], permission: 'DENY', operation: 'ALL', resourceType: 'TOPIC', resourceName: '*' };
  const fromHost = { ...asked[1], host: '10.0.0.9' };

  it('adds the missing, removes ALLOW entries no longer asked (also from another host), keeps DENY and other principals', () => {
    const diff = diffBindings(P, asked, [...asked.slice(2), other, extra, deny, fromHost]);
    expect(short(diff.add)).toEqual(short(asked.slice(0, 2)));
    expect(short(diff.remove)).toEqual(short([extra, fromHost]));
    expect(short(diff.denies)).toEqual(short([deny]));
  });

  it('is empty when the broker holds exactly the ask', () => {
    const diff = diffBindings(P, asked, [...asked].reverse());
    expect(diff.add).toEqual([]);
    expect(diff.remove).toEqual([]);
  });
});

describe('aclCommands: the kafka-acls.sh face', () => {
  const target = { bootstrap: 'sam01.ynformed.nl:9092', commandConfig: '/ssl/client-ssl.properties' };
  const base = 'kafka-acls.sh --bootstrap-server sam01.ynformed.nl:9092 --command-config /ssl/client-ssl.properties';

  it('one --producer and one --consumer command', () => {
    expect(aclCommands(P, parseAclAsk({ ...ECHO, groups: ['g1', 'g2'] }), target).map((action) => action.command)).toEqual([
      `${base} --add --allow-principal ${P} --producer --topic prediction`,
      `${base} --add --allow-principal ${P} --consumer --topic sensordata --group g1 --group g2`,
    ]);
  });

  it('exact --remove commands per resource first, with the pattern type; prefixes and transactional ids', () => {
    const ask = parseAclAsk({ produce: ['ingest.'], consume: [], groups: [], transactionalIds: ['tx-'], prefixed: true });
    const removals = diffBindings(P, bindingsFor(P, ask), bindingsFor(P, parseAclAsk({ ...ECHO, prefixed: true }))).remove;
    expect(aclCommands(P, ask, target, removals).map((action) => action.command)).toEqual([
      `${base} --remove --force --allow-principal ${P} --operation READ --group prediction-echo --resource-pattern-type prefixed`,
      `${base} --remove --force --allow-principal ${P} --operation CREATE --operation DESCRIBE --operation WRITE --topic prediction --resource-pattern-type prefixed`,
      `${base} --remove --force --allow-principal ${P} --operation DESCRIBE --operation READ --topic sensordata --resource-pattern-type prefixed`,
      `${base} --add --allow-principal ${P} --producer --topic ingest. --transactional-id tx- --resource-pattern-type prefixed`,
    ]);
  });

  it('quotes what a shell would read otherwise', () => {
    expect(shellLine(['--allow-principal', "User:CN=Jane O'Neil\\, Jr.,O=Ynformed", '--group', 'a b', '--topic', 'ok.name'])).toBe(
      `--allow-principal 'User:CN=Jane O'\\''Neil\\, Jr.,O=Ynformed' --group 'a b' --topic ok.name`,
    );
  });

  it('describes grants and asks in words', () => {
    expect(describeBinding({ resourceType: 'TRANSACTIONAL_ID', resourceName: 'tx-', patternType: 'PREFIXED', principal: P, host: '*', operation: 'WRITE', permission: 'ALLOW' })).toBe(
      'ALLOW WRITE on transactional-id tx- (prefixed)',
    );
    expect(describeAsk(parseAclAsk({ ...ECHO, transactionalIds: ['tx'] }))).toBe('produce prediction; consume sensordata in prediction-echo; transactional-id tx');
  });
});

describe('superUsersValue: the super.users line', () => {
  it('joins with ";", keeps the principal readable, escapes backslashes and non-ASCII for ISO-8859-1', () => {
    expect(superUsersValue(['User:CN=sam01.ynformed.nl,O=Ynformed', 'User:CN=ops\\,eu,O=Ynformed', 'User:CN=Müller,O=Ynformed'])).toBe(
      'User:CN=sam01.ynformed.nl,O=Ynformed;User:CN=ops\\\\,eu,O=Ynformed;User:CN=M\\u00fcller,O=Ynformed',
    );
  });

  it('refuses a principal with ";": Kafka would cut it in two', () => {
    expect(refusal(() => superUsersValue(['User:CN=a\\;b,O=Ynformed'])).message).toMatch(/contains ';'/);
  });
});
