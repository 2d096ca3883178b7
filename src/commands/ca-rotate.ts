import type { Command } from 'commander';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createAuthority, openAuthority } from '../authority.js';
import { usageError } from '../errors.js';
import { brokerReloadCommand } from '../lifecycle/reload.js';
import { refreshTruststores } from '../lifecycle/trust.js';
import { parseDnValue } from '../pki/names.js';
import { subjectField } from '../pki/inspect.js';
import { parseDays, parseKeySize } from '../pki/validity.js';
import { readCaFiles, saveCaFiles, trustedCaPems } from '../store/ca-store.js';
import { loadInventory, recordRetirement, recordRotation, saveInventory, type IdentityRecord } from '../store/inventory.js';
import { backupStamp, PUBLIC, SECRET, type FileSpec, type PkiLayout } from '../store/layout.js';
import { withPkiLock } from '../store/lock.js';
import { removeLeftovers } from '../store/files.js';
import { commandContext, passphraseReader, type CommandContext } from './context.js';
import { EXIT_CODES_HELP } from './help.js';

const ROTATION_HELP = `
CA rotation without downtime, in three resumable phases:
  1. samctl ca rotate      new CA key + certificate; every truststore and ca.crt now
                           trusts the old and the new CA (reload the brokers' truststores)
  2. samctl renew --all    re-sign every identity with the new CA (reload keystores)
  3. samctl ca retire      drop the old CA from every truststore once nothing depends on it
samctl status shows the phase. Running a phase again completes it if it was interrupted.`;

export function registerCaRotate(ca: Command): void {
  ca.command('rotate')
    .description('phase 1 of a CA rotation: a new CA, trusted next to the old one everywhere')
    .option('--cn <name>', 'common name of the new CA (default: the old one with a generation suffix)')
    .option('--days <n>', 'validity in days', '3650')
    .option('--key-size <bits>', 'RSA key size: 2048, 3072 or 4096', '4096')
    .option('--ca-password-file <file>', 'read the CA passphrase from the first line of this file (the new CA key uses it too)')
    .addHelpText('after', `${ROTATION_HELP}\n\nExamples:\n  $ samctl ca rotate\n  $ samctl renew --all\n  $ samctl ca retire\n${EXIT_CODES_HELP}`)
    .action(async (options: { cn?: string; days: string; keySize: string; caPasswordFile?: string }, command: Command) => {
      const context = commandContext(command);
      const { layout, out } = context;
      const days = parseDays(options.days);
      const keySize = parseKeySize(options.keySize);
      const cn = options.cn === undefined ? undefined : parseDnValue(options.cn, '--cn');
      const caFiles = await readCaFiles(layout);
      const passphrase = await passphraseReader(context, options.caPasswordFile, 'existing')();
      const current = openAuthority(caFiles, passphrase, { cert: layout.caCert, key: layout.caKey });

      const summary = await withPkiLock(layout.root, async () => {
        await removeLeftovers(layout.root);
        let inventory = await loadInventory(layout.inventory);
        const resuming = inventory.cas.some((record) => record.status === 'retiring');
        if (!resuming) {
          const generation = inventory.cas.length + 1;
          const baseCn = (subjectField(current.cert, 'CN') ?? 'samctl Kafka CA').replace(/ G\d+$/, '');
          const authority = await createAuthority({ dn: { cn: cn ?? `${baseCn} G${generation}`, o: subjectField(current.cert, 'O') }, days, keySize, passphrase, now: context.now });
          const files = await rotatedCaFiles(layout, authority.files, caFiles.certPem, caFiles.truststorePassword);
          const stamp = backupStamp(context.now);
          await saveCaFiles(layout, files, join(layout.backups, `ca-${stamp}`));
          inventory = recordRotation(inventory, authority.record);
          await saveInventory(layout.inventory, inventory);
        }
        const trusted = await trustedCaPems(layout);
        const identities = inventory.identities.filter((record) => record.status === 'active');
        await refreshTruststores(layout.root, identities, trusted, caFiles.truststorePassword);
        return { resuming, identities, trusted: trusted.length, active: inventory.cas.find((record) => record.status === 'active')! };
      });

      out.result({ command: 'ca rotate', dir: layout.root, resumed: summary.resuming, ca: summary.active, trustedCas: summary.trusted, truststoresUpdated: summary.identities.length });
      out.line(`${out.style.green('✔')} ${summary.resuming ? 'rotation resumed' : 'new CA'} ${out.style.bold(summary.active.subject)} (expires ${summary.active.notAfter.slice(0, 10)})`);
      out.line(`  ${summary.identities.length} truststores and ca.crt files now trust ${summary.trusted} CAs`);
      printBrokerReloads(context, summary.identities);
      out.line('Next: samctl renew --all   (re-sign every identity with the new CA), then samctl ca retire');
    });
}

export function registerCaRetire(ca: Command): void {
  ca.command('retire')
    .description('phase 3 of a CA rotation: drop the old CA from every truststore')
    .addHelpText('after', `${ROTATION_HELP}\n\nRefuses while an identity still holds a certificate from the old CA, naming it.\n${EXIT_CODES_HELP}`)
    .action(async (_options: object, command: Command) => {
      const context = commandContext(command);
      const { layout, out } = context;
      const caFiles = await readCaFiles(layout);
      const result = await withPkiLock(layout.root, async () => {
        await removeLeftovers(layout.root);
        const inventory = await loadInventory(layout.inventory);
        const retiring = inventory.cas.filter((record) => record.status === 'retiring');
        if (retiring.length === 0) throw usageError('no CA rotation is in progress', 'start one with `samctl ca rotate`');
        const old = new Set(retiring.map((record) => record.sha256));
        const identities = inventory.identities.filter((record) => record.status === 'active');
        const dependents = identities.filter((record) => old.has(record.issuerSha256));
        if (dependents.length > 0) {
          throw usageError(
            `cannot retire the old CA: ${dependents.length} identit${dependents.length === 1 ? 'y still holds' : 'ies still hold'} its certificates: ${dependents.map((record) => `${record.kind} ${record.name}`).join(', ')}`,
            'run `samctl renew --all` (or renew those names) first',
          );
        }
        const stamp = backupStamp(context.now);
        const files: FileSpec[] = [
          { name: 'ca.crt', content: caFiles.certPem, mode: PUBLIC },
          { name: 'ca.key', content: caFiles.keyPem, mode: SECRET },
          { name: 'truststore.password', content: `${caFiles.truststorePassword}\n`, mode: SECRET },
        ];
        await saveCaFiles(layout, files, join(layout.backups, `ca-${stamp}`));
        await refreshTruststores(layout.root, identities, [caFiles.certPem], caFiles.truststorePassword);
        await saveInventory(layout.inventory, recordRetirement(inventory));
        return { retired: retiring, identities };
      });
      out.result({ command: 'ca retire', dir: layout.root, retired: result.retired, truststoresUpdated: result.identities.length });
      for (const record of result.retired) out.line(`${out.style.green('✔')} retired ${record.subject} (serial ${record.serial.slice(0, 16)}…)`);
      out.line(`  ${result.identities.length} truststores and ca.crt files now trust only the current CA`);
      printBrokerReloads(context, result.identities);
    });
}

/** ca/ after phase 1: the new CA as ca.crt/ca.key, every older certificate as ca-<n>.crt. */
async function rotatedCaFiles(layout: PkiLayout, fresh: FileSpec[], oldCertPem: string, truststorePassword: string): Promise<FileSpec[]> {
  const names = await readdir(layout.caDir);
  const older = names.filter((name) => /^ca-\d+\.crt$/.test(name));
  const next = Math.max(0, ...older.map((name) => Number(/\d+/.exec(name)![0]))) + 1;
  const kept: FileSpec[] = [];
  for (const name of older) kept.push({ name, content: await readFile(join(layout.caDir, name)), mode: PUBLIC });
  return [
    ...fresh.filter((file) => file.name !== 'truststore.password'),
    // The truststore password stays: every existing truststore and properties file uses it.
    { name: 'truststore.password', content: `${truststorePassword}\n`, mode: SECRET },
    ...kept,
    { name: `ca-${next}.crt`, content: oldCertPem, mode: PUBLIC },
  ];
}

function printBrokerReloads(context: CommandContext, identities: IdentityRecord[]): void {
  const brokers = identities.filter((record) => record.kind === 'broker');
  if (brokers.length === 0) return;
  context.out.line("Reload each running broker's truststore without a restart:");
  for (const record of brokers) context.out.line(`  ${brokerReloadCommand(record, context.layout.root, 'truststore')}`);
}
