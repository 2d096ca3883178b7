import type { Command } from 'commander';
import { usageError } from '../errors.js';
import { verifyIdentity } from '../lifecycle/verify.js';
import { readTrustedCas } from '../authority/ca-files.js';
import { commandContext, setResultCode, requireInventory } from './context.js';

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('check identities offline: chain, SANs, key match, keystore password and content, EKUs, expiry')
    .argument('[name...]', 'broker hosts or client names (default: every active identity)')
    .addHelpText(
      'after',
      `
Examples:
  $ samctl verify
  $ samctl verify sam01.ynformed.nl prediction-service

Exit codes:
  0  everything checks out
  1  something is broken (wrong chain, key, password, SAN or EKU; a file missing)
  2  bad usage (an unknown name)
  3  nothing is broken but something has expired: run samctl renew`,
    )
    .action(async (names: string[], _options: object, command: Command) => {
      const context = commandContext(command);
      const { layout, out } = context;
      const inventory = await requireInventory(context);
      const active = inventory.identities.filter((record) => record.status === 'active');
      const unknown = names.filter((name) => !active.some((record) => record.name === name));
      if (unknown.length > 0) throw usageError(`no identity named ${unknown.join(', ')} in ${context.display(layout.inventory)}`, 'see `samctl status` for the names');
      const selected = names.length > 0 ? active.filter((record) => names.includes(record.name)) : active;

      const trusted = (await readTrustedCas(layout)).map((ca) => ca.cert);
      const results = [];
      for (const record of selected) results.push(await verifyIdentity(layout, record, trusted, context.now));

      const broken = results.some((result) => result.failures.length > 0);
      const code = broken ? 1 : results.some((result) => result.expired) ? 3 : 0;
      out.result({ command: 'verify', dir: layout.root, results, exitCode: code });
      for (const result of results) {
        const verdict = result.failures.length > 0 ? out.style.red('✘') : result.expired ? out.style.yellow('expired') : out.style.green('✔');
        out.line(`${verdict} ${result.kind} ${result.name}`);
        for (const failure of result.failures) out.line(`    ${failure}`);
      }
      // The verdict goes to stderr too, so a CI log shows why the step failed even with --json.
      const failed = results.filter((result) => result.failures.length > 0);
      const expired = results.filter((result) => result.failures.length === 0 && result.expired);
      if (failed.length > 0) {
        process.stderr.write(`samctl: ${failed.length} of ${results.length} identities failed verification: ${failed.map((r) => `${r.kind} ${r.name} (${r.failures[0]})`).join('; ')}\n`);
        const fix = failed.length === 1 ? failed[0].fix : undefined;
        process.stderr.write(`hint: ${fix ?? `re-issue them with \`samctl renew <name>\` or restore their files from ${context.display(layout.backups)}/`}\n`);
      } else if (expired.length > 0) {
        process.stderr.write(`samctl: ${expired.length} of ${results.length} identities have expired: ${expired.map((r) => r.name).join(', ')}\n`);
        process.stderr.write('hint: run `samctl renew`\n');
      }
      setResultCode(code);
    });
}
