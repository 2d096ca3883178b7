import { isAbsolute, join, resolve } from 'node:path';
import { operationError, usageError } from '../errors.js';
import { storeHasPasswords, type StoreType } from '../keystore/stores.js';
import type { SaslSettings } from './inventory.js';

/**
 * The one module that spells file and directory names: the PKI directory (what samctl keeps)
 * and an identity's install directory (where its files live on its host). Everyone else asks here.
 */

export type IdentityKind = 'broker' | 'client';

export const SECRET = 0o600;
export const PUBLIC = 0o644;
export const PRIVATE_DIR = 0o700;

/** A file to write: its name inside the target directory, its content and its mode. */
export interface FileSpec {
  name: string;
  content: string | Buffer;
  mode: 0o600 | 0o644;
}

/** Every file of one identity, by role. Password files are absent for PEM stores (KIP-651 forbids them). */
export interface IdentityFileNames {
  key: string;
  csr: string;
  cert: string;
  ca: string;
  keystore: string;
  truststore: string;
  storePassword?: string;
  truststorePassword?: string;
  /** Store passwords for Kafka's FileConfigProvider (`--secrets file`). */
  secrets?: string;
  /** server-ssl.properties or client-ssl.properties. */
  config: string;
  /** Clients only: librdkafka / confluent-kafka settings. */
  librdkafka?: string;
  /** SASL clients only: the SCRAM password (0600), client-sasl.properties, librdkafka-sasl.properties (0600). */
  scramPassword?: string;
  saslConfig?: string;
  saslLibrdkafka?: string;
  /** GSSAPI identities: the keytab given with --keytab (0600), and the --krb5-conf copy. */
  keytab?: string;
  krb5Conf?: string;
}

const STORE_EXTENSION: Record<StoreType, string> = { jks: 'jks', pkcs12: 'p12', pem: 'pem' };

/**
 * File names inside an identity's directory in the PKI directory. With `prefixed`, every name
 * carries the kind (`broker.keystore.jks`), so that a broker and a client can share one
 * install directory on a host (the team keeps both under /ssl) without overwriting each other.
 */
export function identityFileNames(kind: IdentityKind, storeType: StoreType, options: { prefixed?: boolean; secrets?: boolean; sasl?: boolean | SaslSettings } = {}): IdentityFileNames {
  const p = options.prefixed ? `${kind}.` : '';
  // `sasl: true` is a SCRAM client (the file names its password has); settings say which mechanisms.
  const mechanisms = options.sasl === true ? ['scram-sha-512'] : options.sasl ? (options.sasl.mechanisms ?? [options.sasl.mechanism]) : [];
  const scram = mechanisms.includes('scram-sha-512');
  const gssapi = mechanisms.includes('gssapi');
  const krb5Conf = gssapi && typeof options.sasl === 'object' && options.sasl.kerberos?.krb5Conf === true;
  const ext = STORE_EXTENSION[storeType];
  const passwords = storeHasPasswords(storeType);
  return {
    key: `${kind}.key`,
    csr: `${kind}.csr`,
    cert: `${kind}.crt`,
    ca: `${p}ca.crt`,
    keystore: `${p}keystore.${ext}`,
    truststore: `${p}truststore.${ext}`,
    storePassword: passwords ? `${p}store.password` : undefined,
    truststorePassword: passwords ? `${p}truststore.password` : undefined,
    secrets: passwords && options.secrets ? `${kind}-secrets.properties` : undefined,
    config: kind === 'broker' ? 'server-ssl.properties' : 'client-ssl.properties',
    librdkafka: kind === 'client' ? 'librdkafka.properties' : undefined,
    // A broker's SASL_SSL listener lives in server-ssl.properties; a client's SASL settings get files of their own.
    scramPassword: kind === 'client' && scram ? 'client-scram.password' : undefined,
    saslConfig: kind === 'client' && mechanisms.length > 0 ? 'client-sasl.properties' : undefined,
    saslLibrdkafka: kind === 'client' && mechanisms.length > 0 ? 'librdkafka-sasl.properties' : undefined,
    keytab: gssapi ? `${kind}.keytab` : undefined,
    krb5Conf: krb5Conf ? `${p}krb5.conf` : undefined,
  };
}

/**
 * The copy of ca/crl.pem in every identity's directory (samctl revoke / samctl crl refresh it,
 * as ca rotate refreshes truststores): what ssl.crl.location names on the identity's host.
 */
export function identityCrlName(kind: IdentityKind, options: { prefixed?: boolean } = {}): string {
  return options.prefixed ? `${kind}.crl.pem` : 'crl.pem';
}

/** The files of ca/. */
export const CA_FILE_NAMES = { cert: 'ca.crt', key: 'ca.key', truststorePassword: 'truststore.password', crl: 'crl.pem' } as const;

/** Older CA certificates kept during a rotation: ca-1.crt, ca-2.crt, … (and their keys, ca-1.key, …: each signs its own CRL). */
const OLDER_CA_CERT = /^ca-(\d+)\.crt$/;
const OLDER_CA_KEY = /^ca-(\d+)\.key$/;

export function olderCaKeyGeneration(fileName: string): number | undefined {
  const match = OLDER_CA_KEY.exec(fileName);
  return match ? Number(match[1]) : undefined;
}

export function olderCaGeneration(fileName: string): number | undefined {
  const match = OLDER_CA_CERT.exec(fileName);
  return match ? Number(match[1]) : undefined;
}

/** Where everything lives in a PKI directory (see README "The PKI directory"). */
export function pkiLayout(dir: string) {
  const root = resolve(dir);
  const caDir = join(root, 'ca');
  const kindDir = (kind: IdentityKind) => (kind === 'broker' ? 'brokers' : 'clients');
  return {
    root,
    inventory: join(root, 'samctl.json'),
    lock: join(root, 'samctl.lock'),
    caDir,
    caCert: join(caDir, CA_FILE_NAMES.cert),
    caKey: join(caDir, CA_FILE_NAMES.key),
    /** The CRLs (samctl revoke / samctl crl): one per trusted CA, each signed by its CA, concatenated. */
    caCrl: join(caDir, CA_FILE_NAMES.crl),
    truststorePassword: join(caDir, CA_FILE_NAMES.truststorePassword),
    olderCaCertName: (generation: number) => `ca-${generation}.crt`,
    /** A retiring CA's encrypted key, kept until `ca retire`: it signs that CA's CRL (samctl crl, revoke). */
    olderCaKeyName: (generation: number) => `ca-${generation}.key`,
    /** A truststore built once per trusted-CA set and store type (see truststores.ts). */
    cachedTruststore: (digest: string, type: StoreType) => join(caDir, `.truststore-${digest}.${type}`),
    backups: join(root, 'backups'),
    caBackup: (stamp: string) => join(root, 'backups', `ca-${stamp}`),
    identityBackup: (kind: IdentityKind, name: string, stamp: string) => join(root, 'backups', kindDir(kind), `${name}-${stamp}`),
    /** Directories that hold identity directories (and, after a killed run, staging leftovers). */
    identityParents: [join(root, 'brokers'), join(root, 'clients')],
    /** An identity's directory relative to the root, as the inventory records it. */
    identityRelativeDir: (kind: IdentityKind, name: string) => `${kindDir(kind)}/${name}`,
    identityDir: (kind: IdentityKind, name: string) => join(root, kindDir(kind), name),
    identityFile: (kind: IdentityKind, name: string, file: string) => join(root, kindDir(kind), name, file),
  };
}

export type PkiLayout = ReturnType<typeof pkiLayout>;

/**
 * Where an identity's files are on its host, and under which names: its install directory
 * when it has one (names prefixed by kind), else its directory in the PKI directory.
 */
export function hostPlacement(layout: PkiLayout, identity: { kind: IdentityKind; name: string; storeType: StoreType; installDir?: string; secrets?: 'file' | 'inline'; sasl?: SaslSettings }): { dir: string; names: IdentityFileNames; path: (file: keyof IdentityFileNames) => string } {
  const secrets = identity.secrets === 'file';
  const dir = identity.installDir ?? layout.identityDir(identity.kind, identity.name);
  const names = identityFileNames(identity.kind, identity.storeType, { prefixed: identity.installDir !== undefined, secrets, sasl: identity.sasl });
  return {
    dir,
    names,
    path: (file) => {
      const name = names[file];
      if (!name) throw operationError(`${identity.kind} ${identity.name} has no ${file} file (store type ${identity.storeType})`);
      return join(dir, name);
    },
  };
}

/**
 * An identity's files as they go to its host: the name in its PKI directory and the name in
 * its install dir, for every file the host needs (the CSR stays behind).
 */
export function hostFileMap(identity: { kind: IdentityKind; storeType: StoreType; installDir?: string; secrets?: 'file' | 'inline'; sasl?: SaslSettings }): Array<{ pki: string; host: string }> {
  const secrets = identity.secrets === 'file';
  const sasl = identity.sasl;
  const pki = identityFileNames(identity.kind, identity.storeType, { secrets, sasl });
  const host = identityFileNames(identity.kind, identity.storeType, { secrets, sasl, prefixed: identity.installDir !== undefined });
  return (Object.keys(pki) as Array<keyof IdentityFileNames>)
    .filter((role) => role !== 'csr' && pki[role] !== undefined)
    .map((role) => ({ pki: pki[role]!, host: host[role]! }));
}

/** An install directory as given by --install-dir: absolute, normalised, not the file system root. */
export function isUsableInstallDir(path: string): boolean {
  return installDirProblem(path) === undefined;
}

/**
 * Why a path cannot be an install dir. It ends up inside .properties values and Kafka's
 * `${file:<path>:<key>}` references, whose parser splits on ':' and stops at '}'.
 */
function installDirProblem(path: string): string | undefined {
  if (!isAbsolute(path)) return 'it is not an absolute path';
  if (resolve(path) === '/') return 'it is the file system root';
  if (/[\x00-\x1f\x7f]/.test(path)) return 'it contains control characters';
  if (/[:{}$\\]/.test(path)) return 'it contains one of : { } $ \\ (Kafka\'s ${file:…} references cannot hold them)';
  return undefined;
}

/** --install-dir: the directory on the identity's host where its files will live. */
export function parseInstallDir(raw: string): string {
  const value = raw.trim();
  const problem = installDirProblem(value);
  if (problem) throw usageError(`invalid --install-dir "${value.slice(0, 60).replace(/[^\x20-\x7e]/g, '?')}": ${problem}`, 'give the absolute path on the host, e.g. --install-dir /ssl or /etc/kafka/ssl');
  return resolve(value);
}

/** A time as it appears in backup directory names (no ':' or '.'). */
export function backupStamp(now: Date): string {
  return now.toISOString().replace(/[:.]/g, '-');
}
