import { Option, type Command } from 'commander';
import { DEFAULTS } from '../defaults.js';

export { DEFAULTS };

export function daysOption(defaultDays?: number, what = 'validity in days'): Option {
  const option = new Option('--days <n>', what);
  return defaultDays === undefined ? option : option.default(String(defaultDays));
}

export function keySizeOption(defaultBits: number): Option {
  return new Option('--key-size <bits>', 'RSA key size: 2048, 3072 or 4096').default(String(defaultBits));
}

export function caPasswordFileOption(what = 'read the CA passphrase from the first line of this file'): Option {
  return new Option('--ca-password-file <file>', what);
}

export function storeTypeOption(): Option {
  return new Option('--store-type <type>', 'keystore/truststore format: jks, pkcs12 (.p12, no JVM needed) or pem (Kafka 2.7+ PEM stores)').default(DEFAULTS.storeType);
}

export function installDirOption(): Option {
  return new Option('--install-dir <path>', "where the identity's files will live on its host (absolute); every generated config points there (default: its directory in the PKI directory)");
}

export function secretsOption(): Option {
  return new Option('--secrets <mode>', 'store passwords in a 0600 secrets file read through Kafka\'s FileConfigProvider (file), or inline in the configs (inline)').default(DEFAULTS.secrets);
}

/** The options every identity-issuing command shares. */
export function withIssueOptions(command: Command): Command {
  return command
    .addOption(daysOption(DEFAULTS.leafDays))
    .addOption(keySizeOption(DEFAULTS.leafKeySize))
    .addOption(storeTypeOption())
    .addOption(installDirOption())
    .addOption(secretsOption())
    .addOption(caPasswordFileOption());
}
