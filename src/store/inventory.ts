import { readFile } from 'node:fs/promises';
import { SamctlError, ExitCode } from '../errors.js';
import { writeFileAtomically } from './files.js';
import { looksBinary, pemBlockType } from './read.js';
import { isUsableInstallDir, SECRET, type IdentityKind } from './layout.js';
import { parsePrincipalRules, type PrincipalRules } from '../pki/principal.js';

import type { StoreType } from '../keystore/stores.js';
import type { CrlReason } from '../authority/signer.js';
import { SASL_MECHANISMS, type SaslMechanism } from '../pki/scram.js';

export interface CaRecord {
  serial: string;
  subject: string;
  sha256: string;
  notBefore: string;
  notAfter: string;
  keySize: number;
  /** SHA-256 of the encrypted key's DER (see encryptedKeyDigest); absent in inventories before it. */
  keyDigest?: string;
  createdAt: string;
  /** retiring: still trusted during a rotation (samctl ca rotate) until samctl ca retire. */
  status: 'active' | 'replaced' | 'retiring' | 'retired';
}

export interface IdentityRecord {
  kind: IdentityKind;
  name: string;
  serial: string;
  subject: string;
  sans: string[];
  notBefore: string;
  notAfter: string;
  sha256: string;
  issuerSha256: string;
  keySize: number;
  storeType: StoreType;
  /** Relative to the PKI directory. */
  dir: string;
  files: string[];
  issuedAt: string;
  /** Where the identity's files live on its host (absolute); absent: its directory in the PKI directory. */
  installDir?: string;
  /** How configs carry store passwords: inline, or through Kafka's FileConfigProvider. */
  secrets: SecretsMode;
  /** A SASL_SSL listener beside the mTLS one (broker), or a SASL user (client: the name is the user). Absent: mTLS only. */
  sasl?: SaslSettings;
  /** revoked: samctl revoke; listed on ca/crl.pem and denied by ACL, never renewed. */
  status: 'active' | 'superseded' | 'revoked';
  /** Revoked identities: when, and why (RFC 5280 CRLReason). */
  revokedAt?: string;
  revocationReason?: CrlReason;
  /** Brokers: the snippet carries the KRaft authorizer lines (broker issue --authorizer). */
  authorizer?: true;
  /** Clients: a super user on every authorizer broker (client issue --admin). */
  admin?: true;
  /** Clients: the grants last applied with samctl acl --apply (kept across renewals). */
  acl?: AclAsk;
}

/** What a client should be allowed to do, as samctl acl was asked (see kafka/acl-plan.ts). */
export interface AclAsk {
  produce: string[];
  consume: string[];
  groups: string[];
  transactionalIds: string[];
  /** Every name above is a prefix (PREFIXED resource patterns) rather than a literal name. */
  prefixed: boolean;
  /** When it was applied to a cluster. */
  appliedAt?: string;
}

export interface SaslSettings {
  /** A client's mechanism; a broker's first enabled one. */
  mechanism: SaslMechanism;
  /** Brokers enabling more than one (--sasl gssapi,scram-sha-512): all of them, `mechanism` first. */
  mechanisms?: SaslMechanism[];
  /** Brokers: the SASL_SSL listener's port. */
  port?: number;
  /** GSSAPI: the keytab's principal (copied into the identity as its keytab file), and whether a krb5.conf was copied too. */
  kerberos?: KerberosSettings;
}

export interface KerberosSettings {
  principal: string;
  krb5Conf?: true;
}

/** Every mechanism the identity uses. */
export function saslMechanisms(sasl: SaslSettings): SaslMechanism[] {
  return sasl.mechanisms ?? [sasl.mechanism];
}

export type SecretsMode = 'inline' | 'file';

/** An OpenBao / Vault engine: its address and the mounts samctl uses there. */
export interface EngineSettings {
  address: string;
  pkiMount: string;
  kvMount?: string;
}

/** PKI-wide settings, kept in the inventory. */
export interface Settings {
  /** Where the CA key lives: the PKI directory ('directory', the default) or an OpenBao / Vault PKI mount. */
  backend: 'directory' | 'openbao';
  /** backend 'openbao': the engine ca init used (BAO_ADDR / VAULT_ADDR override the address). */
  engine?: EngineSettings;
  /** Kafka's ssl.principal.mapping.rules as given; absent: never set (Kafka's DEFAULT, no line in the broker config). */
  principalRules?: string;
}

/**
 * The inventory's schema version. Older files are migrated forward on read (and written
 * back in the new form by the next change); a newer file is refused, never guessed at.
 * 1: cas + identities. 2: settings (principalRules optional); per identity installDir and secrets
 * (and, optional within 2, authorizer, admin and acl).
 */
export const INVENTORY_VERSION = 2;

export interface Inventory {
  version: typeof INVENTORY_VERSION;
  settings: Settings;
  cas: CaRecord[];
  identities: IdentityRecord[];
  /** The last CRL published (ca/crl.pem); absent: none yet. Optional within version 2. */
  crl?: CrlState;
}

/** What samctl keeps of the CRL it published: its cRLNumber must grow (RFC 5280 §5.2.3), and status warns before nextUpdate. */
export interface CrlState {
  number: number;
  thisUpdate: string;
  nextUpdate: string;
}

export const CRL_REASONS: readonly CrlReason[] = ['keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'privilegeWithdrawn'];

export function emptyInventory(): Inventory {
  return { version: INVENTORY_VERSION, settings: { backend: 'directory' }, cas: [], identities: [] };
}

/** The inventory, or an empty one when the file does not exist yet. */
export async function loadInventory(path: string): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyInventory();
    throw new SamctlError(`cannot read ${path}: ${(err as Error).message}`, { exitCode: ExitCode.failed });
  }
  return parseInventory(text, path);
}

export function parseInventory(text: string, path: string): Inventory {
  const broken = (why: string) =>
    new SamctlError(`${path} is not a valid samctl inventory: ${why}`, {
      hint: 'restore it from version control or a backup; samctl does not guess at a damaged inventory',
      exitCode: ExitCode.failed,
    });
  if (text.trim().length === 0) throw broken('the file is empty');
  if (looksBinary(text)) throw broken('binary data, not JSON text');
  const block = pemBlockType(text);
  if (block) throw broken(`it holds a PEM ${block}, not JSON`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    // JSON.parse quotes the text around the error: keep the message to one printable line.
    throw broken((err as Error).message.replace(/[^\x20-\x7e]/g, '?').slice(0, 160));
  }
  if (!isObject(data) || typeof data.version !== 'number' || !Number.isInteger(data.version) || data.version < 1) throw broken('missing "version"');
  if (data.version > INVENTORY_VERSION) {
    throw new SamctlError(`${path} was written by a newer samctl (inventory version ${data.version}; this samctl knows up to ${INVENTORY_VERSION})`, {
      hint: 'upgrade samctl; this version does not change an inventory it cannot fully read',
      exitCode: ExitCode.failed,
    });
  }
  if (!Array.isArray(data.cas) || !Array.isArray(data.identities)) throw broken('"cas" and "identities" must be lists');
  if (data.settings !== undefined && !isObject(data.settings)) throw broken('"settings" must be an object');
  const principalRules = isObject(data.settings) ? data.settings.principalRules : undefined;
  if (principalRules !== undefined && typeof principalRules !== 'string') throw broken('"settings.principalRules" must be a string');
  const backend = readBackend(isObject(data.settings) ? data.settings : {}, broken);
  for (const ca of data.cas) {
    if (!isObject(ca) || typeof ca.sha256 !== 'string' || typeof ca.notAfter !== 'string') throw broken('a CA entry lacks sha256 or notAfter');
  }
  for (const identity of data.identities) {
    if (
      !isObject(identity) ||
      (identity.kind !== 'broker' && identity.kind !== 'client') ||
      typeof identity.name !== 'string' ||
      typeof identity.serial !== 'string' ||
      typeof identity.notAfter !== 'string' ||
      typeof identity.dir !== 'string'
    ) {
      throw broken('an identity entry lacks kind, name, serial, notAfter or dir');
    }
    if (!isSafeName(identity.name) || identity.dir !== `${identity.kind}s/${identity.name}`) {
      throw broken(`the ${identity.kind} entry "${String(identity.name).slice(0, 40)}" names a directory outside ${identity.kind}s/`);
    }
    if (identity.installDir !== undefined && (typeof identity.installDir !== 'string' || !isUsableInstallDir(identity.installDir))) {
      throw broken(`the ${identity.kind} entry "${identity.name}" has an install dir that is not an absolute path`);
    }
    if (identity.secrets !== undefined && identity.secrets !== 'inline' && identity.secrets !== 'file') {
      throw broken(`the ${identity.kind} entry "${identity.name}" has secrets "${String(identity.secrets).slice(0, 20)}" (inline or file)`);
    }
    if (identity.sasl !== undefined && !isSaslSettings(identity.sasl)) {
      throw broken(`the ${identity.kind} entry "${identity.name}" has sasl settings samctl does not know (mechanism ${SASL_MECHANISMS.join(' or ')}, port 1-65535, a Kerberos principal with gssapi)`);
    }
    for (const flag of ['authorizer', 'admin'] as const) {
      if (identity[flag] !== undefined && identity[flag] !== true) throw broken(`the ${identity.kind} entry "${identity.name}" has ${flag} ${JSON.stringify(identity[flag]).slice(0, 20)} (true or absent)`);
    }
    if (identity.acl !== undefined && !isAclAsk(identity.acl)) throw broken(`the ${identity.kind} entry "${identity.name}" has an acl that is not lists of names (produce, consume, groups, transactionalIds) and prefixed`);
    if (identity.status !== 'active' && identity.status !== 'superseded' && identity.status !== 'revoked') {
      throw broken(`the ${identity.kind} entry "${identity.name}" has status "${String(identity.status).slice(0, 20)}" (active, superseded or revoked)`);
    }
    if (identity.status === 'revoked' && (typeof identity.revokedAt !== 'string' || Number.isNaN(Date.parse(identity.revokedAt)))) {
      throw broken(`the revoked ${identity.kind} entry "${identity.name}" has no revokedAt time`);
    }
    if (identity.revocationReason !== undefined && !(CRL_REASONS as readonly unknown[]).includes(identity.revocationReason)) {
      throw broken(`the ${identity.kind} entry "${identity.name}" has revocationReason "${String(identity.revocationReason).slice(0, 30)}" (${CRL_REASONS.join(', ')})`);
    }
  }
  if (data.crl !== undefined && !isCrlState(data.crl)) throw broken('"crl" must hold a positive integer number and thisUpdate / nextUpdate times');
  const migrated = migrate(data as { version: number; cas: CaRecord[]; identities: Array<Omit<IdentityRecord, 'secrets'> & { secrets?: SecretsMode }> }, principalRules);
  const withBackend = backend.backend === 'directory' ? migrated : { ...migrated, settings: { ...migrated.settings, ...backend } };
  return data.crl === undefined ? withBackend : { ...withBackend, crl: data.crl as CrlState };
}

/** settings.backend (absent: 'directory') and, for 'openbao', settings.engine. */
function readBackend(settings: Record<string, unknown>, broken: (why: string) => SamctlError): Pick<Settings, 'backend' | 'engine'> {
  if (settings.backend === undefined || settings.backend === 'directory') return { backend: 'directory' };
  if (settings.backend !== 'openbao') throw broken(`"settings.backend" is "${String(settings.backend).slice(0, 20)}" (directory or openbao)`);
  const engine = settings.engine;
  const text = (value: unknown) => typeof value === 'string' && value.length > 0 && value.length <= 300;
  if (!isObject(engine) || !text(engine.address) || !text(engine.pkiMount) || (engine.kvMount !== undefined && !text(engine.kvMount))) {
    throw broken('"settings.engine" must name the engine\'s address and pkiMount (and optionally kvMount)');
  }
  return { backend: 'openbao', engine: { address: engine.address as string, pkiMount: engine.pkiMount as string, ...(engine.kvMount ? { kvMount: engine.kvMount as string } : {}) } };
}

function isCrlState(value: unknown): value is CrlState {
  const time = (text: unknown) => typeof text === 'string' && !Number.isNaN(Date.parse(text));
  return isObject(value) && typeof value.number === 'number' && Number.isSafeInteger(value.number) && value.number > 0 && time(value.thisUpdate) && time(value.nextUpdate);
}

/** Forward migration, one version at a time. */
function migrate(data: { version: number; cas: CaRecord[]; identities: Array<Omit<IdentityRecord, 'secrets'> & { secrets?: SecretsMode }> }, principalRules: string | undefined): Inventory {
  // 1 → 2: settings appear (the PKI directory is the only backend so far; no principal rules:
  // Kafka's DEFAULT); every identity written before carries its passwords inline and lives in
  // its PKI directory.
  return {
    version: INVENTORY_VERSION,
    settings: { backend: 'directory', ...(principalRules === undefined ? {} : { principalRules }) },
    cas: data.cas,
    identities: data.identities.map((identity) => ({ ...identity, secrets: identity.secrets ?? 'inline' })),
  };
}

/** The PKI's principal mapping rules, parsed; a stored setting samctl cannot use is named with its fix. */
export function principalRulesOf(inventory: Inventory, path: string): PrincipalRules {
  try {
    return parsePrincipalRules(inventory.settings.principalRules);
  } catch (err) {
    if (!(err instanceof SamctlError)) throw err;
    throw new SamctlError(`${path}: settings.principalRules cannot be used: ${err.message}`, {
      hint: "set valid rules with samctl principal-rules '<rules>' (DEFAULT for the full DN)",
      exitCode: ExitCode.failed,
    });
  }
}

export async function saveInventory(path: string, inventory: Inventory): Promise<void> {
  await writeFileAtomically(path, `${JSON.stringify(inventory, null, 2)}\n`, SECRET);
}

/**
 * Adds newly issued identities; earlier records of the same identity become superseded. The
 * grants a client was given (acl) stay with its name: renewing or re-issuing does not change
 * what it may do.
 */
export function recordIdentities(inventory: Inventory, issued: IdentityRecord[]): Inventory {
  const key = (record: IdentityRecord) => `${record.kind}/${record.name}`;
  const replaced = new Set(issued.map(key));
  const grants = new Map(inventory.identities.filter((record) => record.status === 'active' && record.acl).map((record) => [key(record), record.acl!]));
  return {
    ...inventory,
    identities: [
      ...inventory.identities.map((record) => (replaced.has(key(record)) && record.status === 'active' ? { ...record, status: 'superseded' as const } : record)),
      ...issued.map((record) => {
        const acl = record.acl ?? grants.get(key(record));
        return acl ? { ...record, acl } : record;
      }),
    ],
  };
}

/** The inventory with a client's applied grants recorded on its active record. */
export function recordAcl(inventory: Inventory, name: string, acl: AclAsk): Inventory {
  return {
    ...inventory,
    identities: inventory.identities.map((record) => (record.status === 'active' && record.kind === 'client' && record.name === name ? { ...record, acl } : record)),
  };
}

export function recordCa(inventory: Inventory, ca: CaRecord): Inventory {
  return {
    ...inventory,
    cas: [...inventory.cas.map((record) => (record.status === 'active' ? { ...record, status: 'replaced' as const } : record)), ca],
  };
}

/** One path component: what parseIdentityName / parseSubjectAltName can produce, never `..` or a separator. */
function isSafeName(name: string): boolean {
  return name.length > 0 && name.length <= 253 && !/[/\\\x00-\x1f]/.test(name) && name !== '.' && name !== '..' && !name.startsWith('.');
}

function isAclAsk(value: unknown): value is AclAsk {
  const names = (list: unknown) => Array.isArray(list) && list.every((name) => typeof name === 'string' && name.length > 0 && name.length <= 255);
  return isObject(value) && names(value.produce) && names(value.consume) && names(value.groups) && names(value.transactionalIds) && typeof value.prefixed === 'boolean' && (value.appliedAt === undefined || typeof value.appliedAt === 'string');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSaslSettings(value: unknown): value is SaslSettings {
  const known = (mechanism: unknown) => (SASL_MECHANISMS as readonly unknown[]).includes(mechanism);
  if (!isObject(value) || !known(value.mechanism)) return false;
  if (value.mechanisms !== undefined && !(Array.isArray(value.mechanisms) && value.mechanisms.length > 0 && value.mechanisms.every(known) && value.mechanisms[0] === value.mechanism)) return false;
  const gssapi = ((value.mechanisms as unknown[] | undefined) ?? [value.mechanism]).includes('gssapi');
  const kerberos = value.kerberos;
  const kerberosOk = kerberos === undefined ? !gssapi : gssapi && isObject(kerberos) && typeof kerberos.principal === 'string' && (kerberos.krb5Conf === undefined || kerberos.krb5Conf === true);
  return kerberosOk && (value.port === undefined || (typeof value.port === 'number' && Number.isInteger(value.port) && value.port >= 1 && value.port <= 65535));
}
