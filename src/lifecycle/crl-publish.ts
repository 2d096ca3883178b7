import { stat } from 'node:fs/promises';
import { unlockCrlSigners, type CrlSigner } from '../authority/crl-signers.js';
import { joinCrls } from '../pki/crl-set.js';
import { readCrlWindow } from '../pki/crl-window.js';
import { writeCrlFiles } from '../store/crl.js';
import { writeFileAtomically } from '../store/files.js';
import { loadInventory, principalRulesOf, saveInventory, type Inventory } from '../store/inventory.js';
import { withPkiLock } from '../store/lock.js';
import { identityFileNames, type PkiLayout } from '../store/layout.js';
import { renderedConfigs } from './configure.js';
import { crlEntries, nextCrlWindow } from './revoke.js';

/** What `samctl revoke`, `samctl crl` and `ca rotate` report of the CRLs they published. */
export interface PublishedCrl {
  number: number;
  thisUpdate: string;
  nextUpdate: string;
  /** Revoked certificates listed, over all CRLs. */
  entries: number;
  /** CRLs in the file: one per trusted CA. */
  issuers: number;
  /** Identities whose copy was written. */
  copies: number;
  path: string;
}

/**
 * Signs one CRL per trusted CA (each listing the revoked certificates it issued, all with the
 * same cRLNumber and window), writes them as one file to ca/crl.pem and every identity's copy,
 * and re-renders each client's librdkafka.properties so ssl.crl.location names its copy.
 * The inventory (the new CRL number) is saved first: a number is never reused, even if writing
 * the files fails half-way. Call under the PKI lock, with `inventory` read under it.
 */
export async function publishCrls(layout: PkiLayout, inventory: Inventory, signers: CrlSigner[], now: Date): Promise<PublishedCrl> {
  const window = nextCrlWindow(inventory, now);
  const lists = signers.map(({ caSha256, signer }) => ({ signer, entries: crlEntries(inventory, caSha256) }));
  const pems = await Promise.all(lists.map(({ signer, entries }) => signer.signCrl(entries, window)));
  const pem = joinCrls(pems);
  // An engine signs with its own number and dates: the inventory records what its CRL says.
  const engine = inventory.settings.backend === 'openbao' ? await readCrlWindow(pems[0]!, `the engine's CRL (${inventory.settings.engine?.address})`) : undefined;
  const signed = engine ?? window;
  const crl = { number: signed.number, thisUpdate: signed.thisUpdate.toISOString(), nextUpdate: signed.nextUpdate.toISOString() };
  await saveInventory(layout.inventory, { ...inventory, crl });
  const written = await writeCrlFiles(layout, pem, inventory.identities);
  await renderLibrdkafkaConfigs(layout, inventory);
  return { ...crl, entries: engine?.serials.length ?? lists.reduce((sum, list) => sum + list.entries.length, 0), issuers: lists.length, copies: written.length - 1, path: layout.caCrl };
}

/** Every active client's librdkafka.properties, rendered anew by the identity renderer (its CRL copy is now present). */
async function renderLibrdkafkaConfigs(layout: PkiLayout, inventory: Inventory): Promise<void> {
  const rules = principalRulesOf(inventory, layout.inventory);
  for (const record of inventory.identities.filter((candidate) => candidate.status === 'active' && candidate.kind === 'client')) {
    const name = identityFileNames(record.kind, record.storeType).librdkafka;
    const rendered = (await renderedConfigs(layout, record, record, rules)).find((file) => file.name === name);
    if (!rendered) continue;
    const path = layout.identityFile(record.kind, record.name, rendered.name);
    // A file the user tightened keeps its mode.
    const mode = await stat(path).then((stats) => stats.mode & 0o777, () => rendered.mode);
    await writeFileAtomically(path, rendered.content, mode);
  }
}

/**
 * After `ca rotate` (phase 1), when CRLs are in use: the file gets the new CA's CRL next to the
 * old CA's, both signed anew, so a client that checks CRLs accepts brokers of either CA. Run
 * again by a resumed `ca rotate`. Undefined when no CRL was ever published.
 */
export async function republishCrls(layout: PkiLayout, passphrase: string, now: Date): Promise<PublishedCrl | undefined> {
  const inventory = await loadInventory(layout.inventory);
  if (!inventory.crl) return undefined;
  const signers = await unlockCrlSigners(layout, passphrase, inventory.cas);
  return withPkiLock(layout.root, async () => publishCrls(layout, await loadInventory(layout.inventory), signers, now));
}
