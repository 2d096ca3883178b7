import type { Command } from 'commander';
import { usageError } from '../errors.js';
import type { IdentityRequest } from '../identity.js';
import { issueAndSave } from '../issuing.js';
import { parseDnValue, parseIdentityName } from '../pki/names.js';
import { parseDays, parseKeySize } from '../pki/validity.js';
import { parseStoreType } from '../keystore/stores.js';
import { parseSecretsMode } from '../render/identity-configs.js';
import { parseSaslMechanism } from '../pki/scram.js';
import { readKerberosInput } from '../kerberos-input.js';
import { parseInstallDir } from '../store/layout.js';
import { commandContext, passphraseReader, promptText } from './context.js';
import { withIssueOptions, type IssueOptions } from './options.js';
import { printKerberosHints } from './kerberos-hints.js';
import { EXIT_CODES_HELP, SECRETS_HELP } from './help.js';
import { progressReporter, reportIssued, reportSuperUsersChange } from './report.js';
import { refreshSuperUsers, superUserProblem } from '../lifecycle/authorizer.js';
import { brokerKerberosRealms } from '../lifecycle/principals.js';
import { saslPrincipal } from '../pki/sasl-principal.js';
import { loadInventory } from '../store/inventory.js';

interface ClientIssueOptions extends IssueOptions {
  cn?: string;
  ou?: string;
  admin?: boolean;
}

export function registerClientIssue(client: Command): void {
  withIssueOptions(
    client
      .command('issue')
    .description('issue client identities: PEM key/cert/CA for Python and librdkafka, JKS stores and client-ssl.properties for Java')
    .argument('[name...]', 'client names (directory names; each the CN unless --cn is given); one is asked for on a terminal')
    .option('--cn <cn>', 'common name in the certificate (default: the name; only with one name)')
    .option('--ou <ou>', 'organisational unit (OU=) in every certificate issued')
    .option('--sasl <mechanism>', 'also a SASL identity for a SASL_SSL listener: scram-sha-512 (a SCRAM user named as each client) or gssapi (a Kerberos keytab)')
    .option('--keytab <file>', "with --sasl gssapi: the client's keytab from your Kerberos admin (copied in, 0600)")
    .option('--kerberos-principal <name>', 'with --sasl gssapi: the principal in the keytab, e.g. prediction-service@YNFORMED.NL')
    .option('--krb5-conf <file>', "with --sasl gssapi: the realm's krb5.conf, copied in and named in the KRB5_CONFIG / KAFKA_OPTS hints")
    .option('--admin', "super users on brokers issued with --authorizer: apply ACLs (samctl acl --admin), reload keystores, create topics")
  )
    .addHelpText(
      'after',
      `
Examples:
  $ samctl client issue prediction-service
  $ samctl client issue console --ou data-team
  $ samctl client issue billing audit reporting --store-type pem   # one CA unlock, keys in parallel
  $ kafka-console-producer.sh --topic=sensordata --bootstrap-server sam01.ynformed.nl:9092 \\
      --producer.config=pki/clients/console/client-ssl.properties

Writes, per name (here for prediction-service):
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

With --sasl gssapi the client logs in with a keytab your Kerberos admin made (samctl runs no
KDC and checks, before writing anything, that the keytab holds --kerberos-principal): it is
copied in as client.keytab (0600); client-sasl.properties carries the Krb5LoginModule JAAS line
and sasl.kerberos.service.name=kafka, librdkafka-sasl.properties the sasl.kerberos.keytab,
principal and service name (librdkafka runs kinit itself). The principal printed is the one
the brokers' sasl.kerberos.principal.to.local.rules give (Kafka's KerberosShortNamer): a
one-part name of the GSSAPI brokers' realm, or any name of their default realm (taken to be
the same), is User:<primary> (alice@REALM is User:alice); a name of another realm is refused.
samctl acl and samctl revoke name that principal for a SASL client. The Java tools need KAFKA_OPTS=-Djava.security.krb5.conf=<file>,
librdkafka and kafka-python KRB5_CONFIG=<file> (--krb5-conf copies the realm's in as krb5.conf).
  $ samctl client issue alice --sasl gssapi --keytab alice.keytab --kerberos-principal alice@YNFORMED.NL

Several names are issued in one run: the CA is unlocked once and the keys are made in
parallel; --ou, --days, --key-size, --store-type, --install-dir and --secrets apply to
each. Nothing is written unless every name is valid and new (or --force is given).

The broker sees the client as the principal printed (User:CN=...), the RFC 2253
form of the subject; use it in ACLs (samctl acl <name> writes them).

--admin puts the client's principal in super.users of every broker issued with
--authorizer: their snippets are rendered anew and the brokers need a rolling restart
(printed). Keep its key on the machines that run samctl acl --apply and the reloads.

${SECRETS_HELP}
${EXIT_CODES_HELP}`,
    )
    .action(async (rawNames: string[], options: ClientIssueOptions, command: Command) => {
      const context = commandContext(command);
      let names = rawNames;
      if (names.length === 0) {
        if (!context.interactive) throw usageError('missing client name', 'for example: samctl client issue prediction-service');
        names = [await promptText('Client name (e.g. prediction-service):')];
      }
      if (names.length > 1 && options.cn !== undefined) {
        throw usageError(`--cn names one identity, but ${names.length} clients are given`, 'issue that client on its own: samctl client issue <name> --cn <cn>');
      }
      const parsed = names.map(parseIdentityName);
      assertDistinct(parsed);
      const ou = options.ou === undefined ? undefined : parseDnValue(options.ou, '--ou');
      const cn = options.cn === undefined ? undefined : parseDnValue(options.cn, '--cn');
      const days = parseDays(options.days);
      const keySize = parseKeySize(options.keySize);
      const storeType = parseStoreType(options.storeType);
      const installDir = options.installDir === undefined ? undefined : parseInstallDir(options.installDir);
      const secrets = parseSecretsMode(options.secrets);
      const mechanism = options.sasl === undefined ? undefined : parseSaslMechanism(options.sasl);
      if (mechanism === 'gssapi' && parsed.length > 1) throw usageError('--sasl gssapi names one keytab and principal, but several clients are given', 'issue each GSSAPI client on its own: samctl client issue <name> --sasl gssapi --keytab … --kerberos-principal <name>@REALM');
      const kerberos = await readKerberosInput(mechanism ? [mechanism] : [], options, 'samctl client issue alice --sasl gssapi --keytab alice.keytab --kerberos-principal alice@YNFORMED.NL');
      const sasl = mechanism === undefined ? undefined : { mechanism, ...(kerberos ? { kerberos: kerberos.settings } : {}) };
      const problem = options.admin ? superUserProblem({ '--cn': cn, '--ou': ou }) : undefined;
      if (problem) throw usageError(problem, "choose a CN and OU without ';'");
      const requests: IdentityRequest[] = parsed.map((name) => ({
        kind: 'client',
        name,
        dn: { cn: cn ?? name, ou },
        sans: [],
        days,
        keySize,
        storeType,
        installDir,
        secrets,
        sasl,
        admin: Boolean(options.admin),
        ...(kerberos ? { kerberosFiles: { keytab: kerberos.keytab, krb5Conf: kerberos.krb5Conf } } : {}),
      }));
      const signed = await issueAndSave(requests, {
        layout: context.layout,
        force: context.force,
        now: context.now,
        passphrase: passphraseReader(context, options.caPasswordFile, 'existing'),
        onIssued: progressReporter(context, requests.length),
      });
      // A SASL client's principal on the SASL_SSL listener: User:<SCRAM user>, or its Kerberos name after the brokers' to.local rules.
      const realms = sasl?.kerberos ? brokerKerberosRealms(await loadInventory(context.layout.inventory)) : undefined;
      const issued = signed.map((identity) => ({ ...identity, principal: saslPrincipal(identity.record, realms) ?? identity.principal }));
      const change = await refreshSuperUsers(context.layout, context.now);
      reportIssued(context, 'client issue', issued, { superUsersChange: change ? { superUsers: change.superUsers, restart: change.restart.map((record) => record.name) } : null });
      printKerberosHints(context.out, context.layout, issued);
      reportSuperUsersChange(context, change);
    });
}

function assertDistinct(names: string[]): void {
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) throw usageError(`client ${duplicate} is given twice`, 'name each client once');
}
