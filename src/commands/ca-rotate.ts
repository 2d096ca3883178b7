import type { Command } from 'commander';
import { rotateEngineCa } from '../authority/engine-rotation.js';
import { engineSettingsOf, retireCa, rotateCa } from '../authority/rotation.js';
import { reloadBrokerStore } from '../kafka/actions.js';
import { republishCrls } from '../lifecycle/crl-publish.js';
import { parseDnValue } from '../pki/names.js';
import { parseDays, parseKeySize } from '../pki/validity.js';
import type { IdentityRecord } from '../store/inventory.js';
import { commandContext, passphraseReader, type CommandContext } from './context.js';
import { EXIT_CODES_HELP } from './help.js';
import { caPasswordFileOption, daysOption, DEFAULTS, keySizeOption } from './options.js';

const ROTATION_HELP = `
CA rotation without downtime, in three resumable phases:
  1. samctl ca rotate      new CA key + certificate; every truststore and ca.crt now
                           trusts the old and the new CA (reload the brokers' truststores)
  2. samctl renew --all    re-sign every identity with the new CA (reload keystores)
  3. samctl ca retire      drop the old CA from every truststore once nothing depends on it
                           (reload the brokers' truststores)
Once a CRL is in use (samctl revoke / samctl crl), ca/crl.pem holds one CRL per trusted CA:
ca rotate keeps the old CA's key as ca/ca-<n>.key so it keeps signing its own CRL, and ca
retire drops it with the old CA. Ship each identity's crl.pem with its truststore.
Deliver the files and reload the brokers after each phase before starting the next.
samctl status shows the phase. Running a phase again completes it if it was interrupted.
With the CA in OpenBao / Vault (ca init --backend openbao) no passphrase is asked: phase 1
makes a new root issuer in the PKI mount its default issuer; phase 3 keeps the old issuer
but stops it from signing (usage read-only,crl-signing).`;

export function registerCaRotate(ca: Command): void {
  ca.command('rotate')
    .description('phase 1 of a CA rotation: a new CA, trusted next to the old one everywhere')
    .option('--cn <name>', 'common name of the new CA (default: the old one with a generation suffix)')
    .addOption(daysOption(DEFAULTS.caDays))
    .addOption(keySizeOption(DEFAULTS.caKeySize))
    .addOption(caPasswordFileOption('read the CA passphrase from the first line of this file (the new CA key uses it too)'))
    .addHelpText('after', `${ROTATION_HELP}\n\nExamples:\n  $ samctl ca rotate          # then reload every broker's truststore\n  $ samctl renew --all        # then reload every broker's keystore\n  $ samctl ca retire          # then reload every broker's truststore\n${EXIT_CODES_HELP}`)
    .action(async (options: { cn?: string; days: string; keySize: string; caPasswordFile?: string }, command: Command) => {
      const context = commandContext(command);
      const { layout, out } = context;
      const days = parseDays(options.days);
      const keySize = parseKeySize(options.keySize);
      const cn = options.cn === undefined ? undefined : parseDnValue(options.cn, '--cn');
      // A CA in OpenBao / Vault: a new issuer in the mount, no passphrase (the engine holds the keys).
      const engine = await engineSettingsOf(layout);
      let result;
      let crl: Awaited<ReturnType<typeof republishCrls>> | undefined;
      if (engine) {
        result = await rotateEngineCa(layout, engine, { cn, days, keySize, now: context.now });
      } else {
        const passphrase = await passphraseReader(context, options.caPasswordFile, 'existing')();
        result = await rotateCa(layout, { cn, days, keySize, passphrase, now: context.now });
        crl = await republishCrls(layout, passphrase, context.now);
      }

      out.result({ command: 'ca rotate', dir: layout.root, resumed: result.resumed, ca: result.active, trustedCas: result.trustedCas, truststoresUpdated: result.identities.length, crl: crl ?? null });
      out.line(`${out.style.green('✔')} ${result.resumed ? 'rotation resumed' : 'new CA'} ${out.style.bold(result.active.subject)} (expires ${result.active.notAfter.slice(0, 10)})`);
      out.line(`  ${result.identities.length} truststores and ca.crt files now trust ${result.trustedCas} CAs`);
      if (crl) out.line(`  ${context.display(layout.caCrl)}: CRL #${crl.number} from each of the ${crl.issuers} CAs, next update ${crl.nextUpdate.slice(0, 10)} (copied to ${crl.copies} identities; ship them with the truststores)`);
      printBrokerReloads(context, result.identities);
      out.line('Next, once every broker trusts both CAs: samctl renew --all   (re-sign every identity with the new CA), then samctl ca retire');
    });
}

export function registerCaRetire(ca: Command): void {
  ca.command('retire')
    .description('phase 3 of a CA rotation: drop the old CA from every truststore')
    .addHelpText('after', `${ROTATION_HELP}\n\nRefuses while an identity still holds a certificate from the old CA, naming it.\n${EXIT_CODES_HELP}`)
    .action(async (_options: object, command: Command) => {
      const context = commandContext(command);
      const { layout, out } = context;
      const result = await retireCa(layout, context.now);
      out.result({ command: 'ca retire', dir: layout.root, retired: result.retired, truststoresUpdated: result.identities.length });
      for (const record of result.retired) out.line(`${out.style.green('✔')} retired ${record.subject} (serial ${record.serial.slice(0, 16)}…)`);
      out.line(`  ${result.identities.length} truststores and ca.crt files now trust only the current CA`);
      if (result.crl === 'stale') out.warn(`${context.display(layout.caCrl)} holds no CRL of the current CA (published before samctl kept one per CA): run samctl crl, or clients that check CRLs refuse every broker`);
      else if (result.crl === 'current') out.line(`  ${context.display(layout.caCrl)} and its copies keep only the current CA's CRL`);
      printBrokerReloads(context, result.identities);
    });
}

function printBrokerReloads(context: CommandContext, identities: IdentityRecord[]): void {
  const brokers = identities.filter((record) => record.kind === 'broker');
  if (brokers.length === 0) return;
  context.out.line("Reload each running broker's truststore without a restart:");
  for (const record of brokers) context.out.line(`  ${reloadBrokerStore(context.layout, record, 'truststore').command}`);
  context.out.line(`or let samctl find the node.ids and do it: samctl reload ${brokers.map((record) => record.name).join(' ')} --truststore --bootstrap <host:port> --client <admin client>`);
}
