import type { Command } from 'commander';
import { usageError } from '../errors.js';
import { issueAndSave } from '../issuing.js';
import { parseDnValue, parseIdentityName } from '../pki/names.js';
import { parseDays, parseKeySize } from '../pki/validity.js';
import { parseStoreType } from '../keystore/stores.js';
import { parseSecretsMode } from '../render/identity-configs.js';
import { parseSaslMechanism } from '../pki/scram.js';
import { parseInstallDir } from '../store/layout.js';
import { commandContext, passphraseReader, promptText } from './context.js';
import { withIssueOptions } from './options.js';
import { EXIT_CODES_HELP, SECRETS_HELP } from './help.js';
import { reportIssued, reportSuperUsersChange } from './report.js';
import { refreshSuperUsers, superUserProblem } from '../lifecycle/authorizer.js';

interface ClientIssueOptions {
  cn?: string;
  ou?: string;
  days: string;
  keySize: string;
  storeType: string;
  installDir?: string;
  secrets: string;
  caPasswordFile?: string;
  sasl?: string;
  admin?: boolean;
}

export function registerClientIssue(client: Command): void {
  withIssueOptions(
    client
      .command('issue')
    .description('issue a client identity: PEM key/cert/CA for Python and librdkafka, JKS stores and client-ssl.properties for Java')
    .argument('[name]', 'client name (directory name; the CN unless --cn is given); asked for on a terminal')
    .option('--cn <cn>', 'common name in the certificate (default: the name)')
    .option('--ou <ou>', 'organisational unit (OU=) in the certificate')
    .option('--sasl <mechanism>', 'also a SASL user named as the client, for a SASL_SSL listener: scram-sha-512')
    .option('--admin', "a super user on brokers issued with --authorizer: applies ACLs (samctl acl --admin), reloads keystores, creates topics")
  )
    .addHelpText(
      'after',
      `
Examples:
  $ samctl client issue prediction-service
  $ samctl client issue console --ou data-team
  $ kafka-console-producer.sh --topic=sensordata --bootstrap-server sam01.ynformed.nl:9092 \\
      --producer.config=pki/clients/console/client-ssl.properties

Writes (here for prediction-service):
  pki/clients/prediction-service/client.key      PKCS#8 PEM key, unencrypted (0600)
  pki/clients/prediction-service/client.crt      certificate (clientAuth)
  pki/clients/prediction-service/ca.crt          CA certificate to verify the brokers
  pki/clients/prediction-service/librdkafka.properties   ssl.*.location for librdkafka / confluent-kafka
  pki/clients/prediction-service/client-ssl.properties   for --producer.config / --consumer.config (0600)
  pki/clients/prediction-service/keystore.jks, truststore.jks, store.password, truststore.password

With --sasl scram-sha-512 the client is also SCRAM user <name> (principal User:<name>) with a
generated password: client-scram.password (0600), client-sasl.properties for the Java tools
and librdkafka-sasl.properties (0600) for the broker's SASL_SSL listener. Register the user
with samctl scram <name> (--format-arg for kafka-storage.sh format, --register on a cluster).

The broker sees the client as the principal printed (User:CN=...), the RFC 2253
form of the subject; use it in ACLs (samctl acl <name> writes them).

--admin puts the client's principal in super.users of every broker issued with
--authorizer: their snippets are rendered anew and the brokers need a rolling restart
(printed). Keep its key on the machines that run samctl acl --apply and the reloads.

${SECRETS_HELP}
${EXIT_CODES_HELP}`,
    )
    .action(async (rawName: string | undefined, options: ClientIssueOptions, command: Command) => {
      const context = commandContext(command);
      let nameInput = rawName;
      if (nameInput === undefined) {
        if (!context.interactive) throw usageError('missing client name', 'for example: samctl client issue prediction-service');
        nameInput = await promptText('Client name (e.g. prediction-service):');
      }
      const name = parseIdentityName(nameInput);
      const cn = options.cn === undefined ? name : parseDnValue(options.cn, '--cn');
      const ou = options.ou === undefined ? undefined : parseDnValue(options.ou, '--ou');
      const days = parseDays(options.days);
      const keySize = parseKeySize(options.keySize);
      const storeType = parseStoreType(options.storeType);
      const installDir = options.installDir === undefined ? undefined : parseInstallDir(options.installDir);
      const secrets = parseSecretsMode(options.secrets);
      const sasl = options.sasl === undefined ? undefined : { mechanism: parseSaslMechanism(options.sasl) };
      const problem = options.admin ? superUserProblem({ '--cn': cn, '--ou': ou }) : undefined;
      if (problem) throw usageError(problem, "choose a CN and OU without ';'");
      const issued = await issueAndSave([{ kind: 'client', name, dn: { cn, ou }, sans: [], days, keySize, storeType, installDir, secrets, sasl, admin: Boolean(options.admin) }], {
        layout: context.layout,
        force: context.force,
        now: context.now,
        passphrase: passphraseReader(context, options.caPasswordFile, 'existing'),
      });
      const change = await refreshSuperUsers(context.layout, context.now);
      reportIssued(context, 'client issue', issued, { superUsersChange: change ? { superUsers: change.superUsers, restart: change.restart.map((record) => record.name) } : null });
      reportSuperUsersChange(context, change);
    });
}
