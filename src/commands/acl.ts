import { openEngineState } from '../store/engine-state.js';
import type { Command } from 'commander';
import { usageError } from '../errors.js';
import { aclCommands, bindingsFor, describeAsk, describeBinding, diffBindings, isEmptyAsk, parseAclAsk, type AclBinding, type AclDiff } from '../kafka/acl-plan.js';
import { openAclSession, type AclSession } from '../kafka/acls.js';
import { aclPrincipal } from '../lifecycle/principals.js';
import { principalRulesOf } from '../store/inventory.js';
import { loadInventory, recordAcl, saveInventory, type AclAsk, type IdentityRecord, type Inventory } from '../store/inventory.js';
import { hostPlacement } from '../store/layout.js';
import { withPkiLock } from '../store/lock.js';
import { commandContext, requireInventory, setResultCode, type CommandContext } from './context.js';
import { collect } from './options.js';
import { readClientIdentity } from '../kafka/client-identity.js';

interface AclOptions {
  produce?: string[];
  consume?: string[];
  group?: string[];
  transactionalId?: string[];
  prefixed?: boolean;
  apply?: boolean;
  check?: boolean;
  bootstrap?: string;
  admin?: string;
}

export function registerAcl(program: Command): void {
  program
    .command('acl')
    .description("a client's whole set of grants: the kafka-acls.sh commands, or applied / checked through the Admin API")
    .argument('<client>', 'the client identity (its principal: User:<subject DN> after the mapping rules; a SASL client: User:<SCRAM user> or User:<Kerberos short name>)')
    .option('--produce <topic>', 'may produce to the topic: WRITE, DESCRIBE, CREATE (kafka-acls.sh --producer) (repeatable)', collect)
    .option('--consume <topic>', 'may consume the topic: READ, DESCRIBE (kafka-acls.sh --consumer); needs --group (repeatable)', collect)
    .option('--group <group>', 'consumer group it consumes in: READ (repeatable)', collect)
    .option('--transactional-id <id>', 'transactional id it produces with: WRITE, DESCRIBE (repeatable)', collect)
    .option('--prefixed', 'every topic, group and transactional id above is a prefix (PREFIXED patterns)')
    .option('--apply', 'make the cluster hold exactly these grants for the client: add what is missing, remove what is no longer asked')
    .option('--check', 'compare the grants the cluster holds for the client with what was asked; exit 1 on a difference')
    .option('--bootstrap <host:port>', 'a broker to talk to (comma-separated for several); needed by --apply and --check')
    .option('--admin <client>', 'the identity to talk to the cluster as, issued with --admin (default: the only one)')
    .addHelpText(
      'after',
      `
Without --apply or --check nothing changes: the kafka-acls.sh commands are printed, a
script for review or a change ticket (lines that are not commands start with #). Without
grant options, the grants last applied (kept in the inventory, shown by samctl status) are
used. --apply and --check compare only ALLOW entries of the client's principal; a DENY
(samctl revoke) is left alone. The ask is recorded after a successful --apply; the printed
commands also remove the recorded grants that are no longer asked.

The brokers need an authorizer (samctl broker issue --authorizer) with the admin identity in
super.users (samctl client issue <name> --admin, then the rolling restart it prints).

Examples:
  $ samctl acl prediction-service --produce prediction --consume sensordata --group prediction-echo
  $ samctl acl prediction-service --produce prediction --consume sensordata --group prediction-echo \\
      --apply --bootstrap sam01.ynformed.nl:9092 --admin ops
  $ samctl acl prediction-service --check --bootstrap sam01.ynformed.nl:9092 || page-the-team
  $ samctl acl ingest --produce sensor. --prefixed --transactional-id ingest- | tee change-1234.sh

Exit codes:
  0  printed, applied, or (--check) the cluster holds exactly what was asked
  1  the cluster refused or could not be reached (the Kafka error is named), or --check
     found a difference (printed)
  2  bad usage: unknown client, --consume without --group, a topic name Kafka refuses,
     a non-admin --admin (nothing was applied)`,
    )
    .action(async (name: string, options: AclOptions, command: Command) => {
      const context = commandContext(command);
      const inventory = await requireInventory(context);
      const client = findClient(inventory, name);
      const ask = askOf(client, options);
      if (options.apply && options.check) throw usageError('--apply and --check together', 'check first (--check), then apply (--apply)');
      const live = Boolean(options.apply || options.check);
      const bootstrap = options.bootstrap === undefined ? undefined : parseBootstrap(options.bootstrap);
      if (live && !bootstrap) throw usageError(`--${options.apply ? 'apply' : 'check'} needs --bootstrap <host:port>`, `for example: samctl acl ${name} --${options.apply ? 'apply' : 'check'} --bootstrap sam01.ynformed.nl:9092`);
      const admin = findAdmin(inventory, options.admin, live);
      const mapped = aclPrincipal(inventory, client, principalRulesOf(inventory, context.layout.inventory));
      if (mapped.principal === null) throw usageError(`the brokers refuse client ${name}: ${mapped.error}`, client.sasl?.kerberos ? 'give the client a principal of the brokers\' realm (client issue --kerberos-principal <name>@<REALM> --force)' : 'change the mapping rules (samctl principal-rules) or issue the client with a DN a rule matches');
      const principal = mapped.principal;
      const asked = bindingsFor(principal, ask);

      if (!live) return review(context, client, principal, ask, asked, { bootstrap: options.bootstrap ?? defaultBootstrap(inventory), admin });
      const session = await openAclSession(bootstrap!, await readClientIdentity(context.layout, admin!.name));
      try {
        if (options.apply) await apply(context, session, client, principal, ask, asked);
        else await check(context, session, client, principal, ask, asked, { bootstrap: options.bootstrap!, admin: admin!.name });
      } finally {
        await session.close().catch(() => undefined);
      }
    });
}

function findClient(inventory: Inventory, name: string): IdentityRecord {
  const active = inventory.identities.filter((record) => record.status === 'active' && record.name === name);
  const client = active.find((record) => record.kind === 'client');
  if (client) return client;
  if (active.length > 0) throw usageError(`${name} is a broker: brokers are super users, they get no ACLs`, 'name a client (samctl status lists them)');
  throw usageError(`no client named ${name}`, `see \`samctl status\` for the names, or issue it: samctl client issue ${name}`);
}

/** The grants given on the command line, or those last applied. */
function askOf(client: IdentityRecord, options: AclOptions): AclAsk {
  const { produce = [], consume = [], group: groups = [], transactionalId: transactionalIds = [] } = options;
  if (produce.length + consume.length + groups.length + transactionalIds.length > 0) return parseAclAsk({ produce, consume, groups, transactionalIds, prefixed: Boolean(options.prefixed) });
  if (options.prefixed) throw usageError('--prefixed without names', 'give the prefixes: --produce <prefix>, --consume <prefix> --group <prefix>, --transactional-id <prefix>');
  if (client.acl && !isEmptyAsk(client.acl)) {
    const { appliedAt: _appliedAt, ...recorded } = client.acl;
    return recorded;
  }
  throw usageError(`nothing asked for ${client.name}, and no grants were applied before`, `say what it may do, e.g. samctl acl ${client.name} --produce prediction --consume sensordata --group ${client.name}`);
}

/** The admin identity to talk to the cluster as: the one named, or the only one there is. */
export function findAdmin(inventory: Inventory, name: string | undefined, required: boolean): IdentityRecord | undefined {
  const admins = inventory.identities.filter((record) => record.status === 'active' && record.kind === 'client' && record.admin);
  if (name === undefined) {
    if (admins.length === 1 || !required) return admins.length === 1 ? admins[0] : undefined;
    throw usageError(
      admins.length === 0 ? 'no admin identity: talking to an authorizer cluster takes a super user' : `${admins.length} admin identities (${admins.map((record) => record.name).join(', ')}): say which`,
      admins.length === 0 ? 'issue one with `samctl client issue ops --admin` and restart the brokers as it prints' : `add --admin ${admins[0].name}`,
    );
  }
  const record = inventory.identities.find((candidate) => candidate.status === 'active' && candidate.kind === 'client' && candidate.name === name);
  if (!record) throw usageError(`no client named ${name} for --admin`, 'see `samctl status` for the names');
  if (!record.admin) throw usageError(`${name} was not issued with --admin: it is no super user on the brokers`, `issue it anew with \`samctl client issue ${name} --admin --force\`, or name an admin identity`);
  return record;
}

export function parseBootstrap(raw: string): Array<{ host: string; port: number }> {
  return raw.split(',').map((address) => {
    const match = /^\[?([^\]\s/]+?)\]?:(\d{1,5})$/.exec(address.trim());
    const port = match ? Number(match[2]) : NaN;
    if (!match || port < 1 || port > 65535) throw usageError(`invalid --bootstrap "${address.trim().slice(0, 60)}": use host:port`, 'for example: --bootstrap sam01.ynformed.nl:9092');
    return { host: match[1], port };
  });
}

/** Where the printed commands connect when no --bootstrap is given: a broker of the PKI on Kafka's usual port. */
export function defaultBootstrap(inventory: Inventory): string {
  const broker = inventory.identities.find((record) => record.status === 'active' && record.kind === 'broker');
  return broker ? `${broker.sans.find((san) => san.startsWith('DNS:'))?.slice(4) ?? broker.name}:9092` : '<broker>:9092';
}

/** The kafka-acls.sh commands, as a script: nothing is changed. */
function review(context: CommandContext, client: IdentityRecord, principal: string, ask: AclAsk, asked: AclBinding[], target: { bootstrap: string; admin?: IdentityRecord }): void {
  const { out, layout } = context;
  const commandConfig = target.admin ? hostPlacement(layout, target.admin).path('config') : 'admin-ssl.properties';
  // Grants recorded at the last --apply that are no longer asked: the commands remove them too.
  const previous = client.acl ? bindingsFor(principal, client.acl) : [];
  const removals = diffBindings(principal, asked, previous).remove;
  const actions = aclCommands(principal, ask, { bootstrap: target.bootstrap, commandConfig }, removals);
  out.result({ command: 'acl', mode: 'review', client: client.name, principal, ask, grants: asked, removals, commands: actions });
  out.line(`# samctl acl ${client.name}: ${principal}`);
  out.line(`# ${describeAsk(ask)}: ${asked.length} grants${removals.length > 0 ? `; ${removals.length} applied earlier and no longer asked are removed` : ''}`);
  if (!target.admin) out.line('# admin-ssl.properties: the client-ssl.properties of an identity issued with `samctl client issue <name> --admin`');
  for (const action of actions) {
    out.line(`# ${action.summary}`);
    out.line(action.command);
  }
}

async function apply(context: CommandContext, session: AclSession, client: IdentityRecord, principal: string, ask: AclAsk, asked: AclBinding[]): Promise<void> {
  const { out, layout } = context;
  const diff = diffBindings(principal, asked, await session.describe(principal));
  // Removals are exact and never touch an asked grant: take away first, so a failure half-way leaves no more than before.
  await session.remove(diff.remove);
  await session.create(diff.add);
  const settled = await settle(session, principal, asked);
  const appliedAt = context.now.toISOString();
  await withPkiLock(layout.root, async () => {
    const inventory = await loadInventory(layout.inventory);
    await saveInventory(layout.inventory, recordAcl(inventory, client.name, { ...ask, appliedAt }));
    // With the inventory in the engine's KV, every PKI directory sees the grants.
    await (await openEngineState(inventory.settings))?.updateInventory((shared) => recordAcl(shared, client.name, { ...ask, appliedAt }), [client]);
  });
  out.result({ command: 'acl', mode: 'apply', client: client.name, principal, broker: session.broker, ask, added: diff.add, removed: diff.remove, kept: asked.length - diff.add.length, denies: diff.denies, settled: settled.add.length + settled.remove.length === 0 });
  out.line(`${out.style.green('✔')} ${client.name} (${principal}) on ${session.broker}: ${diff.add.length} added, ${diff.remove.length} removed, ${asked.length - diff.add.length} kept`);
  for (const binding of diff.add) out.line(`  + ${describeBinding(binding)}`);
  for (const binding of diff.remove) out.line(`  - ${describeBinding(binding)}`);
  reportDenies(context, diff);
  if (settled.add.length + settled.remove.length > 0) out.line(out.style.yellow(`  ${session.broker} does not show every change yet (metadata still propagating): samctl acl ${client.name} --check tells`));
}

async function check(context: CommandContext, session: AclSession, client: IdentityRecord, principal: string, ask: AclAsk, asked: AclBinding[], target: { bootstrap: string; admin: string }): Promise<void> {
  const { out } = context;
  const diff = diffBindings(principal, asked, await session.describe(principal));
  const drift = diff.add.length + diff.remove.length > 0;
  out.result({ command: 'acl', mode: 'check', client: client.name, principal, broker: session.broker, ask, inSync: !drift, missing: diff.add, extra: diff.remove, denies: diff.denies });
  if (!drift) out.line(`${out.style.green('✔')} ${client.name} holds exactly the ${asked.length} asked grants on ${session.broker} (${describeAsk(ask)})`);
  else {
    out.line(`${out.style.red('✘')} ${client.name} (${principal}) on ${session.broker} differs from what was asked (${describeAsk(ask)}):`);
    for (const binding of diff.add) out.line(`  missing  ${describeBinding(binding)}`);
    for (const binding of diff.remove) out.line(`  extra    ${describeBinding(binding)}`);
    out.line(`  to converge: samctl acl ${client.name} --apply --bootstrap ${target.bootstrap} --admin ${target.admin}`);
  }
  reportDenies(context, diff);
  if (drift) setResultCode(1);
}

function reportDenies(context: CommandContext, diff: AclDiff): void {
  if (diff.denies.length > 0) context.out.line(`  (${diff.denies.length} DENY entries for this principal are left as they are; DENY wins over every grant)`);
}

/**
 * The broker answers CreateAcls once the controller has committed them; its own view follows
 * from the metadata log a moment later. Waits (up to 10 s) until it shows the asked set.
 */
async function settle(session: AclSession, principal: string, asked: AclBinding[]): Promise<AclDiff> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const diff = diffBindings(principal, asked, await session.describe(principal));
    if (diff.add.length + diff.remove.length === 0 || Date.now() > deadline) return diff;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
