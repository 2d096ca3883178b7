import { usageError } from '../errors.js';
import type { AclAsk } from '../store/inventory.js';
import type { KafkaAction } from './actions.js';

/**
 * What a client may do, planned without a broker: the grants an ask stands for (with
 * kafka-acls.sh's --producer / --consumer semantics), the difference to what a broker holds,
 * and the kafka-acls.sh command lines a reviewer can paste. kafka/acls.ts talks to the broker.
 */

/** One ACL as Kafka keeps it (AclBinding: a resource pattern and an access control entry). */
export interface AclBinding {
  /** TOPIC, GROUP, TRANSACTIONAL_ID, CLUSTER … (Kafka's ResourceType names). */
  resourceType: string;
  resourceName: string;
  /** LITERAL or PREFIXED. */
  patternType: string;
  principal: string;
  host: string;
  /** READ, WRITE, CREATE, DESCRIBE … (Kafka's AclOperation names). */
  operation: string;
  /** ALLOW or DENY. */
  permission: string;
}

export interface AclAskInput {
  produce: string[];
  consume: string[];
  groups: string[];
  transactionalIds: string[];
  prefixed: boolean;
}

/**
 * kafka-acls.sh's --producer and --consumer (org.apache.kafka.tools.AclCommand, Kafka 4.x):
 * a producer gets WRITE, DESCRIBE, CREATE on its topics and WRITE, DESCRIBE on its
 * transactional ids; a consumer READ, DESCRIBE on its topics and READ on its groups.
 * IDEMPOTENT_WRITE on the cluster comes only with --idempotent, which samctl does not ask:
 * since Kafka 2.8 WRITE on a topic implies it for idempotent producers (KIP-679).
 */
const PRODUCER_TOPIC = ['WRITE', 'DESCRIBE', 'CREATE'];
const PRODUCER_TRANSACTIONAL_ID = ['WRITE', 'DESCRIBE'];
const CONSUMER_TOPIC = ['READ', 'DESCRIBE'];
const CONSUMER_GROUP = ['READ'];

const MAX_TOPIC_NAME = 249;

/** Why Kafka would refuse a topic name (org.apache.kafka.common.internals.Topic.validate), or undefined. */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name === '.' || name === '..') return 'Kafka does not allow "." or ".." as a topic name';
  if (name.length > MAX_TOPIC_NAME) return `it is ${name.length} characters long (at most ${MAX_TOPIC_NAME})`;
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) return 'a topic name holds only ASCII letters, digits, ".", "_" and "-"';
  return undefined;
}

/** Group and transactional ids may hold any character in Kafka; these would surprise in an ACL. */
function idProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > 255) return `it is ${name.length} characters long (at most 255)`;
  if (/[\x00-\x1f\x7f]/.test(name)) return 'it contains control characters';
  if (name === '*') return '"*" is the wildcard for every resource of its kind, not a name';
  if (name !== name.trim()) return 'it starts or ends with a space (kafka-acls.sh trims them away)';
  return undefined;
}

/** The ask, validated and without duplicates; a usage error names the first bad value. */
export function parseAclAsk(input: AclAskInput): AclAsk {
  const check = (flag: string, problem: (name: string) => string | undefined, hint: string) => (names: string[]) => {
    for (const name of names) {
      const why = problem(name);
      if (why) throw usageError(`invalid ${flag} "${printable(name)}": ${why}`, hint);
    }
    return [...new Set(names)];
  };
  const topicHint = input.prefixed ? 'with --prefixed each name is a prefix, e.g. --produce sensor.' : 'for example: --produce prediction --consume sensordata';
  const ask: AclAsk = {
    produce: check('--produce', topicNameProblem, topicHint)(input.produce),
    consume: check('--consume', topicNameProblem, topicHint)(input.consume),
    groups: check('--group', idProblem, 'for example: --consume sensordata --group prediction-echo')(input.groups),
    transactionalIds: check('--transactional-id', idProblem, 'for example: --transactional-id prediction-echo-tx')(input.transactionalIds),
    prefixed: input.prefixed,
  };
  if (ask.consume.length > 0 && ask.groups.length === 0) {
    throw usageError('--consume needs --group: a consumer reads in a consumer group, and the group needs READ too', `for example: --consume ${ask.consume[0]} --group ${ask.consume[0]}-readers`);
  }
  if (ask.groups.length > 0 && ask.consume.length === 0) throw usageError('--group without --consume: a group is granted to consume a topic', 'name the topic it reads: --consume <topic> --group <group>');
  return ask;
}

export function isEmptyAsk(ask: AclAsk): boolean {
  return ask.produce.length + ask.consume.length + ask.transactionalIds.length === 0;
}

/** The grants an ask stands for, for one principal, in a stable order. */
export function bindingsFor(principal: string, ask: AclAsk): AclBinding[] {
  const patternType = ask.prefixed ? 'PREFIXED' : 'LITERAL';
  const grant = (resourceType: string, names: string[], operations: string[]) =>
    names.flatMap((resourceName) => operations.map((operation) => ({ resourceType, resourceName, patternType, principal, host: '*', operation, permission: 'ALLOW' })));
  return sortBindings(
    uniqueBindings([
      ...grant('TOPIC', ask.produce, PRODUCER_TOPIC),
      ...grant('TRANSACTIONAL_ID', ask.transactionalIds, PRODUCER_TRANSACTIONAL_ID),
      ...grant('TOPIC', ask.consume, CONSUMER_TOPIC),
      ...grant('GROUP', ask.groups, CONSUMER_GROUP),
    ]),
  );
}

export function bindingKey(binding: AclBinding): string {
  return [binding.resourceType, binding.patternType, binding.resourceName, binding.principal, binding.host, binding.operation, binding.permission].join('\u0000');
}

export interface AclDiff {
  /** Asked and not held. */
  add: AclBinding[];
  /** Held (ALLOW, this principal) and no longer asked. */
  remove: AclBinding[];
  /** DENY entries of this principal: not samctl acl's to remove (samctl revoke adds them). */
  denies: AclBinding[];
}

/**
 * What has to change for a principal to hold exactly the asked grants. Only ALLOW entries are
 * compared: a DENY for the principal stays as it is (DENY wins in Kafka's authorizer).
 */
export function diffBindings(principal: string, asked: AclBinding[], held: AclBinding[]): AclDiff {
  const mine = held.filter((binding) => binding.principal === principal);
  const allows = mine.filter((binding) => binding.permission === 'ALLOW');
  const heldKeys = new Set(allows.map(bindingKey));
  const askedKeys = new Set(asked.map(bindingKey));
  return {
    add: asked.filter((binding) => !heldKeys.has(bindingKey(binding))),
    remove: sortBindings(uniqueBindings(allows.filter((binding) => !askedKeys.has(bindingKey(binding))))),
    denies: sortBindings(mine.filter((binding) => binding.permission !== 'ALLOW')),
  };
}

/** `ALLOW WRITE on topic prediction`, with the pattern and host when they are not the usual. */
export function describeBinding(binding: AclBinding): string {
  const pattern = binding.patternType === 'LITERAL' ? '' : ` (${binding.patternType.toLowerCase()})`;
  const host = binding.host === '*' ? '' : ` from host ${binding.host}`;
  return `${binding.permission} ${binding.operation} on ${binding.resourceType.toLowerCase().replace('_', '-')} ${binding.resourceName}${pattern}${host}`;
}

/** One line for status: `produce prediction; consume sensordata in prediction-echo`. */
export function describeAsk(ask: AclAsk): string {
  const parts = [
    ask.produce.length > 0 && `produce ${ask.produce.join(',')}`,
    ask.consume.length > 0 && `consume ${ask.consume.join(',')} in ${ask.groups.join(',')}`,
    ask.transactionalIds.length > 0 && `transactional-id ${ask.transactionalIds.join(',')}`,
  ].filter(Boolean);
  return `${parts.join('; ')}${ask.prefixed ? ' (prefixes)' : ''}`;
}

export interface AclCommandTarget {
  /** --bootstrap-server value. */
  bootstrap: string;
  /** --command-config: the admin's client-ssl.properties. */
  commandConfig: string;
}

/**
 * The kafka-acls.sh commands that give the principal the asked grants: the producer and the
 * consumer convenience forms (run against a cluster they add what is missing and report
 * "already exists" for the rest), preceded by exact --remove commands for `removals`.
 */
export function aclCommands(principal: string, ask: AclAsk, target: AclCommandTarget, removals: AclBinding[] = []): KafkaAction[] {
  const base = ['kafka-acls.sh', '--bootstrap-server', target.bootstrap, '--command-config', target.commandConfig];
  const pattern = ask.prefixed ? ['--resource-pattern-type', 'prefixed'] : [];
  const removes: KafkaAction[] = [];
  // One --remove per resource pattern: the operations listed are removed from that resource only.
  const byResource = new Map<string, AclBinding[]>();
  for (const binding of removals) {
    const key = [binding.resourceType, binding.patternType, binding.resourceName, binding.host].join('\u0000');
    byResource.set(key, [...(byResource.get(key) ?? []), binding]);
  }
  for (const bindings of byResource.values()) {
    const [first] = bindings;
    const flag = RESOURCE_FLAG[first.resourceType];
    if (!flag) continue;
    removes.push({
      summary: `remove ${bindings.map(describeBinding).join(', ')}`,
      command: shellLine([
        ...base,
        '--remove',
        '--force',
        '--allow-principal',
        principal,
        ...(first.host === '*' ? [] : ['--allow-host', first.host]),
        ...bindings.flatMap((binding) => ['--operation', binding.operation]),
        ...(flag === '--cluster' ? [flag] : [flag, first.resourceName]),
        ...(first.patternType === 'LITERAL' ? [] : ['--resource-pattern-type', first.patternType.toLowerCase()]),
      ]),
    });
  }
  const adds: KafkaAction[] = [];
  if (ask.produce.length + ask.transactionalIds.length > 0) {
    adds.push({
      summary: `produce to ${[...ask.produce, ...ask.transactionalIds.map((id) => `transactional id ${id}`)].join(', ')}`,
      command: shellLine([...base, '--add', '--allow-principal', principal, '--producer', ...ask.produce.flatMap((topic) => ['--topic', topic]), ...ask.transactionalIds.flatMap((id) => ['--transactional-id', id]), ...pattern]),
    });
  }
  if (ask.consume.length > 0) {
    adds.push({
      summary: `consume ${ask.consume.join(', ')} in group ${ask.groups.join(', ')}`,
      command: shellLine([...base, '--add', '--allow-principal', principal, '--consumer', ...ask.consume.flatMap((topic) => ['--topic', topic]), ...ask.groups.flatMap((group) => ['--group', group]), ...pattern]),
    });
  }
  // Removals are exact (a grant that is still asked is never among them), so their order against the adds is free.
  return [...removes, ...adds];
}

const RESOURCE_FLAG: Record<string, string> = { TOPIC: '--topic', GROUP: '--group', TRANSACTIONAL_ID: '--transactional-id', CLUSTER: '--cluster' };

/** A command line for a POSIX shell: words quoted only where the shell would read them otherwise. */
export function shellLine(words: string[]): string {
  return words.map((word) => (/^[\w.:@/+=,%-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function uniqueBindings(bindings: AclBinding[]): AclBinding[] {
  const seen = new Set<string>();
  return bindings.filter((binding) => {
    const key = bindingKey(binding);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function sortBindings(bindings: AclBinding[]): AclBinding[] {
  return [...bindings].sort((a, b) => (bindingKey(a) < bindingKey(b) ? -1 : bindingKey(a) > bindingKey(b) ? 1 : 0));
}

function printable(value: string): string {
  const text = value.replace(/[^\x20-\x7e]/g, '?');
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
