import { usageError } from '../errors.js';
import { subjectField } from '../pki/inspect.js';
import { removeLeftovers } from '../store/files.js';
import { loadInventory, saveInventory, type CaRecord, type EngineSettings, type IdentityRecord, type Inventory } from '../store/inventory.js';
import { backupStamp, type PkiLayout } from '../store/layout.js';
import { withPkiLock } from '../store/lock.js';
import { writeCrlCopies } from '../store/crl.js';
import { refreshTruststores } from '../store/truststores.js';
import { currentCaFiles, readCaFiles, readTrustedCas, retainedCrl, rotatedCaFiles, saveCaFiles } from './ca-files.js';
import { createFileCa, FileCa } from './file-ca.js';
import { retireEngineCa } from './engine-rotation.js';

/**
 * CA rotation without downtime, in three resumable phases:
 *   1. rotateCa: a new CA; every truststore and ca.crt trusts the old and the new one; the old
 *      CA's key stays as ca-<n>.key so each CA keeps signing its own CRL (`ca rotate` then
 *      publishes both, when CRLs are in use: lifecycle/crl-publish.ts)
 *   2. samctl renew --all: every identity re-signed by the new CA
 *   3. retireCa: the old CA, its key and its CRL dropped from ca/, every truststore and CRL copy
 * Each phase is derived from ca/ and the inventory, so running it again completes it.
 */

export interface RotationResult {
  resumed: boolean;
  active: CaRecord;
  trustedCas: number;
  /** Identities whose truststore and ca.crt were rewritten. */
  identities: IdentityRecord[];
}

/** The engine settings of a PKI directory whose CA is in OpenBao / Vault; undefined for a directory CA. */
export async function engineSettingsOf(layout: PkiLayout): Promise<EngineSettings | undefined> {
  const settings = await loadInventory(layout.inventory).then((inventory) => inventory.settings, () => undefined);
  return settings?.backend === 'openbao' ? settings.engine : undefined;
}

/** Phase 1 on a directory CA (passphrase: the old CA key's, used for the new one too). An engine CA: engine-rotation.ts. */
export async function rotateCa(layout: PkiLayout, input: { cn?: string; days: number; keySize: number; passphrase: string; now: Date }): Promise<RotationResult> {
  const previous = await readCaFiles(layout);
  // Unlocking proves the passphrase before anything is made; the new CA key uses it too.
  FileCa.unlock(previous, input.passphrase, layout);
  return withPkiLock(layout.root, async () => {
    await removeLeftovers(layout);
    let inventory = await loadInventory(layout.inventory);
    const resumed = inventory.cas.some((record) => record.status === 'retiring');
    if (!resumed) {
      const generation = inventory.cas.length + 1;
      const baseCn = (subjectField(previous.cert, 'CN') ?? 'samctl Kafka CA').replace(/ G\d+$/, '');
      const fresh = await createFileCa({ dn: { cn: input.cn ?? `${baseCn} G${generation}`, o: subjectField(previous.cert, 'O') }, days: input.days, keySize: input.keySize, passphrase: input.passphrase, now: input.now });
      await saveCaFiles(layout, await rotatedCaFiles(layout, fresh, previous), layout.caBackup(backupStamp(input.now)));
      inventory = recordRotation(inventory, fresh.record);
      await saveInventory(layout.inventory, inventory);
    }
    const trusted = await readTrustedCas(layout);
    const identities = inventory.identities.filter((record) => record.status === 'active');
    await refreshTruststores(layout, identities, trusted, previous.truststorePassword);
    return { resumed, identities, trustedCas: trusted.length, active: inventory.cas.find((record) => record.status === 'active')! };
  });
}

export async function retireCa(layout: PkiLayout, now: Date): Promise<{ retired: CaRecord[]; identities: IdentityRecord[]; crl: 'none' | 'current' | 'stale' }> {
  const engine = await engineSettingsOf(layout);
  // The engine keeps the old issuer (read-only, crl-signing): ca/crl.pem is the engine's, published by samctl crl.
  if (engine) return { ...(await retireEngineCa(layout, engine, now)), crl: 'none' };
  const current = await readCaFiles(layout);
  return withPkiLock(layout.root, async () => {
    await removeLeftovers(layout);
    const inventory = await loadInventory(layout.inventory);
    const retiring = inventory.cas.filter((record) => record.status === 'retiring');
    if (retiring.length === 0) throw usageError('no CA rotation is in progress', 'start one with `samctl ca rotate`');
    const old = new Set(retiring.map((record) => record.sha256));
    const identities = inventory.identities.filter((record) => record.status === 'active');
    const dependents = identities.filter((record) => old.has(record.issuerSha256));
    if (dependents.length > 0) {
      throw usageError(
        `cannot retire the old CA: ${dependents.length} identit${dependents.length === 1 ? 'y still holds' : 'ies still hold'} its certificates: ${dependents.map((record) => `${record.kind} ${record.name}`).join(', ')}`,
        'run `samctl renew --all` (or renew those names) first',
      );
    }
    // The retired CAs' keys (ca-<n>.key) and CRLs leave ca/ with their certificates (backups/ keeps them).
    const crl = await retainedCrl(layout, current.certPem);
    await saveCaFiles(layout, [...currentCaFiles(current), ...crl.files], layout.caBackup(backupStamp(now)));
    await refreshTruststores(layout, identities, [{ pem: current.certPem, cert: current.cert }], current.truststorePassword);
    if (crl.pem !== undefined) await writeCrlCopies(layout, crl.pem, identities);
    await saveInventory(layout.inventory, recordRetirement(inventory));
    return { retired: retiring, identities, crl: crl.pem === undefined ? 'none' : crl.stale ? 'stale' : 'current' };
  });
}

/** Marks CAs: the new one active, the previous active one retiring (trusted until retired). */
export function recordRotation(inventory: Inventory, ca: CaRecord): Inventory {
  return {
    ...inventory,
    cas: [...inventory.cas.map((record) => (record.status === 'active' ? { ...record, status: 'retiring' as const } : record)), ca],
  };
}

export function recordRetirement(inventory: Inventory): Inventory {
  return { ...inventory, cas: inventory.cas.map((record) => (record.status === 'retiring' ? { ...record, status: 'retired' as const } : record)) };
}
