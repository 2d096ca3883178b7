import { readFile } from 'node:fs/promises';
import type { IdentityRequest } from '../identity.js';
import { subjectField } from '../pki/inspect.js';
import { parseSubjectAltName } from '../pki/names.js';
import { LEAF_DEFAULT_DAYS } from '../pki/validity.js';
import type { IdentityRecord } from '../store/inventory.js';
import { identityFileNames, type PkiLayout } from '../store/layout.js';
import { readLeafCertificate, readTextFile } from '../store/read.js';
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
 * secrets mode; the old key only with --keep-key.
 */
export async function renewalRequest(layout: PkiLayout, record: IdentityRecord, options: { keepKey: boolean; days?: number }): Promise<IdentityRequest> {
  const names = identityFileNames(record.kind, record.storeType);
  const path = (file: string) => layout.identityFile(record.kind, record.name, file);
  const fix = `restore it from ${layout.backups}/ or issue the identity anew with --force`;
  const { cert } = await readLeafCertificate(path(names.cert), fix);
  // A lost store.password is no reason to refuse a renewal that repairs the identity: a new one is made.
  const storePassword = names.storePassword ? (await readFile(path(names.storePassword), 'utf8').catch(() => '')).split(/\r?\n/)[0] || undefined : undefined;
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
    storePassword,
    keyPem: options.keepKey ? await readTextFile(path(names.key), fix) : undefined,
  };
}
