import { KAFKA_STORE_TYPE, storeHasPasswords, type StoreType } from '../keystore/stores.js';
import type { SaslSettings, SecretsMode } from '../store/inventory.js';
import { kafkaMechanismName } from '../pki/scram.js';
import { DEFAULT_KERBEROS_SERVICE_NAME, kerberosServiceName, kerberosShortName, krb5JaasConfig, principalToLocalRules } from '../pki/kerberos.js';
import { saslMechanisms } from '../store/inventory.js';
import type { IdentityKind, IdentityFileNames } from '../store/layout.js';
import { PUBLIC, SECRET, type FileSpec } from '../store/layout.js';
import { usageError } from '../errors.js';
import { composeSnippet } from './snippets.js';
import { superUsersValue } from './authorizer.js';

export const SECRETS_MODES: readonly SecretsMode[] = ['file', 'inline'];

export function parseSecretsMode(raw: string): SecretsMode {
  const mode = raw.trim().toLowerCase();
  if (!(SECRETS_MODES as readonly string[]).includes(mode)) throw usageError(`invalid --secrets "${raw}": use file (passwords in a 0600 file read through \${file:…}) or inline`);
  return mode as SecretsMode;
}

export interface ConfigInput {
  kind: IdentityKind;
  name: string;
  principal: string;
  storeType: StoreType;
  /** inline: passwords in the properties files; file: in a 0600 secrets file read through ${file:…}. */
  secrets: SecretsMode;
  /** Absolute paths of the identity's files on its host. */
  hostPath: (file: keyof IdentityFileNames) => string;
  /** The identity's file names (the secrets file among them, in file mode). */
  names: IdentityFileNames;
  keystorePassword: string;
  truststorePassword: string;
  /** Broker: its SASL_SSL listener; client: its SASL user (the name). */
  sasl?: SaslSettings;
  /** SASL clients: the SCRAM password. */
  scramPassword?: string;
  /** Brokers with the KRaft authorizer (--authorizer): the principals of super.users. */
  superUsers?: string[];
  /** Where the CA's CRL copy is on the identity's host, once samctl revoke published one (librdkafka's ssl.crl.location). */
  crlFile?: string;
  /** The PKI's ssl.principal.mapping.rules for the broker config; absent: never set (Kafka's DEFAULT, no line). */
  principalRules?: string;
}

/** The SASL_SSL listener's port when --sasl-port is not given (the mTLS listener keeps 9092). */
export const DEFAULT_SASL_PORT = 9093;

/**
 * The config files of one identity, composed from snippet parts: the broker's
 * server-ssl.properties, or the client's client-ssl.properties and librdkafka.properties,
 * plus the secrets file in `file` mode. Derived from the inventory and the store passwords
 * alone, so configs can be re-rendered (install dir or secrets mode changed) without re-signing.
 */
export function renderIdentityConfigs(input: ConfigInput): FileSpec[] {
  const withPasswords = storeHasPasswords(input.storeType);
  const viaFile = withPasswords && input.secrets === 'file';
  const secretsPath = viaFile ? input.hostPath('secrets') : undefined;
  const reference = (key: string) => `\${file:${secretsPath}:${key}}`;
  const stores = {
    storeType: KAFKA_STORE_TYPE[input.storeType],
    keystore: input.hostPath('keystore'),
    truststore: input.hostPath('truststore'),
    keystorePassword: withPasswords ? (viaFile ? reference('keystore.password') : input.keystorePassword) : undefined,
    truststorePassword: withPasswords ? (viaFile ? reference('truststore.password') : input.truststorePassword) : undefined,
  };
  const inlineSecrets = withPasswords && !viaFile;
  const common = [
    inlineSecrets && { name: 'inline-secrets-warning' as const, view: {} },
  ];
  const files: FileSpec[] = [];
  // A config that holds passwords is a secret itself; one that only references them is not.
  const configMode = inlineSecrets ? SECRET : PUBLIC;
  if (input.kind === 'broker') {
    files.push({
      name: input.names.config,
      mode: configMode,
      content: composeSnippet([
        { name: 'broker-header', view: { host: input.name } },
        ...common,
        input.sasl ? { name: 'broker-sasl-listeners', view: { host: input.name, saslPort: String(input.sasl.port ?? DEFAULT_SASL_PORT) } } : { name: 'broker-listeners', view: { host: input.name } },
        viaFile && { name: 'config-providers', view: { secretsFile: secretsPath } },
        { name: 'tls-stores', view: stores },
        { name: 'broker-tls', view: {} },
        input.sasl && { name: 'broker-sasl', view: { saslPort: String(input.sasl.port ?? DEFAULT_SASL_PORT), mechanism: saslMechanisms(input.sasl).map(kafkaMechanismName).join(','), scram: saslMechanisms(input.sasl).includes('scram-sha-512') ? 'yes' : undefined } },
        input.sasl?.kerberos && { name: 'broker-sasl-gssapi', view: brokerGssapiView(input) },
        input.superUsers && { name: 'broker-authorizer', view: { superUsers: superUsersValue(input.superUsers), protocolMap: ['SSL:SSL', ...(input.sasl ? ['SASL_SSL:SASL_SSL'] : []), 'CONTROLLER:SSL'].join(',') } },
        input.principalRules !== undefined && { name: 'broker-principal-rules', view: { principalRules: input.principalRules } },
      ]),
    });
  } else {
    files.push(
      {
        name: input.names.config,
        mode: configMode,
        content: composeSnippet([
          { name: 'client-header', view: { name: input.name, principal: input.principal } },
          ...common,
          { name: 'client-protocol', view: {} },
          viaFile && { name: 'config-providers', view: { secretsFile: secretsPath } },
          { name: 'tls-stores', view: stores },
          { name: 'client-tls', view: {} },
        ]),
      },
      {
        name: input.names.librdkafka!,
        mode: PUBLIC,
        content: composeSnippet(
          [{ name: 'librdkafka', view: { name: input.name, principal: input.principal, caFile: input.hostPath('ca'), certFile: input.hostPath('cert'), keyFile: input.hostPath('key'), crlFile: input.crlFile } }],
          'librdkafka',
        ),
      },
    );
  }
  const clientSasl = input.kind === 'client' && input.sasl ? saslClientFiles(input, stores, viaFile ? reference : undefined) : undefined;
  if (clientSasl) files.push(...clientSasl.files);
  if (viaFile) {
    files.push({
      name: input.names.secrets!,
      mode: SECRET,
      content: composeSnippet([
        { name: 'secrets', view: { name: input.name, keystorePassword: input.keystorePassword, truststorePassword: input.truststorePassword } },
        clientSasl?.jaasConfig !== undefined && { name: 'sasl-secrets', view: { jaasConfig: clientSasl.jaasConfig } },
      ]),
    });
  }
  return files;
}

/**
 * A SASL client's files: client-sasl.properties (the JAAS line inline, or read from the
 * secrets file through ${file:…} like the store passwords), librdkafka-sasl.properties (the
 * password itself: librdkafka has no config providers, so 0600) and the password file.
 * No keystore: on SASL_SSL the client authenticates with SCRAM and only verifies the broker.
 */
function saslClientFiles(input: ConfigInput, stores: { storeType: string; truststore: string; truststorePassword?: string }, reference?: (key: string) => string): { files: FileSpec[]; jaasConfig?: string } {
  if (input.sasl!.kerberos) return gssapiClientFiles(input, stores, reference);
  const password = input.scramPassword;
  if (!password) throw usageError(`client ${input.name} uses SASL but has no SCRAM password`, `issue it anew: samctl client issue ${input.name} --sasl ${input.sasl!.mechanism} --force`);
  const user = input.name;
  const mechanism = kafkaMechanismName(input.sasl!.mechanism);
  // JAAS option values are double-quoted strings; the generated password (base64url) and the name hold no quote.
  const jaasConfig = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${password}";`;
  const configMode = reference ? PUBLIC : SECRET;
  return {
    jaasConfig,
    files: [
      { name: input.names.scramPassword!, mode: SECRET, content: `${password}\n` },
      {
        name: input.names.saslConfig!,
        mode: configMode,
        content: composeSnippet([
          { name: 'client-sasl', view: { name: input.name, user, mechanism, jaasConfig: reference ? reference('sasl.jaas.config') : jaasConfig } },
          !reference && { name: 'inline-secrets-warning', view: {} },
          reference && { name: 'config-providers', view: { secretsFile: input.hostPath('secrets') } },
          { name: 'client-sasl-truststore', view: stores },
        ]),
      },
      {
        name: input.names.saslLibrdkafka!,
        mode: SECRET,
        content: composeSnippet([{ name: 'librdkafka-sasl', view: { name: input.name, user, mechanism, password, caFile: input.hostPath('ca') } }], 'librdkafka'),
      },
    ],
  };
}

/** The broker's Kerberos lines: the JAAS login from its keytab (at its install-dir path), the service name, the principal rules. */
function brokerGssapiView(input: ConfigInput): Record<string, string> {
  const kerberos = input.sasl!.kerberos!;
  return {
    principal: kerberos.principal,
    realm: kerberos.principal.slice(kerberos.principal.lastIndexOf('@') + 1),
    krb5Conf: kerberos.krb5Conf ? input.hostPath('krb5Conf') : '/etc/krb5.conf',
    serviceName: kerberosServiceName(kerberos.principal),
    jaasConfig: krb5JaasConfig(input.hostPath('keytab'), kerberos.principal),
    toLocalRules: principalToLocalRules(kerberos.principal.slice(kerberos.principal.lastIndexOf('@') + 1)),
  };
}

/**
 * A GSSAPI client's files: client-sasl.properties (the keytab login's JAAS line: a path, no
 * secret, so it stays inline) and librdkafka-sasl.properties (librdkafka runs kinit with the
 * keytab). The keytab is the secret, copied into the identity at 0600.
 */
function gssapiClientFiles(input: ConfigInput, stores: { storeType: string; truststore: string; truststorePassword?: string }, reference?: (key: string) => string): { files: FileSpec[] } {
  const principal = input.sasl!.kerberos!.principal;
  const user = kerberosShortName(principal);
  const keytab = input.hostPath('keytab');
  const krb5Conf = input.sasl!.kerberos!.krb5Conf ? input.hostPath('krb5Conf') : '/etc/krb5.conf';
  const common = { name: input.name, user, mechanism: 'GSSAPI', serviceName: DEFAULT_KERBEROS_SERVICE_NAME, krb5Conf };
  // Only the truststore password can be a secret here.
  const inline = stores.truststorePassword !== undefined && !reference;
  return {
    files: [
      {
        name: input.names.saslConfig!,
        mode: inline ? SECRET : PUBLIC,
        content: composeSnippet([
          { name: 'client-sasl', view: { ...common, jaasConfig: krb5JaasConfig(keytab, principal) } },
          inline && { name: 'inline-secrets-warning', view: {} },
          reference && stores.truststorePassword !== undefined && { name: 'config-providers', view: { secretsFile: input.hostPath('secrets') } },
          { name: 'client-sasl-truststore', view: stores },
        ]),
      },
      {
        name: input.names.saslLibrdkafka!,
        mode: PUBLIC,
        content: composeSnippet([{ name: 'librdkafka-sasl', view: { ...common, principal, keytab, caFile: input.hostPath('ca') } }], 'librdkafka'),
      },
    ],
  };
}
