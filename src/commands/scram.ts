import type { Command } from 'commander';
import { usageError } from '../errors.js';
import { readClientIdentity } from '../kafka/client-identity.js';
import { registerScramUser } from '../kafka/scram.js';
import { parseIdentityName } from '../pki/names.js';
import { addScramArgument, isScramMechanism, newScramCredential, type ScramMechanism } from '../pki/scram.js';
import { identityFileNames } from '../store/layout.js';
import { newScramPassword, saveScramPassword } from '../lifecycle/scram-rotate.js';
import { parsePasswordText, readTextFile } from '../store/read.js';
import { commandContext, requireInventory } from './context.js';
import { parseBootstrap } from './reload.js';

interface ScramOptions {
  formatArg?: boolean;
  register?: boolean;
  bootstrap?: string;
  client?: string;
  rotate?: boolean;
}

export function registerScram(program: Command): void {
  program
    .command('scram')
    .description("register a SASL client's SCRAM user with Kafka: the salted kafka-storage.sh format argument, or the Admin API on a running cluster")
    .argument('<client>', 'a client issued with --sasl scram-sha-512')
    .option('--format-arg', "print the value of kafka-storage.sh format's --add-scram (salted: it holds no password)")
    .option('--register', "register the user on a running cluster (AlterUserScramCredentials)")
    .option('--bootstrap <host:port>', 'with --register: the cluster\'s SSL (mTLS) listener')
    .option('--client <name>', 'with --register: the client identity to connect with; it needs ALTER on the cluster')
    .option('--rotate', "renew the password: a new one is made and written to the client's files (with --register: registered first)")
    .addHelpText(
      'after',
      `
The password never leaves the PKI directory: samctl salts it (PBKDF2-HMAC-SHA-512, 4096
iterations, a new random salt each time) and hands Kafka only the salted credential.

Examples:
  $ samctl client issue alice --sasl scram-sha-512
  $ kafka-storage.sh format -t <cluster-id> -c server.properties --add-scram "$(samctl scram alice --format-arg)"
  $ samctl scram alice --register --bootstrap sam01.ynformed.nl:9092 --client admin
  $ samctl scram alice --rotate --register --bootstrap sam01.ynformed.nl:9092 --client admin

--rotate renews the password (certificate renewal keeps it: a renewed client keeps working).
Kafka holds one SCRAM credential per user, so from the registration on, only the new files
authenticate: deliver them (samctl export alice) right after. With --register the cluster gets
the new credential first and the files are written once it accepted it; without, the files are
written and the registration step is printed. Writes pki/clients/<name>/client-scram.password
and the configs that carry it (client-secrets.properties or client-sasl.properties,
librdkafka-sasl.properties); the previous files go to pki/backups/.

Exit codes:
  0  printed, or the cluster accepted the credential
  1  the cluster was unreachable or refused it (the line names why), or a file is damaged
  2  bad usage (no such client, a client without --sasl, neither or both of --format-arg / --register without --rotate)`,
    )
    .action(async (rawName: string, options: ScramOptions, command: Command) => {
      const context = commandContext(command);
      const { layout, out } = context;
      if (options.formatArg && options.register) throw usageError('give one of --format-arg or --register', `for example: samctl scram ${rawName} --format-arg`);
      if (!options.formatArg && !options.register && !options.rotate) throw usageError('give one of --format-arg, --register or --rotate', `for example: samctl scram ${rawName} --format-arg`);
      if (options.register && (!options.bootstrap || !options.client)) throw usageError('--register needs --bootstrap and --client', `for example: samctl scram ${rawName} --register --bootstrap sam01.ynformed.nl:9092 --client admin`);
      const name = parseIdentityName(rawName);
      const bootstrap = options.register ? parseBootstrap(options.bootstrap!) : undefined;
      const inventory = await requireInventory(context);
      const record = inventory.identities.find((entry) => entry.status === 'active' && entry.kind === 'client' && entry.name === name);
      if (!record) throw usageError(`no client identity named ${name}`, 'see `samctl status` for the names');
      if (!record.sasl) throw usageError(`client ${name} is not a SASL user`, `issue it with: samctl client issue ${name} --sasl scram-sha-512 --force`);
      if (!isScramMechanism(record.sasl.mechanism)) throw usageError(`client ${name} authenticates with ${record.sasl.mechanism.toUpperCase()} (a Kerberos keytab), not SCRAM: its Kerberos admin manages its credential`, `issue a SCRAM user with: samctl client issue <name> --sasl scram-sha-512`);
      const passwordFile = layout.identityFile('client', name, identityFileNames('client', record.storeType, { sasl: true }).scramPassword!);
      const fix = `issue it anew: samctl client issue ${name} --sasl ${record.sasl.mechanism} --force`;
      const rotated = options.rotate ? newScramPassword() : undefined;
      const credential = newScramCredential(rotated ?? parsePasswordText(await readTextFile(passwordFile, fix), passwordFile, fix, { generated: true }));
      const mechanism: ScramMechanism = record.sasl.mechanism;

      if (rotated !== undefined && !options.register) {
        await saveScramPassword(layout, record, rotated, context.now);
        const argument = options.formatArg ? addScramArgument(name, mechanism, credential) : undefined;
        out.result({ command: 'scram', client: name, user: name, mechanism, rotated: true, registered: false, ...(argument ? { formatArg: argument } : {}) });
        if (argument) {
          out.line(argument);
          return;
        }
        out.line(`${out.style.green('✔')} SCRAM user ${name}: new password written to ${passwordFile} and the configs that carry it`);
        out.line('Register it on the cluster (until then the broker knows the old one), then deliver the files:');
        out.line(`  samctl scram ${name} --register --bootstrap <host:port> --client <admin client>`);
        return;
      }

      if (options.formatArg) {
        const argument = addScramArgument(name, mechanism, credential);
        out.result({ command: 'scram', client: name, user: name, mechanism, formatArg: argument });
        out.line(argument);
        return;
      }
      const admin = parseIdentityName(options.client!);
      const identity = await readClientIdentity(layout, admin);
      const { clusterId } = await registerScramUser(bootstrap!, identity, name, mechanism, credential);
      // Rotating: the files follow the credential the cluster accepted.
      if (rotated !== undefined) await saveScramPassword(layout, record, rotated, context.now);
      out.result({ command: 'scram', client: name, user: name, mechanism, registered: true, ...(rotated !== undefined ? { rotated: true } : {}), clusterId, bootstrap, via: admin });
      out.line(`${out.style.green('✔')} SCRAM user ${name} (${mechanism.toUpperCase()}) ${rotated !== undefined ? 'has a new password, ' : ''}registered on cluster ${clusterId} through ${admin}`);
      if (rotated !== undefined) out.line(`  new password written to ${passwordFile} and the configs that carry it: deliver them (samctl export ${name})`);
    });
}
