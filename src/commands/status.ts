import type { Command } from 'commander';
import { collectStatus, rotationStatus, statusExitCode, type EntryState } from '../lifecycle/status.js';
import { DEFAULT_THRESHOLD, parseThreshold } from '../lifecycle/threshold.js';
import { describeAsk } from '../kafka/acl-plan.js';
import { commandContext, setResultCode, requireInventory } from './context.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('what expires when: every CA and identity, read back from the files on disk')
    .option('--within <window>', 'due when expiring within 30d / 720h, or past a share of the lifetime (66%)', DEFAULT_THRESHOLD)
    .addHelpText(
      'after',
      `
States: ok, due (inside --within), expired, missing (a file is gone),
drifted (the files on disk differ from the inventory), revoked (samctl revoke; does not
change the exit code). The crl row is ca/crl.pem: due within 2 days of its next update
(re-sign it with samctl crl), expired after it.
PRINCIPAL is the name the broker gives each identity: its certificate's subject DN
(RFC 2253, as Java prints it) mapped by the PKI's ssl.principal.mapping.rules
(samctl principal-rules); "none" when no rule matches and the broker refuses it.
The last column shows SANs, and authorizer brokers, admin clients and the grants last
applied with samctl acl --apply.

Examples:
  $ samctl status
  $ samctl status --within 30d || samctl renew --within 30d     # a CI step
  $ samctl status --json | jq '.entries[] | select(.state != "ok")'

Exit codes:
  0  nothing is due
  1  something is missing or drifted, or the status could not be read
  2  bad usage
  3  something is due or expired: run samctl renew`,
    )
    .action(async (options: { within: string }, command: Command) => {
      const context = commandContext(command);
      const { layout, out } = context;
      const threshold = parseThreshold(options.within);
      const inventory = await requireInventory(context);
      const entries = await collectStatus(layout, inventory, context.now, threshold);
      const rotation = rotationStatus(inventory);
      const code = statusExitCode(entries);
      out.result({ command: 'status', dir: layout.root, within: threshold.text, now: context.now.toISOString(), principalRules: inventory.settings.principalRules ?? null, rotation: rotation ?? null, entries, exitCode: code });
      const colour: Record<EntryState, (text: string) => string> = {
        ok: out.style.green,
        due: out.style.yellow,
        expired: out.style.red,
        missing: out.style.red,
        drifted: out.style.red,
        revoked: out.style.red,
      };
      // The principal each identity gets on the broker (ssl.principal.mapping.rules applied): what ACLs name.
      const principalText = (entry: (typeof entries)[number]) => (entry.kind === 'ca' || entry.kind === 'crl' ? '-' : (entry.principal ?? 'none: no rule matches'));
      const width = Math.max('PRINCIPAL'.length, ...entries.map((entry) => principalText(entry).length)) + 2;
      out.line(out.style.bold(`${'KIND'.padEnd(7)}${'NAME'.padEnd(32)}${'STATE'.padEnd(9)}${'EXPIRES'.padEnd(12)}${'DAYS'.padStart(6)}  ${'PRINCIPAL'.padEnd(width)}SANS / DETAIL`));
      for (const entry of entries) {
        const roles = [entry.authorizer && 'authorizer', entry.admin && 'admin (super user)', entry.acl && `acl: ${describeAsk(entry.acl)}`, entry.sasl && `sasl: ${entry.sasl}`].filter(Boolean).join('; ');
        const principal = principalText(entry).padEnd(width);
        out.line(
          `${entry.kind.padEnd(7)}${entry.name.padEnd(32)}${colour[entry.state](entry.state.padEnd(9))}${entry.notAfter.slice(0, 10).padEnd(12)}${String(entry.daysLeft).padStart(6)}  ${entry.principal === null ? out.style.red(principal) : principal}${entry.detail ?? [entry.sans.join(','), roles].filter(Boolean).join('  ')}`,
        );
      }
      const due = entries.filter((entry) => entry.state !== 'ok' && entry.state !== 'revoked').length;
      out.line(due === 0 ? `\nAll ${entries.filter((entry) => entry.state !== 'revoked').length} ok (threshold ${threshold.text}).` : `\n${due} of ${entries.length} need attention (threshold ${threshold.text}).`);
      if (rotation) out.line(out.style.yellow(rotation.description));
      for (const entry of entries.filter((candidate) => candidate.principalError)) out.warn(`${entry.kind} ${entry.name}: ${entry.principalError}`);
      setResultCode(code);
    });
}
