import type { Command } from 'commander';
import type { IdentityRequest } from '../identity.js';
import { issueAndSave } from '../issuing.js';
import { collectSubjectAltNames } from '../pki/names.js';
import { usageError } from '../errors.js';
import { parseDays, parseKeySize } from '../pki/validity.js';
import { parseStoreType } from '../keystore/stores.js';
import { DEFAULT_SASL_PORT, parseSecretsMode } from '../render/identity-configs.js';
import { parseSaslMechanism, parseSaslPort } from '../pki/scram.js';
import { parseInstallDir } from '../store/layout.js';
import { commandContext, passphraseReader } from './context.js';
import { withIssueOptions } from './options.js';
import { EXIT_CODES_HELP, SECRETS_HELP } from './help.js';
import { progressReporter, reportIssued } from './report.js';

interface BrokerIssueOptions {
  san: string[];
  days: string;
  keySize: string;
  storeType: string;
  installDir?: string;
  secrets: string;
  caPasswordFile?: string;
  sasl?: string;
  saslPort?: string;
}

export function registerBrokerIssue(broker: Command): void {
  withIssueOptions(
    broker
      .command('issue')
    .description('issue a broker identity per host: key, CA-signed certificate with SANs, keystore.jks + truststore.jks')
    .argument('<host...>', 'broker DNS names or IPs (each gets its own key and certificate)')
    .option('--san <dns-or-ip>', 'extra subject alternative name for every host given (repeatable)', collect, [])
    .option('--sasl <mechanism>', 'add a SASL_SSL listener beside the mTLS one: scram-sha-512')
    .option('--sasl-port <port>', `the SASL_SSL listener's port (with --sasl; default ${DEFAULT_SASL_PORT})`)
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

The certificate carries the host and every --san (DNS or IP) as SANs, and both
serverAuth and clientAuth (brokers are clients of each other). An existing broker
is only re-issued with --force; its old files are kept under pki/backups/.

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
      const sasl = options.sasl === undefined ? undefined : { mechanism: parseSaslMechanism(options.sasl), port: options.saslPort === undefined ? DEFAULT_SASL_PORT : parseSaslPort(options.saslPort) };
      if (!sasl && options.saslPort !== undefined) throw usageError('--sasl-port needs --sasl', 'for example: --sasl scram-sha-512 --sasl-port 9093');
      const requests: IdentityRequest[] = hosts.map((host) => {
        const sans = collectSubjectAltNames(host, options.san);
        return { kind: 'broker', name: sans[0].value, dn: { cn: sans[0].value }, sans, days, keySize, storeType, installDir, secrets, sasl };
      });
      assertDistinct(requests);
      const issued = await issueAndSave(requests, {
        layout: context.layout,
        force: context.force,
        now: context.now,
        passphrase: passphraseReader(context, options.caPasswordFile, 'existing'),
        onIssued: progressReporter(context, requests.length),
      });
      reportIssued(context, 'broker issue', issued);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function assertDistinct(requests: IdentityRequest[]): void {
  const names = requests.map((request) => request.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) throw usageError(`host ${duplicate} is given twice`, 'name each broker once; extra names go in --san');
}
