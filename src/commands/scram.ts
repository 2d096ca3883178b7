import type { Command } from 'commander';
import { usageError } from '../errors.js';
import { readClientIdentity } from '../kafka/client-identity.js';
import { registerScramUser } from '../kafka/scram.js';
import { parseIdentityName } from '../pki/names.js';
import { addScramArgument, isScramMechanism, newScramCredential, type ScramMechanism } from '../pki/scram.js';
import { identityFileNames } from '../store/layout.js';
import { parsePasswordText, readTextFile } from '../store/read.js';
import { commandContext, requireInventory } from './context.js';
import { parseBootstrap } from './reload.js';

interface ScramOptions {
  formatArg?: boolean;
  register?: boolean;
  bootstrap?: string;
  client?: string;
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
    .addHelpText(
      'after',
      `
The password never leaves the PKI directory: samctl salts it (PBKDF2-HMAC-SHA-512, 4096
iterations, a new random salt each time) and hands Kafka only the salted credential.

Examples:
  $ samctl client issue alice --sasl scram-sha-512
  $ kafka-storage.sh format -t <cluster-id> -c server.properties --add-scram "$(samctl scram alice --format-arg)"
  $ samctl scram alice --register --bootstrap sam01.ynformed.nl:9092 --client admin

Exit codes:
  0  printed, or the cluster accepted the credential
  1  the cluster was unreachable or refused it (the line names why), or a file is damaged
  2  bad usage (no such client, a client without --sasl, neither or both of --format-arg / --register)`,
    )
    .action(async (rawName: string, options: ScramOptions, command: Command) => {
      const context = commandContext(command);
      const { layout, out } = context;
      if (Boolean(options.formatArg) === Boolean(options.register)) throw usageError('give one of --format-arg or --register', `for example: samctl scram ${rawName} --format-arg`);
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
      const credential = newScramCredential(parsePasswordText(await readTextFile(passwordFile, fix), passwordFile, fix, { generated: true }));
      const mechanism: ScramMechanism = record.sasl.mechanism;

      if (options.formatArg) {
        const argument = addScramArgument(name, mechanism, credential);
        out.result({ command: 'scram', client: name, user: name, mechanism, formatArg: argument });
        out.line(argument);
        return;
      }
      const admin = parseIdentityName(options.client!);
      const identity = await readClientIdentity(layout, admin);
      const { clusterId } = await registerScramUser(bootstrap!, identity, name, mechanism, credential);
      out.result({ command: 'scram', client: name, user: name, mechanism, registered: true, clusterId, bootstrap, via: admin });
      out.line(`${out.style.green('✔')} SCRAM user ${name} (${mechanism.toUpperCase()}) registered on cluster ${clusterId} through ${admin}`);
    });
}
