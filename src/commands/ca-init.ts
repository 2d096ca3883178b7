import type { Command } from 'commander';
import { initCa } from '../authority/init.js';
import { initEngineCa, migrateDirectoryCa } from '../authority/openbao.js';
import { connectEngine } from '../engine/connection.js';
import { parseMount } from '../engine/pki.js';
import { usageError } from '../errors.js';
import { parseDnValue } from '../pki/names.js';
import { parsePrincipalRules, principalRulesWarnings } from '../pki/principal.js';
import { parseDays, parseKeySize } from '../pki/validity.js';
import { exists } from '../store/files.js';
import { commandContext, passphraseReader } from './context.js';
import { EXIT_CODES_HELP } from './help.js';
import { caPasswordFileOption, daysOption, DEFAULTS, engineLogin, keySizeOption, withEngineOptions, type EngineOptions } from './options.js';

interface CaInitOptions extends EngineOptions {
  cn: string;
  org?: string;
  days: string;
  keySize: string;
  caPasswordFile?: string;
  principalRules?: string;
  backend: string;
  migrate?: boolean;
}

export function registerCaInit(ca: Command): void {
  withEngineOptions(
    ca
      .command('init')
      .description('create the certificate authority that signs every broker and client')
    .option('--cn <name>', 'CA common name', 'samctl Kafka CA')
    .option('--org <org>', 'organisation (O=) of the CA and of every identity it issues')
    .addOption(daysOption(DEFAULTS.caDays))
    .addOption(keySizeOption(DEFAULTS.caKeySize))
    .addOption(caPasswordFileOption())
    .option('--principal-rules <rules>', "Kafka's ssl.principal.mapping.rules for the whole PKI (default: none, Kafka's DEFAULT); see samctl principal-rules --help")
    .option('--backend <backend>', 'where the CA key lives: directory (in the PKI directory) or openbao (an OpenBao / Vault PKI mount)', 'directory'),
    {
      only: 'openbao',
      pkiMount: 'the PKI mount (enabled when missing; a mount that already holds a CA is joined)',
      kvMount: 'a KV v2 mount for the shared inventory and identity files (enabled when missing, cas_required set); default: none (inventory only in the PKI directory)',
    },
  )
    .option('--migrate', "openbao: move this PKI directory's existing CA into the PKI mount (its key is sent to the engine once; ca/ca.key moves to backups/), and with --kv-mount its inventory and identities")
    .addHelpText(
      'after',
      `
The CA passphrase is asked twice on a terminal; otherwise it comes from
$SAMCTL_CA_PASSWORD or --ca-password-file (never from a flag value).

Examples:
  $ samctl ca init
  $ SAMCTL_CA_PASSWORD=... samctl ca init --org "Ynformed" --dir /srv/kafka-pki
  $ samctl ca init --org Ynformed --principal-rules 'RULE:^CN=([^,]+),.*$/$1/,DEFAULT'
  $ BAO_ADDR=https://bao.example:8200 BAO_TOKEN=... samctl ca init --backend openbao --pki-mount kafka-pki --org Ynformed
  $ samctl ca init --backend openbao --pki-mount kafka-pki --kv-mount kafka-kv --migrate   # an existing directory CA

Writes:
  pki/ca/ca.crt                 CA certificate (give it to anyone who must trust the brokers)
  pki/ca/ca.key                 CA key, PKCS#8 encrypted with the passphrase (0600)
  pki/ca/truststore.password    password of every truststore samctl builds (0600)
  pki/samctl.json               inventory (0600)

With --backend openbao the root is generated inside the PKI mount (its key never leaves
the engine) and roles samctl-broker / samctl-client are written there; the engine's address
comes from $BAO_ADDR / $VAULT_ADDR and is recorded in pki/samctl.json. Locally only
pki/ca/ca.crt (a copy of the engine's CA), pki/ca/truststore.password and pki/samctl.json
are written. Engine errors: 2 for a token the engine refuses or a mount that is not PKI,
1 for an engine that cannot be reached or is sealed; nothing is written locally then.

An existing CA is only replaced with --force; the old one is kept under pki/backups/.
${EXIT_CODES_HELP}`,
    )
    .action(async (options: CaInitOptions, command: Command) => {
      const context = commandContext(command);
      const { layout, out } = context;
      const cn = parseDnValue(options.cn, '--cn');
      const org = options.org === undefined ? undefined : parseDnValue(options.org, '--org');
      const days = parseDays(options.days);
      const keySize = parseKeySize(options.keySize);
      const rules = options.principalRules === undefined ? undefined : parsePrincipalRules(options.principalRules);
      if (options.backend !== 'directory' && options.backend !== 'openbao') throw usageError(`invalid --backend "${options.backend.slice(0, 30)}"`, 'use --backend directory (the default) or --backend openbao');

      if (options.migrate) {
        if (options.backend !== 'openbao') throw usageError('--migrate moves a CA into an engine', 'add --backend openbao --pki-mount <mount>');
        const pkiMount = parseMount(options.pkiMount ?? 'samctl-pki', '--pki-mount');
        const kvMount = options.kvMount === undefined ? undefined : parseMount(options.kvMount, '--kv-mount');
        if (!(await exists(layout.caCert))) throw usageError(`no CA in ${context.display(layout.caDir)} to migrate`, 'run samctl ca init --backend openbao without --migrate to make a CA in the engine');
        const client = await connectEngine(engineLogin(options));
        const moved = await migrateDirectoryCa(layout, client, { pkiMount, kvMount, passphrase: passphraseReader(context, options.caPasswordFile, 'existing'), now: context.now });
        out.result({ command: 'ca init', dir: layout.root, backend: 'openbao', engine: moved.settings, migrated: true, ca: moved.record, identities: moved.identities, backup: moved.backup });
        out.line(`${out.style.green('✔')} CA ${out.style.bold(moved.record.subject)} moved into ${moved.settings.address}/v1/${pkiMount}/; every certificate issued so far stays valid`);
        if (kvMount) out.line(`  inventory and ${moved.identities} active identities copied to ${kvMount}/samctl/${pkiMount}/`);
        out.warn(`the CA key was sent to the engine, and its encrypted copy is kept in ${context.display(moved.backup ?? layout.backups)}/ca.key: once the engine is backed up, delete that copy (and every other copy of the PKI directory) so the engine holds the only one`);
        return;
      }
      if ((await exists(layout.caCert)) && !context.force) {
        throw usageError(
          `a CA already exists in ${context.display(layout.caDir)}`,
          'pass --force to replace it (the old CA is kept under backups/), or `samctl ca rotate` to roll it over without downtime',
        );
      }
      if (options.backend === 'openbao') {
        const pkiMount = parseMount(options.pkiMount ?? 'samctl-pki', '--pki-mount');
        const kvMount = options.kvMount === undefined ? undefined : parseMount(options.kvMount, '--kv-mount');
        const client = await connectEngine(engineLogin(options));
        const engine = await initEngineCa(layout, client, { pkiMount, kvMount, dn: { cn, o: org }, days, keySize, now: context.now, principalRules: rules?.setting });
        out.result({ command: 'ca init', dir: layout.root, backend: 'openbao', engine: engine.settings, joined: engine.joined, ca: engine.record, files: { cert: layout.caCert }, backup: engine.backup, ...(rules ? { principalRules: rules.setting } : {}) });
        out.line(`${out.style.green('✔')} CA ${out.style.bold(engine.record.subject)} ${engine.joined ? 'already in' : 'generated inside'} ${engine.settings.address}/v1/${pkiMount}/ (its key never leaves the engine)`);
        out.line(`  serial   ${engine.record.serial}`);
        out.line(`  expires  ${engine.record.notAfter.slice(0, 10)}`);
        out.line(`  sha256   ${engine.record.sha256}`);
        out.line(`  roles    ${pkiMount}/roles/samctl-broker, ${pkiMount}/roles/samctl-client`);
        out.line(`  ${context.display(layout.caCert)} (a copy of the engine's CA)`);
        if (engine.backup) out.line(`  previous CA moved to ${context.display(engine.backup)}`);
        out.line(`Next: samctl broker issue <host>   samctl client issue <name>   (BAO_TOKEN / VAULT_TOKEN in the environment)`);
        return;
      }
      const passphrase = await passphraseReader(context, options.caPasswordFile, 'new')();
      const authority = await initCa(layout, { dn: { cn, o: org }, days, keySize, passphrase, now: context.now, principalRules: rules?.setting });
      const backup = authority.backup;

      out.result({ command: 'ca init', dir: layout.root, ca: authority.record, files: { cert: layout.caCert, key: layout.caKey }, backup, ...(rules ? { principalRules: rules.setting } : {}) });
      out.line(`${out.style.green('✔')} CA ${out.style.bold(authority.record.subject)} created`);
      out.line(`  serial   ${authority.record.serial}`);
      out.line(`  expires  ${authority.record.notAfter.slice(0, 10)} (${days} days), RSA ${keySize}`);
      out.line(`  sha256   ${authority.record.sha256}`);
      out.line(`  ${context.display(layout.caCert)}  ${context.display(layout.caKey)} (encrypted, 0600)`);
      if (backup) out.line(`  previous CA moved to ${context.display(backup)}`);
      if (rules) out.line(`  principals ssl.principal.mapping.rules=${rules.setting} (in every broker config samctl writes)`);
      for (const warning of rules ? principalRulesWarnings(rules) : []) out.warn(warning);
      out.line(`Next: samctl broker issue <host>   samctl client issue <name>`);
    });
}
