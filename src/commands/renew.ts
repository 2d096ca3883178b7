import type { Command } from 'commander';
import { usageError } from '../errors.js';
import { issueAndSave } from '../issuing.js';
import { reloadBrokerStore } from '../kafka/actions.js';
import { renewalRequest, selectForRenewal } from '../lifecycle/renew.js';
import { DEFAULT_THRESHOLD, parseThreshold } from '../lifecycle/threshold.js';
import { parseDays } from '../pki/validity.js';
import { commandContext, passphraseReader, requireInventory } from './context.js';
import { EXIT_CODES_HELP } from './help.js';
import { caPasswordFileOption, daysOption, DEFAULTS } from './options.js';
import { progressReporter, reportIssued } from './report.js';

interface RenewOptions {
  within: string;
  all?: boolean;
  keepKey?: boolean;
  dryRun?: boolean;
  days?: string;
  caPasswordFile?: string;
}

export function registerRenew(program: Command): void {
  program
    .command('renew')
    .description('re-issue identities that are due (or the ones named) in place, keeping DN, SANs and store passwords')
    .argument('[name...]', 'broker hosts or client names to renew whether due or not')
    .option('--within <window>', 'renew what expires within 30d / 720h, or is past a share of its lifetime (66%)', DEFAULT_THRESHOLD)
    .option('--all', 'renew every active identity (after `samctl ca rotate`: re-sign everything with the new CA)')
    .option('--keep-key', 'keep the existing key pair, renew only the certificate (default: a new key pair)')
    .addOption(daysOption(undefined, `validity of the new certificates in days (default ${DEFAULTS.leafDays})`))
    .option('--dry-run', 'list what would be renewed, change nothing')
    .addOption(caPasswordFileOption())
    .addHelpText(
      'after',
      `
Renewal writes to the same paths with the same subject DN, SANs and store password, so
a running broker can reload its keystore without a restart (printed per broker) and
automation that reads store.password keeps working. Previous files go to pki/backups/.

Examples:
  $ samctl renew --within 30d                   # CI: everything expiring within 30 days
  $ samctl renew sam01.ynformed.nl --keep-key
  $ samctl renew --all                          # after samctl ca rotate
  $ samctl renew --dry-run --json
${EXIT_CODES_HELP}`,
    )
    .action(async (names: string[], options: RenewOptions, command: Command) => {
      const context = commandContext(command);
      const { layout, out } = context;
      const threshold = parseThreshold(options.within);
      const days = options.days === undefined ? undefined : parseDays(options.days);
      const inventory = await requireInventory(context);
      const unknown = names.filter((name) => !inventory.identities.some((record) => record.status === 'active' && record.name === name));
      if (unknown.length > 0) throw usageError(`no identity named ${unknown.join(', ')}`, 'see `samctl status` for the names');
      const selected = selectForRenewal(inventory.identities, { names, all: Boolean(options.all), threshold, now: context.now });

      if (selected.length === 0 || options.dryRun) {
        out.result({ command: 'renew', dir: layout.root, dryRun: Boolean(options.dryRun), renew: selected.map((r) => ({ kind: r.kind, name: r.name, notAfter: r.notAfter })), issued: [] });
        if (selected.length === 0) out.line(`Nothing to renew (threshold ${threshold.text}).`);
        for (const record of selected) out.line(`would renew ${record.kind} ${record.name} (expires ${record.notAfter.slice(0, 10)})`);
        return;
      }

      const requests = await Promise.all(selected.map((record) => renewalRequest(layout, record, { keepKey: Boolean(options.keepKey), days })));
      const issued = await issueAndSave(requests, {
        layout,
        force: true,
        now: context.now,
        passphrase: passphraseReader(context, options.caPasswordFile, 'existing'),
        onIssued: progressReporter(context, requests.length),
      });
      const reloads = issued
        .filter(({ record }) => record.kind === 'broker')
        .map(({ record }) => ({ broker: record.name, command: reloadBrokerStore(layout, record, 'keystore').command }));
      reportIssued(context, 'renew', issued, { reloadCommands: reloads });
      if (reloads.length > 0) {
        out.line("\nReload each running broker's keystore without a restart:");
        for (const reload of reloads) out.line(`  ${reload.command}`);
        out.line(`or let samctl find the node.ids and do it: samctl reload ${reloads.map((reload) => reload.broker).join(' ')} --bootstrap <host:port> --client <admin client>`);
      }
      const scramUsers = issued.filter(({ record }) => record.kind === 'client' && record.sasl && !record.sasl.kerberos).map(({ record }) => record.name);
      if (scramUsers.length > 0) {
        out.line(`\nSCRAM passwords kept (${scramUsers.join(', ')}): the registered users keep working. To renew a password: samctl scram <name> --rotate --register --bootstrap <host:port> --client <admin client>`);
      }
      const keytabs = issued.filter(({ record }) => record.sasl?.kerberos).map(({ record }) => record.name);
      if (keytabs.length > 0) {
        out.line(`\nKerberos keytabs kept as they were (${keytabs.join(', ')}): renewal re-signs TLS certificates only; the Kerberos keys are your Kerberos admin's.`);
        out.line('After they rotate a keytab (kadmin ktadd, ipa-getkeytab), issue the identity anew with it: samctl <broker|client> issue <name> --sasl gssapi --keytab <new keytab> --kerberos-principal <principal> --force');
      }
    });
}
