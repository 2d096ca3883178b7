import type forge from 'node-forge';
import { usageError } from '../errors.js';
import type { DistinguishedName } from '../pki/certificates.js';
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

/** The CA a PKI directory keeps while it rotates: its certificate and the truststore password. */
export interface CurrentCa {
  cert: forge.pki.Certificate;
  certPem: string;
  truststorePassword: string;
}

/** How a backend makes the new CA of phase 1 (a directory CA: createFileCa; an engine: a new issuer). */
export interface NewCaStep {
  /** Makes the new CA (named dn, generation <generation>), writes ca/ with it, and returns its record. */
  make(plan: { generation: number; dn: DistinguishedName }): Promise<CaRecord>;
  /** After the PKI directory's inventory records it (an engine: the shared inventory too). */
  recorded?(record: CaRecord, inventory: Inventory): Promise<void>;
}

/**
 * Phase 1, whatever holds the CA: under the PKI lock, leftovers removed; unless a rotation is
 * resuming, the new CA made (step) and recorded; then every truststore and ca.crt trusts the
 * old and the new one.
 */
export async function runRotation(layout: PkiLayout, previous: CurrentCa, cn: string | undefined, step: NewCaStep): Promise<RotationResult> {
  return withPkiLock(layout.root, async () => {
    await removeLeftovers(layout);
    let inventory = await loadInventory(layout.inventory);
    const resumed = inventory.cas.some((record) => record.status === 'retiring');
    if (!resumed) {
      const generation = inventory.cas.length + 1;
      const baseCn = (subjectField(previous.cert, 'CN') ?? 'samctl Kafka CA').replace(/ G\d+$/, '');
      const record = await step.make({ generation, dn: { cn: cn ?? `${baseCn} G${generation}`, o: subjectField(previous.cert, 'O') } });
      inventory = recordRotation(inventory, record);
      await saveInventory(layout.inventory, inventory);
      await step.recorded?.(record, inventory);
    }
    const trusted = await readTrustedCas(layout);
    const identities = inventory.identities.filter((record) => record.status === 'active');
    await refreshTruststores(layout, identities, trusted, previous.truststorePassword);
    return { resumed, identities, trustedCas: trusted.length, active: inventory.cas.find((record) => record.status === 'active')! };
  });
}

/** How a backend retires the old CA in phase 3. */
export interface RetireStep<T> {
  /** The identities that must hold none of the old CA's certificates any more. */
  holders(inventory: Inventory): Promise<IdentityRecord[]>;
  /** Where to renew them, for the refusal's hint. */
  renewWhere: string;
  /** Drops the old CAs (sha256 in old) from ca/ (and the engine), before the truststores trust the current CA alone. */
  drop(old: Set<string>, identities: IdentityRecord[]): Promise<T>;
  /** After the PKI directory's inventory records the retirement (an engine: the shared inventory too). */
  recorded?(): Promise<void>;
}

/**
 * Phase 3, whatever holds the CA: under the PKI lock, leftovers removed; refused while no
 * rotation is in progress or an identity still holds an old CA's certificate; then the old CA
 * dropped (step), every truststore trusts the current CA alone, and the inventory records it.
 */
export async function runRetirement<T>(layout: PkiLayout, current: CurrentCa, step: RetireStep<T>): Promise<{ retired: CaRecord[]; identities: IdentityRecord[] } & T> {
  return withPkiLock(layout.root, async () => {
    await removeLeftovers(layout);
    const inventory = await loadInventory(layout.inventory);
    const retiring = inventory.cas.filter((record) => record.status === 'retiring');
    if (retiring.length === 0) throw usageError('no CA rotation is in progress', 'start one with `samctl ca rotate`');
    const old = new Set(retiring.map((record) => record.sha256));
    const dependents = (await step.holders(inventory)).filter((record) => record.status === 'active' && old.has(record.issuerSha256));
    if (dependents.length > 0) {
      throw usageError(
        `cannot retire the old CA: ${dependents.length} identit${dependents.length === 1 ? 'y still holds' : 'ies still hold'} its certificates: ${dependents.map((record) => `${record.kind} ${record.name}`).join(', ')}`,
        `run \`samctl renew --all\` (or renew those names${step.renewWhere}) first`,
      );
    }
    const identities = inventory.identities.filter((record) => record.status === 'active');
    const dropped = await step.drop(old, identities);
    await refreshTruststores(layout, identities, [{ pem: current.certPem, cert: current.cert }], current.truststorePassword);
    await saveInventory(layout.inventory, recordRetirement(inventory));
    await step.recorded?.();
    return { retired: retiring, identities, ...dropped };
  });
}

/** Phase 1 on a directory CA (passphrase: the old CA key's, used for the new one too). An engine CA: engine-rotation.ts. */
export async function rotateCa(layout: PkiLayout, input: { cn?: string; days: number; keySize: number; passphrase: string; now: Date }): Promise<RotationResult> {
  const previous = await readCaFiles(layout);
  // Unlocking proves the passphrase before anything is made; the new CA key uses it too.
  await FileCa.unlock(previous, input.passphrase, layout);
  return runRotation(layout, previous, input.cn, {
    make: async ({ dn }) => {
      const fresh = await createFileCa({ dn, days: input.days, keySize: input.keySize, passphrase: input.passphrase, now: input.now });
      await saveCaFiles(layout, await rotatedCaFiles(layout, fresh, previous), layout.caBackup(backupStamp(input.now)));
      return fresh.record;
    },
  });
}

export async function retireCa(layout: PkiLayout, now: Date): Promise<{ retired: CaRecord[]; identities: IdentityRecord[]; crl: 'none' | 'current' | 'stale' }> {
  const engine = await engineSettingsOf(layout);
  // The engine keeps the old issuer (read-only, crl-signing): ca/crl.pem is the engine's, published by samctl crl.
  if (engine) return { ...(await retireEngineCa(layout, engine, now)), crl: 'none' };
  const current = await readCaFiles(layout);
  return runRetirement(layout, current, {
    holders: async (inventory) => inventory.identities,
    renewWhere: '',
    drop: async (_old, identities) => {
      // The retired CAs' keys (ca-<n>.key) and CRLs leave ca/ with their certificates (backups/ keeps them).
      const crl = await retainedCrl(layout, current.certPem);
      await saveCaFiles(layout, [...currentCaFiles(current), ...crl.files], layout.caBackup(backupStamp(now)));
      if (crl.pem !== undefined) await writeCrlCopies(layout, crl.pem, identities);
      return { crl: crl.pem === undefined ? ('none' as const) : crl.stale ? ('stale' as const) : ('current' as const) };
    },
  });
}

/** Marks CAs: the new one active, the previous active one retiring (trusted until retired); unchanged when the new one is recorded already. */
export function recordRotation(inventory: Inventory, ca: CaRecord): Inventory {
  if (inventory.cas.some((record) => record.sha256 === ca.sha256)) return inventory;
  return {
    ...inventory,
    cas: [...inventory.cas.map((record) => (record.status === 'active' ? { ...record, status: 'retiring' as const } : record)), ca],
  };
}

export function recordRetirement(inventory: Inventory): Inventory {
  return { ...inventory, cas: inventory.cas.map((record) => (record.status === 'retiring' ? { ...record, status: 'retired' as const } : record)) };
}
