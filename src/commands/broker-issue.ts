import type { Command } from 'commander';
import type { IdentityRequest } from '../identity.js';
import { issueAndSave } from '../issuing.js';
import { collectSubjectAltNames } from '../pki/names.js';
import { usageError } from '../errors.js';
import { parseDays, parseKeySize } from '../pki/validity.js';
import { parseStoreType } from '../keystore/stores.js';
import { DEFAULT_SASL_PORT, parseSecretsMode } from '../render/identity-configs.js';
import { parseSaslMechanisms, parseSaslPort } from '../pki/scram.js';
import { readKerberosInput } from '../kerberos-input.js';
import { parseInstallDir } from '../store/layout.js';
import { commandContext, passphraseReader } from './context.js';
import { collect, withIssueOptions, type IssueOptions } from './options.js';
import { printKerberosHints } from './kerberos-hints.js';
import { EXIT_CODES_HELP, SECRETS_HELP } from './help.js';
import { progressReporter, reportIssued, reportSuperUsersChange } from './report.js';
import { refreshSuperUsers } from '../lifecycle/authorizer.js';

interface BrokerIssueOptions extends IssueOptions {
  san: string[];
  saslPort?: string;
  authorizer?: boolean;
}

export function registerBrokerIssue(broker: Command): void {
  withIssueOptions(
    broker
      .command('issue')
    .description('issue a broker identity per host: key, CA-signed certificate with SANs, keystore.jks + truststore.jks')
    .argument('<host...>', 'broker DNS names or IPs (each gets its own key and certificate)')
    .option('--san <dns-or-ip>', 'extra subject alternative name for every host given (repeatable)', collect, [])
    .option('--sasl <mechanisms>', 'add a SASL_SSL listener beside the mTLS one: scram-sha-512, gssapi, or both (gssapi,scram-sha-512)')
    .option('--sasl-port <port>', `the SASL_SSL listener's port (with --sasl; default ${DEFAULT_SASL_PORT})`)
    .option('--keytab <file>', "with --sasl gssapi: the broker's keytab from your Kerberos admin (copied in, 0600)")
    .option('--kerberos-principal <name>', 'with --sasl gssapi: the principal in the keytab, e.g. kafka/sam01.ynformed.nl@YNFORMED.NL')
    .option('--krb5-conf <file>', "with --sasl gssapi: the realm's krb5.conf, copied in and named in the KAFKA_OPTS hint (default: the host's /etc/krb5.conf)")
    .option('--authorizer', 'add the KRaft authorizer: deny by default, brokers and --admin clients as super.users, an SSL controller listener')
  )
    .addHelpText(
      'after',
      `
Examples:
  $ samctl broker issue sam01.ynformed.nl --san sam01 --san 10.0.0.11
  $ samctl broker issue sam01.ynformed.nl sam02.ynformed.nl sam03.ynformed.nl

Writes, per host (here sam01.ynformed.nl):
  pki/brokers/sam01.ynformed.nl/keystore.jks           key + chain, alias sam01.ynformed.nl (0600)
  pki/brokers/sam01.ynformed.nl/truststore.jks         the CA as trustedCertEntry
  pki/brokers/sam01.ynformed.nl/store.password         keystore and key password (0600)
  pki/brokers/sam01.ynformed.nl/truststore.password    truststore password (0600)
  pki/brokers/sam01.ynformed.nl/server-ssl.properties  SSL listener settings for server.properties (0600)
  pki/brokers/sam01.ynformed.nl/broker.key, broker.csr, broker.crt, ca.crt   the same as PEM

With --sasl scram-sha-512, server-ssl.properties also opens a SASL_SSL listener on
--sasl-port (9093) with the same stores: sasl.enabled.mechanisms and the listener's JAAS line.
Register users with samctl client issue <name> --sasl scram-sha-512, then samctl scram <name>.

With --sasl gssapi (Kerberos) samctl runs no KDC: it takes the keytab and principal your
Kerberos admin made (kadmin ktadd -k, FreeIPA ipa-getkeytab), checks that the keytab holds the
principal before writing anything, and copies it in as broker.keytab (0600; in export bundles
too). server-ssl.properties gains sasl.kerberos.service.name (the principal's primary), the
listener's Krb5LoginModule JAAS line naming the keytab on the host, and
sasl.kerberos.principal.to.local.rules (alice@REALM is User:alice). Start the broker with
KAFKA_OPTS=-Djava.security.krb5.conf=<the realm's krb5.conf> (--krb5-conf copies one in as krb5.conf):
  $ samctl broker issue sam01.ynformed.nl --sasl gssapi,scram-sha-512 --keytab kafka.keytab \
      --kerberos-principal kafka/sam01.ynformed.nl@YNFORMED.NL --krb5-conf /etc/krb5.conf

The certificate carries the host and every --san (DNS or IP) as SANs, and both
serverAuth and clientAuth (brokers are clients of each other). An existing broker
is only re-issued with --force; its old files are kept under pki/backups/.

--authorizer adds to server-ssl.properties:
  authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
  allow.everyone.if.no.acl.found=false     (what no ACL grants is denied: see samctl acl)
  super.users=User:CN=sam01…;User:CN=admin…  every broker and every client issued with --admin
  controller.listener.names=CONTROLLER, listener.security.protocol.map=SSL:SSL,CONTROLLER:SSL
The authorizer checks KRaft's own traffic too: on a PLAINTEXT controller listener brokers
and controllers arrive as User:ANONYMOUS and their registrations and votes are refused. Over
SSL the controller listener uses the same keystore, truststore and ssl.client.auth=required,
so each node presents its broker certificate, a super user. Combined broker+controller nodes
add CONTROLLER://:9093 to listeners; the hosts in controller.quorum.voters (or
controller.quorum.bootstrap.servers) must be SANs of the broker certificates (hostname
verification applies between nodes too: 127.0.0.1 as a voter needs --san 127.0.0.1).
super.users is read at startup only: issuing another broker or admin renders the snippets of
the earlier authorizer brokers anew and prints the rolling restart they need.

${SECRETS_HELP}
${EXIT_CODES_HELP}`,
    )
    .action(async (hosts: string[], options: BrokerIssueOptions, command: Command) => {
      const context = commandContext(command);
      const days = parseDays(options.days);
      const keySize = parseKeySize(options.keySize);
      const storeType = parseStoreType(options.storeType);
      const installDir = options.installDir === undefined ? undefined : parseInstallDir(options.installDir);
      const secrets = parseSecretsMode(options.secrets);
      const mechanisms = options.sasl === undefined ? [] : parseSaslMechanisms(options.sasl);
      if (mechanisms.length === 0 && options.saslPort !== undefined) throw usageError('--sasl-port needs --sasl', 'for example: --sasl scram-sha-512 --sasl-port 9093');
      const port = options.saslPort === undefined ? DEFAULT_SASL_PORT : parseSaslPort(options.saslPort);
      if (hosts.length > 1 && mechanisms.includes('gssapi')) throw usageError('--sasl gssapi names one keytab and principal, but several hosts are given', 'issue each broker on its own: samctl broker issue <host> --sasl gssapi --keytab … --kerberos-principal kafka/<host>@REALM');
      const kerberos = await readKerberosInput(mechanisms, options, 'samctl broker issue sam01.ynformed.nl --sasl gssapi --keytab kafka.keytab --kerberos-principal kafka/sam01.ynformed.nl@YNFORMED.NL');
      const sasl = mechanisms.length === 0 ? undefined : { mechanism: mechanisms[0]!, ...(mechanisms.length > 1 ? { mechanisms } : {}), port, ...(kerberos ? { kerberos: kerberos.settings } : {}) };
      const requests: IdentityRequest[] = hosts.map((host) => {
        const sans = collectSubjectAltNames(host, options.san);
        return { kind: 'broker', name: sans[0].value, dn: { cn: sans[0].value }, sans, days, keySize, storeType, installDir, secrets, sasl, authorizer: Boolean(options.authorizer), ...(kerberos ? { kerberosFiles: { keytab: kerberos.keytab, krb5Conf: kerberos.krb5Conf } } : {}) };
      });
      assertDistinct(requests);
      const issued = await issueAndSave(requests, {
        layout: context.layout,
        force: context.force,
        now: context.now,
        passphrase: passphraseReader(context, options.caPasswordFile, 'existing'),
        onIssued: progressReporter(context, requests.length),
      });
      const change = await refreshSuperUsers(context.layout, context.now);
      reportIssued(context, 'broker issue', issued, { superUsersChange: change ? { superUsers: change.superUsers, restart: change.restart.map((record) => record.name) } : null });
      printKerberosHints(context.out, context.layout, issued);
      reportSuperUsersChange(context, change);
    });
}

function assertDistinct(requests: IdentityRequest[]): void {
  const names = requests.map((request) => request.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) throw usageError(`host ${duplicate} is given twice`, 'name each broker once; extra names go in --san');
}
