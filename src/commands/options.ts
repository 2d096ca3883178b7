import { Option, type Command } from 'commander';
import { DEFAULTS } from '../defaults.js';

export { DEFAULTS };

/** A repeatable option's values, in the order given. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

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

/** The option values of every identity-issuing command: withIssueOptions's, and the SASL / Kerberos ones each declares. */
export interface IssueOptions {
  days: string;
  keySize: string;
  storeType: string;
  installDir?: string;
  secrets: string;
  caPasswordFile?: string;
  sasl?: string;
  keytab?: string;
  kerberosPrincipal?: string;
  krb5Conf?: string;
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

/** The options of a command that talks to an OpenBao / Vault engine: where samctl's mounts are and who samctl is to it. */
export interface EngineOptions {
  pkiMount: string;
  kvMount?: string;
  tokenFile?: string;
  roleIdFile?: string;
  secretIdFile?: string;
}

/**
 * Adds the engine options (EngineOptions), described for this command: pkiMount and kvMount say
 * what the mounts are to it, and `only` prefixes every description (e.g. "openbao" for ca init).
 */
export function withEngineOptions(command: Command, describe: { pkiMount: string; kvMount: string; only?: string }): Command {
  const only = describe.only ? `${describe.only}: ` : '';
  return command
    .addOption(new Option('--pki-mount <path>', `${only}${describe.pkiMount}`).default('samctl-pki'))
    .addOption(new Option('--kv-mount <path>', `${only}${describe.kvMount}`))
    .addOption(new Option('--token-file <file>', `${only}read the engine token from this file when BAO_TOKEN / VAULT_TOKEN are unset and no AppRole is given (or SAMCTL_ENGINE_TOKEN_FILE; else ~/.vault-token)`))
    .addOption(new Option('--role-id-file <file>', `${only}log in with AppRole when BAO_TOKEN / VAULT_TOKEN are unset: the role_id file (or SAMCTL_ENGINE_ROLE_ID_FILE)`))
    .addOption(new Option('--secret-id-file <file>', `${only}log in with AppRole: the secret_id file, 0600 (or SAMCTL_ENGINE_SECRET_ID_FILE)`));
}

/** Who samctl is to the engine, from the engine options: for connectEngine. */
export function engineLogin(options: EngineOptions): { tokenFile?: string; appRole: { roleIdFile?: string; secretIdFile?: string } } {
  return { tokenFile: options.tokenFile, appRole: { roleIdFile: options.roleIdFile, secretIdFile: options.secretIdFile } };
}
