import { KAFKA_STORE_TYPE, storeHasPasswords, type StoreType } from '../keystore/stores.js';
import type { SecretsMode } from '../store/inventory.js';
import type { IdentityKind, IdentityFileNames } from '../store/layout.js';
import { PUBLIC, SECRET, type FileSpec } from '../store/layout.js';
import { usageError } from '../errors.js';
import { composeSnippet } from './snippets.js';

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
  /** The PKI's ssl.principal.mapping.rules for the broker config; absent: never set (Kafka's DEFAULT, no line). */
  principalRules?: string;
}

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
        { name: 'broker-listeners', view: { host: input.name } },
        viaFile && { name: 'config-providers', view: { secretsFile: secretsPath } },
        { name: 'tls-stores', view: stores },
        { name: 'broker-tls', view: {} },
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
          [{ name: 'librdkafka', view: { name: input.name, principal: input.principal, caFile: input.hostPath('ca'), certFile: input.hostPath('cert'), keyFile: input.hostPath('key') } }],
          'librdkafka',
        ),
      },
    );
  }
  if (viaFile) {
    files.push({
      name: input.names.secrets!,
      mode: SECRET,
      content: composeSnippet([{ name: 'secrets', view: { name: input.name, keystorePassword: input.keystorePassword, truststorePassword: input.truststorePassword } }]),
    });
  }
  return files;
}
