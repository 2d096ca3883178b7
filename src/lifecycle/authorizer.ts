import { superUsers } from '../render/authorizer.js';
import { emptyInventory, loadInventory, type IdentityRecord } from '../store/inventory.js';
import type { PkiLayout } from '../store/layout.js';
import { configureIdentities } from './configure.js';

export interface SuperUsersChange {
  /** super.users as it is now. */
  superUsers: string[];
  /** Authorizer brokers issued before this run whose snippet was rendered anew: each needs a restart. */
  restart: IdentityRecord[];
}

/**
 * super.users as the inventory says it is now. An inventory that cannot be read counts as
 * empty here: the issue that follows refuses it with the reason and the fix.
 */
export async function currentSuperUsers(layout: PkiLayout): Promise<string[]> {
  return superUsers((await loadInventory(layout.inventory).catch(() => emptyInventory())).identities);
}

/**
 * Kafka reads super.users at startup only. When an issue changed the set of brokers and
 * admins, the snippets of the authorizer brokers issued earlier are rendered anew (through
 * configureIdentities: nothing is re-signed) and those brokers need a rolling restart.
 * The brokers of this run already carry the new set. Undefined when nothing changed.
 */
export async function refreshSuperUsers(layout: PkiLayout, before: string[], issued: IdentityRecord[], now: Date): Promise<SuperUsersChange | undefined> {
  const inventory = await loadInventory(layout.inventory);
  const after = superUsers(inventory.identities);
  if (after.length === before.length && after.every((principal, index) => principal === before[index])) return undefined;
  const fresh = new Set(issued.filter((record) => record.kind === 'broker').map((record) => record.name));
  const stale = inventory.identities.filter((record) => record.status === 'active' && record.kind === 'broker' && record.authorizer && !fresh.has(record.name));
  const rendered = stale.length > 0 ? await configureIdentities(layout, stale.map((record) => record.name), {}, now) : [];
  return { superUsers: after, restart: rendered.filter((record) => record.kind === 'broker') };
}
