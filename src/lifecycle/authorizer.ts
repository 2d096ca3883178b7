import { readFile } from 'node:fs/promises';
import { superUsers, superUsersValue } from '../render/authorizer.js';
import { loadInventory, principalRulesOf, type IdentityRecord } from '../store/inventory.js';
import { identityFileNames, type PkiLayout } from '../store/layout.js';
import { configureIdentities } from './configure.js';

export interface SuperUsersChange {
  /** super.users as it is now. */
  superUsers: string[];
  /** Authorizer brokers whose snippet was rendered anew: each needs a restart to read it. */
  restart: IdentityRecord[];
}

/**
 * Kafka reads super.users at startup only. After an issue changed the set of brokers and
 * admins, the authorizer brokers whose server-ssl.properties (as it is on disk) holds another
 * super.users line are rendered anew through configureIdentities (nothing is re-signed); they
 * need a rolling restart. Brokers issued in the same run already hold the new line.
 * Undefined when every snippet is current.
 */
export async function refreshSuperUsers(layout: PkiLayout, now: Date): Promise<SuperUsersChange | undefined> {
  const inventory = await loadInventory(layout.inventory);
  const brokers = inventory.identities.filter((record) => record.status === 'active' && record.kind === 'broker' && record.authorizer);
  if (brokers.length === 0) return undefined;
  const principals = superUsers(inventory.identities, principalRulesOf(inventory, layout.inventory));
  const line = `super.users=${superUsersValue(principals)}`;
  const stale: string[] = [];
  for (const record of brokers) {
    const config = layout.identityFile(record.kind, record.name, identityFileNames(record.kind, record.storeType).config);
    const text = await readFile(config, 'utf8').catch(() => '');
    if (!text.split(/\r?\n/).includes(line)) stale.push(record.name);
  }
  if (stale.length === 0) return undefined;
  const rendered = await configureIdentities(layout, stale, {}, now);
  return { superUsers: principals, restart: rendered.filter((record) => record.kind === 'broker') };
}

/**
 * Kafka splits super.users on ';' (see render/authorizer.ts): an --admin whose DN holds one is
 * refused before anything is issued. Returns the offending option, if any.
 */
export function superUserProblem(dn: Record<string, string | undefined>): string | undefined {
  const flag = Object.keys(dn).find((key) => dn[key]?.includes(';'));
  return flag && `invalid ${flag} "${dn[flag]}" for an --admin client: Kafka's super.users cannot hold a principal with ';'`;
}
