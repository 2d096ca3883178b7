import { enginePaths, openEngineState, type EngineState } from './engine-state.js';
import { rm } from 'node:fs/promises';
import { exists, removeLeftovers, siblingPath, writeDirectoryAtomically } from './files.js';
import { loadInventory, saveInventory, type IdentityRecord, type Inventory } from './inventory.js';
import { backupStamp, PUBLIC, SECRET, type FileSpec, type PkiLayout } from './layout.js';
import { withPkiLock } from './lock.js';
import { ExitCode, SamctlError } from '../errors.js';

/**
 * With the inventory in the engine's KV (settings.engine.kvMount), the PKI directory is a cache:
 * before a command reads it, the shared inventory's CAs and identities replace the local ones
 * (the settings and the CRL state stay local), and every active identity whose directory is
 * missing, or holds another certificate than the shared record, is written from its KV copy.
 * So `status`, `renew`, `acl`, `revoke` see identities issued from other PKI directories, and a
 * thrown-away cache comes back. Without a KV mount this is the local inventory as it is.
 */
/**
 * Renders an identity's config files for this PKI directory from its directory and `inventory`
 * (samctl configure's renderer, handed in by the command layer).
 */
export type LocalRenderer = (record: IdentityRecord, inventory: Inventory) => Promise<FileSpec[]>;

export async function syncFromEngine(layout: PkiLayout, local: Inventory, now: Date, renderHere?: LocalRenderer): Promise<Inventory> {
  const state = await openEngineState(local.settings);
  if (!state) return local;
  const shared = await state.readInventory();
  if (!shared) return local;
  return withPkiLock(layout.root, async () => {
    await removeLeftovers(layout);
    const current = await loadInventory(layout.inventory);
    // The shared record wins: a status, grants or a `samctl configure` choice (install dir,
    // secrets mode, and so the files) made elsewhere come in, and a directory rendered for
    // another choice is written anew from the KV copy (the old one goes to backups/).
    // An identity without an install dir is used from the PKI directory itself: its copy's
    // configs name the directory that rendered them, so they are rendered again for this one.
    const next: Inventory = { ...current, cas: shared.inventory.cas, identities: shared.inventory.identities };
    const held = new Map(current.identities.filter((record) => record.status === 'active').map((record) => [key(record), record]));
    for (const record of shared.inventory.identities.filter((candidate) => candidate.status === 'active')) {
      const local = held.get(key(record));
      if (local && sameConfiguration(local, record) && (await exists(layout.identityDir(record.kind, record.name)))) continue;
      await materialize(layout, state, record, now);
      if (record.installDir === undefined && renderHere) {
        const dir = layout.identityDir(record.kind, record.name);
        // The engine's copy just written steps aside as a staging sibling and is removed (a crash leaves it to removeLeftovers).
        const copy = siblingPath(dir, 'staging');
        await writeDirectoryAtomically(dir, await renderHere(record, next), copy);
        await rm(copy, { recursive: true, force: true });
      }
    }
    if (JSON.stringify(next) !== JSON.stringify(current)) await saveInventory(layout.inventory, next);
    return next;
  });
}

const key = (record: IdentityRecord) => `${record.kind}\0${record.name}\0${record.serial}`;

/** Whether two records of one certificate render the same directory: install dir, secrets mode, files. */
function sameConfiguration(a: IdentityRecord, b: IdentityRecord): boolean {
  return a.installDir === b.installDir && a.secrets === b.secrets && JSON.stringify(a.files) === JSON.stringify(b.files);
}

/** Writes an identity's directory from its KV copy (the files `samctl export` would bundle, modes kept). */
async function materialize(layout: PkiLayout, state: EngineState, record: IdentityRecord, now: Date): Promise<void> {
  const copy = await state.readIdentity(record.kind, record.name);
  const where = `${state.address}/v1/${state.kvMount}/data/${enginePaths(state.engine).identity(record.kind, record.name)}`;
  if (!copy || copy.record.serial !== record.serial) {
    throw new SamctlError(`${record.kind} ${record.name} (serial ${record.serial}) is in the shared inventory but its files are not at ${where}`, {
      hint: `renew it from the PKI directory that issued it (samctl renew ${record.name}), or revoke it`,
      exitCode: ExitCode.failed,
    });
  }
  // Only the two modes samctl writes: anything readable by others in the copy is public, the rest 0600.
  // A directory holding an older certificate (renewed elsewhere) goes to backups/, as renew's does.
  await writeDirectoryAtomically(layout.identityDir(record.kind, record.name), copy.files.map((file) => ({ ...file, mode: (file.mode & 0o077) === 0 ? SECRET : PUBLIC })), layout.identityBackup(record.kind, record.name, backupStamp(now)));
}
