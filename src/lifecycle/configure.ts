import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { usageError } from '../errors.js';
import { certificatePrincipal } from '../pki/inspect.js';
import { principalLabel, type PrincipalRules } from '../pki/principal.js';
import { renderIdentityConfigs } from '../render/identity-configs.js';
import { superUsers } from '../render/authorizer.js';
import { removeLeftovers, writeDirectoryAtomically } from '../store/files.js';
import { loadInventory, principalRulesOf, saveInventory, type IdentityRecord, type Inventory, type SecretsMode } from '../store/inventory.js';
import { backupStamp, hostPlacement, identityCrlName, identityFileNames, type FileSpec, type PkiLayout } from '../store/layout.js';
import { openEngineState } from '../store/engine-state.js';
import { withPkiLock } from '../store/lock.js';
import { parsePasswordText, readLeafCertificate, readTextFile } from '../store/read.js';

export interface ConfigureChange {
  /** A new install dir; null: back to the PKI directory; undefined: unchanged. */
  installDir?: string | null;
  secrets?: SecretsMode;
  /** New PKI-wide ssl.principal.mapping.rules (already validated); undefined: unchanged. */
  principalRules?: string;
}

/**
 * Re-renders the config files of identities for a new install dir, secrets mode or principal
 * rules, from the inventory and the store passwords on disk: nothing is re-signed, keys and
 * stores stay as they are. Each identity directory is swapped in whole (the previous one goes
 * to backups/). `names` may be a function of the inventory read under the lock.
 */
export async function configureIdentities(layout: PkiLayout, names: string[] | ((inventory: Inventory) => string[]), change: ConfigureChange, now: Date): Promise<IdentityRecord[]> {
  return withPkiLock(layout.root, async () => {
    await removeLeftovers(layout);
    const stored = await loadInventory(layout.inventory);
    const inventory: Inventory = change.principalRules === undefined ? stored : { ...stored, settings: { ...stored.settings, principalRules: change.principalRules } };
    const rules = principalRulesOf(inventory, layout.inventory);
    const chosen = typeof names === 'function' ? names(stored) : names;
    const active = inventory.identities.filter((record) => record.status === 'active');
    const unknown = chosen.filter((name) => !active.some((record) => record.name === name));
    if (unknown.length > 0) throw usageError(`no identity named ${unknown.join(', ')}`, 'see `samctl status` for the names');
    const stamp = backupStamp(now);
    const principals = superUsers(inventory.identities, principalRulesOf(inventory, layout.inventory));
    const updated = new Map<IdentityRecord, IdentityRecord>();
    // With the inventory in the engine's KV, the engine's copy changes first: hosts pull it
    // (samctl pull) and other PKI directories take it, so a choice made here reaches them.
    const engine = await openEngineState(inventory.settings);
    let failure: unknown;
    try {
      for (const record of active.filter((candidate) => chosen.includes(candidate.name))) {
        const next: IdentityRecord = { ...record, secrets: change.secrets ?? record.secrets };
        if (change.installDir === null) delete next.installDir;
        else if (change.installDir !== undefined) next.installDir = change.installDir;
        const files = await reconfiguredFiles(layout, record, next, rules, next.authorizer ? principals : undefined);
        next.files = files.map((file) => file.name);
        await engine?.replaceIdentity(next, files);
        await writeDirectoryAtomically(layout.identityDir(record.kind, record.name), files, layout.identityBackup(record.kind, record.name, stamp));
        updated.set(record, next);
      }
    } catch (err) {
      failure = err; // the identities done before it are recorded below, then it is thrown
    }
    const configured = (identities: IdentityRecord[]) =>
      identities.map((record) => {
        const next = [...updated.values()].find((candidate) => sameCertificate(candidate, record) && record.status === 'active');
        if (!next) return record;
        const merged: IdentityRecord = { ...record, secrets: next.secrets, files: next.files };
        if (next.installDir === undefined) delete merged.installDir;
        else merged.installDir = next.installDir;
        return merged;
      });
    if (updated.size > 0) await engine?.updateInventory((shared) => ({ ...shared, identities: configured(shared.identities) }));
    if (updated.size > 0 || !failure) await saveInventory(layout.inventory, { ...inventory, identities: configured(inventory.identities) });
    if (failure) throw failure;
    return [...updated.values()];
  });
}

function sameCertificate(a: IdentityRecord, b: IdentityRecord): boolean {
  return a.kind === b.kind && a.name === b.name && a.serial === b.serial;
}

/** The identity's directory with its config files rendered anew (with a SCRAM client's new password, when rotating it): every other file kept byte for byte. */
export async function reconfiguredFiles(layout: PkiLayout, record: IdentityRecord, next: IdentityRecord, rules: PrincipalRules, superUsers?: string[], newScramPassword?: string): Promise<FileSpec[]> {
  const dir = layout.identityDir(record.kind, record.name);
  const oldNames = identityFileNames(record.kind, record.storeType, { secrets: record.secrets === 'file', sasl: record.sasl });
  const configs = await renderedConfigs(layout, record, next, rules, superUsers, newScramPassword);
  const rendered = new Set([oldNames.config, oldNames.librdkafka, oldNames.secrets, oldNames.saslConfig, oldNames.saslLibrdkafka, ...configs.map((file) => file.name)]);
  const kept: FileSpec[] = [];
  for (const name of (await readdir(dir)).filter((entry) => !rendered.has(entry))) {
    const path = join(dir, name);
    const { mode } = await stat(path);
    kept.push({ name, content: await readFile(path), mode: (mode & 0o077) === 0 ? 0o600 : 0o644 });
  }
  return [...kept, ...configs];
}

/**
 * The config files of identity `record` (in its directory now) rendered for `next` from the
 * inventory, its certificate and the store passwords on disk; ssl.crl.location names the CRL
 * copy when the directory holds one.
 */
export async function renderedConfigs(layout: PkiLayout, record: IdentityRecord, next: IdentityRecord, rules: PrincipalRules, superUsers?: string[], newScramPassword?: string): Promise<FileSpec[]> {
  const dir = layout.identityDir(record.kind, record.name);
  const fix = `restore it from ${layout.backups}/ or issue the identity anew with --force`;
  const names = identityFileNames(next.kind, next.storeType, { secrets: next.secrets === 'file', sasl: next.sasl });
  const password = async (file?: string) => (file ? parsePasswordText(await readTextFile(join(dir, file), fix), join(dir, file), fix, { generated: true }) : '');
  const { cert } = await readLeafCertificate(join(dir, names.cert), fix);
  // The identity's CRL copy (kept byte for byte below) stays named in its librdkafka settings.
  const hasCrl = (await readdir(dir)).includes(identityCrlName(next.kind));
  return renderIdentityConfigs({
    kind: next.kind,
    name: next.name,
    principal: principalLabel(certificatePrincipal(cert, rules)),
    storeType: next.storeType,
    secrets: next.secrets,
    hostPath: hostPlacement(layout, next).path,
    names,
    keystorePassword: await password(names.storePassword),
    truststorePassword: await password(names.truststorePassword),
    sasl: next.sasl,
    scramPassword: next.kind === 'client' && next.sasl && !next.sasl.kerberos ? (newScramPassword ?? (await password(names.scramPassword))) : undefined,
    superUsers,
    principalRules: rules.setting,
    crlFile: hasCrl ? join(hostPlacement(layout, next).dir, identityCrlName(next.kind, { prefixed: next.installDir !== undefined })) : undefined,
  });
}
