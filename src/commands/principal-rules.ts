import type { Command } from 'commander';
import { configureIdentities } from '../lifecycle/configure.js';
import { identityPrincipals, type IdentityPrincipal } from '../lifecycle/principals.js';
import { parsePrincipalRules, principalFor, principalLabel, principalRulesWarnings, type PrincipalRules } from '../pki/principal.js';
import { principalRulesOf, type Inventory } from '../store/inventory.js';
import { identityFileNames } from '../store/layout.js';
import { SamctlError } from '../errors.js';
import { commandContext, requireInventory, type CommandContext } from './context.js';
import { EXIT_CODES_HELP } from './help.js';

export function registerPrincipalRules(program: Command): void {
  program
    .command('principal-rules')
    .description("show or set Kafka's ssl.principal.mapping.rules for the whole PKI: the principal each identity gets; broker configs are rendered anew")
    .argument('[rules]', "the rules, e.g. 'RULE:^CN=([^,]+),.*$/$1/,DEFAULT'; without: show the rules in effect")
    .option('--dry-run', "check the rules and show each identity's principal under them; change nothing")
    .addHelpText(
      'after',
      `
A broker names each client after its certificate's subject DN in RFC 2253 form
(CN=console,OU=data,O=Ynformed), mapped by ssl.principal.mapping.rules (KIP-371). ACLs and
super.users name that principal. samctl computes it as Kafka's SslPrincipalMapper does and
shows it in issue, status and --json output.

Rules, comma-separated, first match wins:
  RULE:<pattern>/<replacement>/    the Java regex must match the whole DN; then every match
                                   in the DN is replaced (String.replaceAll): $1 the first
                                   group, \${name} a named group, \\$ a dollar, \\/ a slash
  RULE:<pattern>/<replacement>/L   the same, then lower case (/U: upper case; English locale)
  DEFAULT                          the DN as it is
A DN no rule matches is refused by the broker: end with DEFAULT (samctl warns otherwise).

The pattern is a Java regex, evaluated by samctl in JavaScript. Refused as unsupported:
back-references (\\1, \\k<name>), embedded flags ((?i): write [Cc][Nn]), atomic groups,
possessive quantifiers, \\b \\B \\G \\R \\X, \\p{javaXxx}, scripts and blocks, nested classes and
&& intersections. Invalid Java regexes are refused as Kafka would refuse them at startup.

Examples:
  $ samctl principal-rules
  $ samctl principal-rules 'RULE:^CN=([^,]+),.*$/$1/,DEFAULT' --dry-run
  $ samctl principal-rules 'RULE:^CN=([^,]+),OU=([^,]+),.*$/$1@$2/L,DEFAULT'
      broker sam01.ynformed.nl   User:sam01.ynformed.nl
      client console             User:console@data-team
  $ samctl principal-rules DEFAULT        # back to the full DN, written out in the broker configs

Writes (rules given, not --dry-run):
  pki/samctl.json                                    settings.principalRules
  pki/brokers/<host>/server-ssl.properties            ssl.principal.mapping.rules=… (every broker)
  pki/clients/<name>/client-ssl.properties, librdkafka.properties   when the principal in their header changes
The previous files are kept under pki/backups/.

ssl.principal.mapping.rules is read once, when the broker starts (it is not a dynamic config:
kafka-configs.sh cannot change it): merge the new line into each broker's server.properties
and restart the brokers one at a time.
${EXIT_CODES_HELP}`,
    )
    .action(async (given: string | undefined, options: { dryRun?: boolean }, command: Command) => {
      const context = commandContext(command);
      const inventory = await requireInventory(context);
      if (given === undefined) return showRules(context, inventory, principalRulesOf(inventory, context.layout.inventory));
      const next = parsePrincipalRules(given);
      // Setting rules is also the fix for a stored setting samctl cannot use: then there is no "before".
      const current = usableRules(inventory, context.layout.inventory);
      const warnings = principalRulesWarnings(next);
      for (const warning of warnings) context.out.warn(warning);
      if (options.dryRun) return previewRules(context, inventory, current, next, warnings);
      return setRules(context, inventory, current, next, warnings);
    });
}

async function showRules(context: CommandContext, inventory: Inventory, rules: PrincipalRules): Promise<void> {
  const { out, layout } = context;
  const principals = await identityPrincipals(layout, inventory, rules);
  out.result({ command: 'principal-rules', dir: layout.root, rules: rules.setting ?? null, identities: principals.map((entry) => principalJson(entry)) });
  out.line(rules.setting === undefined ? "ssl.principal.mapping.rules is not set: Kafka's DEFAULT, the principal is the full DN" : `ssl.principal.mapping.rules=${rules.setting}`);
  printTable(context, principals);
  warnUnmatched(context, principals);
}

function usableRules(inventory: Inventory, path: string): PrincipalRules | undefined {
  try {
    return principalRulesOf(inventory, path);
  } catch (err) {
    if (err instanceof SamctlError) return undefined;
    throw err;
  }
}

async function previewRules(context: CommandContext, inventory: Inventory, current: PrincipalRules | undefined, next: PrincipalRules, warnings: string[]): Promise<void> {
  const { out, layout } = context;
  const principals = await identityPrincipals(layout, inventory, next);
  out.result({
    command: 'principal-rules',
    dir: layout.root,
    dryRun: true,
    rules: next.setting,
    previous: inventory.settings.principalRules ?? null,
    warnings,
    identities: principals.map((entry) => principalJson(entry, current ?? null)),
  });
  out.line(`ssl.principal.mapping.rules=${next.setting} (dry run: nothing changed)`);
  printTable(context, principals, current ?? null);
  warnUnmatched(context, principals);
}

async function setRules(context: CommandContext, inventory: Inventory, current: PrincipalRules | undefined, next: PrincipalRules, warnings: string[]): Promise<void> {
  const { out, layout } = context;
  const setting = next.setting!;
  // Under the PKI lock, with the inventory as it is then: every broker (the line is in its config),
  // and the clients whose principal changes (it is in their config's header).
  const rendered = await configureIdentities(
    layout,
    (stored) => {
      const before = usableRules(stored, layout.inventory);
      const changed = (subject: string) => !before || principalLabel(principalFor(before, subject)) !== principalLabel(principalFor(next, subject));
      return stored.identities
        .filter((record) => record.status === 'active')
        .filter((record) => record.kind === 'broker' || changed(record.subject))
        .map((record) => record.name);
    },
    { principalRules: setting },
    context.now,
  );
  const principals = await identityPrincipals(layout, { ...inventory, settings: { ...inventory.settings, principalRules: setting } }, next);
  const brokers = rendered.filter((record) => record.kind === 'broker');
  out.result({
    command: 'principal-rules',
    dir: layout.root,
    rules: setting,
    previous: inventory.settings.principalRules ?? null,
    warnings,
    identities: principals.map((entry) => principalJson(entry, current ?? null)),
    rendered: rendered.map((record) => ({ kind: record.kind, name: record.name, dir: layout.identityDir(record.kind, record.name), files: record.files })),
    restartBrokers: brokers.map((record) => record.name),
  });
  out.line(`${out.style.green('✔')} ssl.principal.mapping.rules=${setting}  (was ${inventory.settings.principalRules ?? "not set: Kafka's DEFAULT"})`);
  printTable(context, principals, current ?? null);
  for (const record of rendered) {
    const names = identityFileNames(record.kind, record.storeType, { secrets: record.secrets === 'file' });
    const configs = [names.config, names.librdkafka].filter((name): name is string => name !== undefined);
    out.line(`  rendered   ${context.display(layout.identityDir(record.kind, record.name))}/${configs.length === 1 ? configs[0] : `{${configs.join(',')}}`}`);
  }
  if (brokers.length === 0) {
    out.line('No brokers yet: samctl broker issue writes the line into their configs from now on.');
  } else {
    out.line(
      `Next: brokers read ssl.principal.mapping.rules only at startup (it is not a dynamic config; kafka-configs.sh cannot change it).\n` +
        `  Merge server-ssl.properties into each broker's server.properties and restart them one at a time: ${brokers.map((record) => record.name).join(', ')}.\n` +
        '  ACLs and super.users name principals: grant the new names before the restarts, remove the old ones after.',
    );
  }
  warnUnmatched(context, principals);
}

/** previous: the rules before (null: the stored ones could not be used), undefined: no comparison. */
function principalJson(entry: IdentityPrincipal, previous?: PrincipalRules | null) {
  const was = previous ? principalFor(previous, entry.subject) : undefined;
  return {
    kind: entry.kind,
    name: entry.name,
    subject: entry.subject,
    principal: entry.principal.principal,
    ...(entry.principal.error ? { principalError: entry.principal.error } : {}),
    ...(previous === undefined ? {} : { previousPrincipal: was ? was.principal : null }),
  };
}

function printTable(context: CommandContext, principals: IdentityPrincipal[], previous?: PrincipalRules | null): void {
  const { out } = context;
  if (principals.length === 0) {
    out.line('No identities yet.');
    return;
  }
  const labels = principals.map((entry) => principalLabel(entry.principal));
  const nameWidth = Math.max(4, ...principals.map((entry) => entry.name.length)) + 2;
  const width = Math.max(9, ...labels.map((label) => label.length)) + 2;
  out.line(out.style.bold(`${'KIND'.padEnd(8)}${'NAME'.padEnd(nameWidth)}${previous !== undefined ? `${'PRINCIPAL'.padEnd(width)}WAS` : 'PRINCIPAL'}`));
  principals.forEach((entry, i) => {
    const label = entry.principal.principal === null ? out.style.red(labels[i].padEnd(width)) : labels[i].padEnd(width);
    const was = previous ? principalLabel(principalFor(previous, entry.subject)) : '(unknown: the stored rules were unusable)';
    out.line(`${entry.kind.padEnd(8)}${entry.name.padEnd(nameWidth)}${previous !== undefined ? `${label}${was === labels[i] ? '(same)' : was}` : label.trimEnd()}`);
  });
}

function warnUnmatched(context: CommandContext, principals: IdentityPrincipal[]): void {
  for (const entry of principals) {
    if (entry.principal.error) context.out.warn(`${entry.kind} ${entry.name}: ${entry.principal.error}`);
  }
}
