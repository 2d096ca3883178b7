import type { Command } from 'commander';
import { basename } from 'node:path';
import { planBundles, selectIdentities, writeBundles, type Bundle } from '../bundle/bundle.js';
import { checkRecipients, readRecipientsFile, type Encryption } from '../bundle/encrypt.js';
import { readBundlePassphrase } from '../bundle/passphrase.js';
import { AGE_IDENTITY_FILE, parseOwner, STAGING_PREFIX } from '../bundle/unpack.js';
import { usageError } from '../errors.js';
import { commandContext, requireInventory, type CommandContext } from './context.js';

interface ExportOptions {
  out?: string;
  encrypt?: boolean;
  recipient?: string[];
  recipientsFile?: string;
  passphraseFile?: string;
  owner?: string;
  hostIdentity?: string;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description("hand-over bundles: exactly the files each identity's host needs, as a tar for its install dir, optionally age-encrypted")
    .argument('<name...>', 'broker hosts or client names (broker/<name> or client/<name> when a name is both)')
    .option('--out <file|dir>', 'where to write: a file for one name, a directory (made 0700 if missing) for several (default: ./<name>.tar or .tar.age)')
    .option('--encrypt', 'encrypt with age (implied by --recipient, --recipients-file and --passphrase-file)')
    .option('--recipient <age1…>', "encrypt to this age public key (the host's `age-keygen -y key.txt`); repeatable", (value: string, list: string[] = []) => [...list, value])
    .option('--recipients-file <file>', 'encrypt to the age public keys in this file, one a line')
    .option('--passphrase-file <file>', 'encrypt with the passphrase on the first line of this file (else SAMCTL_BUNDLE_PASSPHRASE, else asked on a terminal)')
    .option('--host-identity <path>', "the host's age identity file, as the printed commands name it (default key.txt in the bundle's directory)")
    .option('--owner <user[:group]>', "make the printed commands chown the files to the service user before moving them in (e.g. kafka)")
    .addHelpText(
      'after',
      `
A bundle holds what the identity's host needs, named as in its install dir
(samctl broker issue … --install-dir /ssl): key, certificate, CA, keystore, truststore,
password files, the secrets file and the configs, plus SHA256SUMS. Never the CA key, the
CSR or another identity's files. Secrets are 0600 in the tar, everything else 0644; owner
and group are 0. samctl prints the commands that unpack it on the host.

Examples:
  $ samctl export sam01.ynformed.nl                          # ./sam01.ynformed.nl.tar
  $ samctl export sam01.ynformed.nl --recipient age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
  $ samctl export sam01.ynformed.nl sam02.ynformed.nl sam03.ynformed.nl \\
      --recipients-file hosts.age --out /mnt/nas/kafka-ssl/ --owner kafka
  $ samctl export console --encrypt                          # asks for a passphrase
  $ samctl --json export console | jq -r '.bundles[0].unpack[]' > unpack.sh

Writes (0600, replaced atomically; an existing file only with --force):
  sam01.ynformed.nl.tar        broker.key broker.crt broker.ca.crt broker.keystore.jks
                               broker.truststore.jks broker.store.password
                               broker.truststore.password broker-secrets.properties
                               server-ssl.properties SHA256SUMS
  sam01.ynformed.nl.tar.age    the same, age-encrypted

Encryption: age (age-encryption.org), readable by the age CLI (Debian: apt-get install age).
To recipients: the host decrypts with its identity file (age -d -i key.txt), no terminal
needed. With a passphrase (--passphrase-file, SAMCTL_BUNDLE_PASSPHRASE, or asked on a
terminal; never on the command line): the age CLI asks for it on a terminal only, so
unattended hosts and CI must use a recipient key. A passphrase costs ~1 s and ~360 MB per
bundle (scrypt).

On the host, the printed commands unpack into a staging directory inside the install dir,
check SHA256SUMS, and move each file in with mv -f (one atomic rename each; other files in
the install dir stay). tar --no-same-owner leaves the files owned by whoever unpacks: use
--owner kafka, or chown them to the broker's user yourself.

Exit codes:
  0  every bundle written
  1  an identity's files cannot be read or differ from the inventory (see samctl status), I/O
  2  bad usage or input: unknown name, existing --out without --force, bad recipient,
     unreadable passphrase file (nothing was written)`,
    )
    .action(async (names: string[], options: ExportOptions, command: Command) => {
      const context = commandContext(command);
      const owner = options.owner === undefined ? undefined : parseOwner(options.owner);
      const wantsRecipients = options.recipient !== undefined || options.recipientsFile !== undefined;
      if (wantsRecipients && options.passphraseFile !== undefined) {
        throw usageError('age encrypts to recipients or with a passphrase, not both', 'drop --passphrase-file, or the recipients');
      }
      const encrypted = Boolean(options.encrypt) || wantsRecipients || options.passphraseFile !== undefined;
      const inventory = await requireInventory(context);
      const identities = selectIdentities(inventory, [...new Set(names)]);
      const plans = await planBundles(identities, { out: options.out, encrypted, force: context.force, cwd: process.cwd() });
      const encryption = encrypted ? await readEncryption(context, options, wantsRecipients) : undefined;
      if (options.hostIdentity !== undefined && !/^[^\x00-\x1f]+$/.test(options.hostIdentity)) throw usageError(`invalid --host-identity "${options.hostIdentity.slice(0, 40)}"`, 'give the path of the identity file on the host, e.g. /etc/samctl/age.key');
      const bundles = await writeBundles(context.layout, plans, { encryption, owner, identityFile: options.hostIdentity, now: context.now });
      report(context, bundles, owner);
    });
}

/** Recipients, checked; or the passphrase, asked for last (after every other check passed). */
async function readEncryption(context: CommandContext, options: ExportOptions, wantsRecipients: boolean): Promise<Encryption> {
  if (wantsRecipients) {
    const given = (options.recipient ?? []).map((value, index) => ({ value: value.trim(), from: `--recipient #${index + 1}` }));
    const fromFile = options.recipientsFile === undefined ? [] : await readRecipientsFile(options.recipientsFile);
    return { kind: 'recipients', recipients: await checkRecipients([...given, ...fromFile]) };
  }
  const passphrase = await readBundlePassphrase({ passphraseFile: options.passphraseFile, prompt: context.interactive ? promptBundlePassphrase : undefined });
  return { kind: 'passphrase', passphrase };
}

// Like promptPassphrase in context.ts: inquirer on stderr, loaded only when a prompt is shown.
async function promptBundlePassphrase(): Promise<string> {
  const { default: inquirer } = await import('inquirer');
  const ask = inquirer.createPromptModule({ output: process.stderr });
  const { passphrase } = await ask<{ passphrase: string }>([{ type: 'password', name: 'passphrase', mask: '*', message: 'Bundle passphrase:' }]);
  const { again } = await ask<{ again: string }>([{ type: 'password', name: 'again', mask: '*', message: 'Repeat the bundle passphrase:' }]);
  if (again !== passphrase) throw usageError('the two passphrases differ', 'run the command again and type the same passphrase twice');
  return passphrase;
}

function report(context: CommandContext, bundles: Bundle[], owner: string | undefined): void {
  const { out } = context;
  out.result({
    command: 'export',
    dir: context.layout.root,
    bundles: bundles.map((bundle) => ({
      name: bundle.name,
      kind: bundle.kind,
      file: bundle.file,
      installDir: bundle.installDir,
      encrypted: bundle.encryption !== undefined,
      encryption: bundle.encryption ?? null,
      files: bundle.files,
      bytes: bundle.bytes,
      sha256: bundle.sha256,
      unpack: bundle.unpack,
    })),
  });
  for (const bundle of bundles) {
    const how = bundle.encryption === 'recipients' ? 'age, to recipients' : bundle.encryption === 'passphrase' ? 'age, passphrase' : 'not encrypted';
    out.line(`${out.style.green('✔')} ${bundle.kind} ${out.style.bold(bundle.name)}  →  ${context.display(bundle.file)}  (${how}, ${bundle.files.length} files, ${bundle.bytes} bytes)`);
    out.line(`  install dir  ${bundle.installDir}`);
    out.line(`  sha256       ${bundle.sha256}`);
    if (!bundle.ownInstallDir) {
      out.line(out.style.yellow(`  ! no install dir: its configs point into the PKI directory of this machine; set one with \`samctl configure ${bundle.name} --install-dir /ssl\``));
    }
    const where = bundle.kind === 'broker' ? bundle.name : "the client's host";
    const key = bundle.encryption === 'recipients' ? `; ${AGE_IDENTITY_FILE} is that host's age identity file` : '';
    out.line(`  On ${where}, as root, in the directory you copied ${basename(bundle.file)} to${key}:`);
    out.line('');
    for (const line of bundle.unpack) out.line(`    ${line}`);
    out.line('');
  }
  const notes = [
    `Paste each block whole: if a step fails, nothing after it runs and the install dir keeps its files (remove the ${STAGING_PREFIX}* staging dir in it).`,
    owner ? `The commands run \`chown ${owner}\` on the files before moving them in.` : "tar --no-same-owner leaves the files owned by whoever unpacks: give them to the service's user with --owner kafka, or chown kafka: <files>.",
  ];
  if (bundles.some((bundle) => bundle.encryption === 'passphrase')) notes.push('age -d asks for the passphrase on a terminal only: for unattended hosts and CI, export with --recipient instead.');
  for (const note of notes) out.line(note);
}
