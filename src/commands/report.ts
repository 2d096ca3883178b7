import type { IssuedIdentity } from '../identity.js';
import type { SuperUsersChange } from '../lifecycle/authorizer.js';
import { hostPlacement } from '../store/layout.js';
import { principalLabel } from '../pki/principal.js';
import type { CommandContext } from './context.js';
import { isInteractive } from './context.js';

/** The human summary of issued identities and the --json document, shared by issue commands. */
export function reportIssued(context: CommandContext, command: string, issued: IssuedIdentity[], extra: Record<string, unknown> = {}): void {
  const { out, layout } = context;
  out.result({
    command,
    ...extra,
    dir: layout.root,
    issued: issued.map(({ record, principal, published }) => ({
      ...record,
      principal: principal.principal,
      ...(principal.error ? { principalError: principal.error } : {}),
      dir: layout.identityDir(record.kind, record.name),
      ...(published ? { engine: published } : {}),
    })),
  });
  for (const { record, principal, published } of issued) {
    const dir = layout.identityDir(record.kind, record.name);
    out.line(`${out.style.green('✔')} ${record.kind} ${out.style.bold(record.name)}  expires ${record.notAfter.slice(0, 10)}  serial ${record.serial.slice(0, 16)}…`);
    if (record.sans.length > 0) out.line(`  SANs       ${record.sans.join(', ')}`);
    out.line(`  principal  ${principalLabel(principal)}`);
    out.line(`  files      ${context.display(dir)}/{${record.files.join(',')}}`);
    if (record.installDir) out.line(`  install    ${record.installDir} on the host (configs point there; samctl export ${record.name} makes the bundle)`);
    if (record.secrets === 'file' && record.storeType !== 'pem') out.line(`  secrets    store passwords in ${record.kind}-secrets.properties, read through \${file:…}`);
    if (published) out.line(`  engine     ${published.path} v${published.version}, inventory v${published.inventoryVersion}${published.casConflicts ? ` (${published.casConflicts} check-and-set conflicts re-read and retried)` : ''}`);
  }
  for (const { record, principal } of issued) {
    if (principal.error) out.warn(`${record.kind} ${record.name}: ${principal.error}; change its DN (--cn, --ou) or the rules (samctl principal-rules)`);
  }
}

/**
 * One stderr line per identity as it completes, when several are issued on a terminal.
 * Nothing with --json or without a TTY: CI logs and pipes stay free of progress noise.
 */
export function progressReporter(context: CommandContext, total: number): ((identity: IssuedIdentity) => void) | undefined {
  if (total < 2 || context.out.json || !isInteractive()) return undefined;
  let done = 0;
  return ({ record }) => {
    done += 1;
    process.stderr.write(`  [${done}/${total}] ${record.kind} ${record.name} issued\n`);
  };
}

/** The rolling restart a change of super.users asks for (see lifecycle/authorizer.ts). */
export function reportSuperUsersChange(context: CommandContext, change: SuperUsersChange | undefined): void {
  if (!change || change.restart.length === 0) return;
  const { out, layout } = context;
  out.line(`\n${out.style.yellow('!')} super.users changed (${change.superUsers.length} principals): the snippets of ${change.restart.length} authorizer broker(s) were rendered anew.`);
  out.line('  Kafka reads super.users at startup only. Rolling restart, one broker at a time: install its new');
  out.line('  server-ssl.properties, restart it, wait until it is back in the ISR of every partition');
  out.line('  (kafka-topics.sh --describe --under-replicated-partitions prints nothing), then the next:');
  for (const record of change.restart) {
    const placement = hostPlacement(layout, record);
    const file = context.display(layout.identityFile(record.kind, record.name, placement.names.config));
    out.line(`    ${record.name}  ${file}${record.installDir ? ` → ${placement.path('config')} on the host` : ''}`);
  }
}
