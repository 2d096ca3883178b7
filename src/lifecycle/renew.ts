import forge from 'node-forge';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IdentityRequest } from '../identity.js';
import { parseSubjectAltName } from '../pki/names.js';
import type { IdentityRecord } from '../store/inventory.js';
import { expiryState, type Threshold } from './threshold.js';
import { LEAF_DEFAULT_DAYS } from '../pki/validity.js';
import { subjectField } from '../pki/inspect.js';

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
 * unless --days says otherwise, the same store type and store password; the old key only with --keep-key.
 */
export async function renewalRequest(root: string, record: IdentityRecord, options: { keepKey: boolean; days?: number }): Promise<IdentityRequest> {
  const dir = join(root, record.dir);
  const cert = forge.pki.certificateFromPem(await readFile(join(dir, `${record.kind}.crt`), 'utf8'));
  const storePassword = await readFile(join(dir, 'store.password'), 'utf8').then((text) => text.trim()).catch(() => undefined);
  return {
    kind: record.kind,
    name: record.name,
    dn: { cn: subjectField(cert, 'CN') ?? record.name, o: subjectField(cert, 'O'), ou: subjectField(cert, 'OU') },
    sans: record.sans.map((san) => parseSubjectAltName(san.replace(/^(DNS|IP):/, ''))),
    days: options.days ?? LEAF_DEFAULT_DAYS,
    keySize: record.keySize,
    storeType: record.storeType,
    storePassword,
    keyPem: options.keepKey ? await readFile(join(dir, `${record.kind}.key`), 'utf8') : undefined,
  };
}
