import { DEFAULTS } from '../defaults.js';
import { operationError } from '../errors.js';
import { readFile } from 'node:fs/promises';
import type { IdentityRequest } from '../identity.js';
import { subjectField } from '../pki/inspect.js';
import { parseSubjectAltName } from '../pki/names.js';
import { LEAF_DEFAULT_DAYS } from '../pki/validity.js';
import type { IdentityRecord } from '../store/inventory.js';
import { identityFileNames, type PkiLayout } from '../store/layout.js';
import { parsePasswordText, readLeafCertificate, readPrivateKey } from '../store/read.js';
import { expiryState, type Threshold } from './threshold.js';

/** Identities to renew: the named ones, or every active one that is due, expired or (with `all`) any. */
export function selectForRenewal(identities: IdentityRecord[], options: { names: string[]; all: boolean; threshold: Threshold; now: Date }): IdentityRecord[] {
  const active = identities.filter((record) => record.status === 'active');
  if (options.names.length > 0) return active.filter((record) => options.names.includes(record.name));
  if (options.all) return active;
  return active.filter(
    (record) => expiryState({ notBefore: new Date(record.notBefore), notAfter: new Date(record.notAfter) }, options.now, options.threshold) !== 'ok',
  );
}

/**
 * The request that re-issues an identity in place: the same subject DN and SANs (Kafka
 * refuses a dynamic keystore update whose DN or SANs change), a fresh default lifetime
 * unless --days says otherwise, the same store type, store password, install dir and
 * secrets mode, authorizer lines and admin role; the old key only with --keep-key.
 *
 * The DN comes from the certificate and the store password is kept, so a damaged
 * certificate, store.password or (with --keep-key) key is refused, naming the file: renewing
 * cannot keep what it cannot read, and guessing would break the brokers that reload the
 * keystore. Issuing the identity anew with --force is the fix (a new store password).
 */
export async function renewalRequest(layout: PkiLayout, record: IdentityRecord, options: { keepKey: boolean; days?: number }): Promise<IdentityRequest> {
  const names = identityFileNames(record.kind, record.storeType);
  const path = (file: string) => layout.identityFile(record.kind, record.name, file);
  const fix = `restore it from ${layout.identityBackup(record.kind, record.name, '*')}/, or issue the identity anew: ${reissueCommand(record)}`;
  const { cert } = await readLeafCertificate(path(names.cert), fix);
  const storePassword = names.storePassword ? await readStorePassword(path(names.storePassword), fix) : undefined;
  return {
    kind: record.kind,
    name: record.name,
    dn: { cn: subjectField(cert, 'CN') ?? record.name, o: subjectField(cert, 'O'), ou: subjectField(cert, 'OU') },
    sans: record.sans.map((san) => parseSubjectAltName(san.replace(/^(DNS|IP):/, ''))),
    days: options.days ?? LEAF_DEFAULT_DAYS,
    keySize: record.keySize,
    storeType: record.storeType,
    installDir: record.installDir,
    secrets: record.secrets,
    authorizer: record.authorizer,
    admin: record.admin,
    storePassword,
    keyPem: options.keepKey ? (await readPrivateKey(path(names.key), fix)).pem : undefined,
    sasl: record.sasl,
    scramPassword: record.kind === 'client' && record.sasl && !record.sasl.kerberos ? await readScramPassword(path(identityFileNames('client', record.storeType, { sasl: true }).scramPassword!), fix) : undefined,
    kerberosFiles: record.sasl?.kerberos ? await readKerberosFiles(record, path, fix) : undefined,
  };
}

/**
 * A GSSAPI identity keeps its keytab (and krb5.conf copy) through a certificate renewal: the
 * keys are the Kerberos admin's, nothing of them is re-made here. A lost keytab cannot be
 * guessed: the fix is issuing the identity anew with --keytab.
 */
async function readKerberosFiles(record: IdentityRecord, path: (file: string) => string, fix: string): Promise<{ keytab: Buffer; krb5Conf?: Buffer }> {
  const names = identityFileNames(record.kind, record.storeType, { sasl: record.sasl });
  const read = async (name: string) => {
    try {
      return await readFile(path(name));
    } catch (err) {
      throw operationError(`${path(name)} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): ${record.kind} ${record.name}'s Kerberos files are incomplete`, fix);
    }
  };
  return { keytab: await read(names.keytab!), ...(names.krb5Conf ? { krb5Conf: await read(names.krb5Conf) } : {}) };
}

/** A SASL client keeps its registered SCRAM password through a certificate renewal; a lost one gets a new one (to be registered anew). */
async function readScramPassword(path: string, fix: string): Promise<string | undefined> {
  return readStorePassword(path, fix);
}

/** The store password to keep; a lost store.password is no reason to refuse a renewal that repairs the identity: a new one is made. */
async function readStorePassword(path: string, fix: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return parsePasswordText(text, path, fix, { generated: true });
}

/**
 * The command that issues an identity anew under the same name, SANs, DN, store type and
 * key size: the fix when renewal cannot read what it keeps. Options appear only where they
 * differ from the issue commands' defaults (jks, 2048 bits, CN = the client's name).
 */
export function reissueCommand(identity: Pick<IdentityRecord, 'kind' | 'name'> & Partial<Pick<IdentityRecord, 'sans' | 'storeType' | 'keySize' | 'subject' | 'installDir' | 'secrets' | 'sasl' | 'authorizer' | 'admin'>>): string {
  const args = ['samctl', identity.kind, 'issue', identity.name];
  if (identity.kind === 'broker') {
    for (const san of identity.sans ?? []) {
      const value = san.replace(/^(DNS|IP):/, '');
      if (value !== identity.name) args.push('--san', value);
    }
  } else if (identity.subject) {
    const cn = rdnValue(identity.subject, 'CN');
    const ou = rdnValue(identity.subject, 'OU');
    if (cn !== undefined && cn !== identity.name) args.push('--cn', cn);
    if (ou !== undefined) args.push('--ou', ou);
  }
  if (identity.storeType && identity.storeType !== DEFAULTS.storeType) args.push('--store-type', identity.storeType);
  if (identity.keySize && identity.keySize !== DEFAULTS.leafKeySize) args.push('--key-size', String(identity.keySize));
  if (identity.installDir) args.push('--install-dir', identity.installDir);
  if (identity.secrets && identity.secrets !== DEFAULTS.secrets) args.push('--secrets', identity.secrets);
  if (identity.sasl) {
    args.push('--sasl', (identity.sasl.mechanisms ?? [identity.sasl.mechanism]).join(','), ...(identity.kind === 'broker' && identity.sasl.port !== undefined ? ['--sasl-port', String(identity.sasl.port)] : []));
    if (identity.sasl.kerberos) args.push('--keytab', '<keytab>', '--kerberos-principal', identity.sasl.kerberos.principal, ...(identity.sasl.kerberos.krb5Conf ? ['--krb5-conf', '<krb5.conf>'] : []));
  }
  if (identity.authorizer) args.push('--authorizer');
  if (identity.admin) args.push('--admin');
  args.push('--force');
  return `\`${args.map(shellWord).join(' ')}\``;
}

/** One attribute of an RFC 2253 subject as inspect.ts writes it (`\,` escapes), unescaped. */
function rdnValue(subject: string, name: string): string | undefined {
  const match = new RegExp(`(?:^|,)${name}=((?:\\\\.|[^,\\\\])*)`).exec(subject);
  return match ? match[1].replace(/\\(.)/g, '$1') : undefined;
}

function shellWord(word: string): string {
  return /^[\w.:@/+=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
