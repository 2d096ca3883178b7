import type { Command } from 'commander';
import { usageError } from '../errors.js';
import { configureIdentities } from '../lifecycle/configure.js';
import { parseSecretsMode } from '../render/identity-configs.js';
import { hostPlacement, parseInstallDir } from '../store/layout.js';
import { commandContext, requireInventory } from './context.js';
import { EXIT_CODES_HELP } from './help.js';
import { installDirOption } from './options.js';

export function registerConfigure(program: Command): void {
  program
    .command('configure')
    .description("change identities' install dir or secrets mode: their configs are rendered anew, nothing is re-signed")
    .argument('<name...>', 'broker hosts or client names')
    .addOption(installDirOption())
    .option('--no-install-dir', 'point the configs back into the PKI directory')
    .option('--secrets <mode>', 'file (passwords in a 0600 secrets file read through ${file:…}) or inline')
    .addHelpText(
      'after',
      `
Keys, certificates, stores and passwords stay as they are; server-ssl.properties,
client-ssl.properties, librdkafka.properties and the secrets file are written anew.
The previous directory is kept under <dir>/backups/. With the inventory in an engine's KV
(ca init --kv-mount), the engine's copy changes too: the host's next samctl pull installs
the files there, and every PKI directory joined to the mount takes the choice.

Examples:
  $ samctl configure sam01.ynformed.nl console --install-dir /ssl
  $ samctl configure prediction-service --secrets file
  $ samctl configure console --no-install-dir
${EXIT_CODES_HELP}`,
    )
    .action(async (names: string[], options: { installDir?: string | false; secrets?: string }, command: Command) => {
      const context = commandContext(command);
      const { layout, out } = context;
      const installDir = options.installDir === false ? null : options.installDir === undefined ? undefined : parseInstallDir(options.installDir);
      const secrets = options.secrets === undefined ? undefined : parseSecretsMode(options.secrets);
      if (installDir === undefined && secrets === undefined) throw usageError('nothing to change', 'give --install-dir <path>, --no-install-dir or --secrets file|inline');
      await requireInventory(context); // with the inventory in the engine's KV: the shared copy first
      const updated = await configureIdentities(layout, [...new Set(names)], { installDir, secrets }, context.now);
      out.result({ command: 'configure', dir: layout.root, configured: updated.map((record) => ({ kind: record.kind, name: record.name, installDir: record.installDir ?? null, secrets: record.secrets, files: record.files })) });
      for (const record of updated) {
        out.line(`${out.style.green('✔')} ${record.kind} ${out.style.bold(record.name)}  configs point to ${hostPlacement(layout, record).dir} (secrets ${record.secrets})`);
        out.line(`  files      ${context.display(layout.identityDir(record.kind, record.name))}/{${record.files.join(',')}}`);
      }
    });
}
