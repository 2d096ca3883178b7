import type { DistinguishedName } from '../pki/certificates.js';
import { removeLeftovers } from '../store/files.js';
import { loadInventory, recordCa, saveInventory, type CaRecord } from '../store/inventory.js';
import { backupStamp, type PkiLayout } from '../store/layout.js';
import { withPkiLock } from '../store/lock.js';
import { saveCaFiles } from './ca-files.js';
import { createFileCa, newCaDirectory } from './file-ca.js';

/** A new CA in the PKI directory; an existing ca/ (only with --force, checked by the caller) moves to backups/. */
export async function initCa(
  layout: PkiLayout,
  input: { dn: DistinguishedName; days: number; keySize: number; passphrase: string; now: Date; /** validated ssl.principal.mapping.rules; undefined: keep what is set */ principalRules?: string },
): Promise<{ record: CaRecord; backup?: string }> {
  const ca = await createFileCa(input);
  const backup = await withPkiLock(layout.root, async () => {
    await removeLeftovers(layout);
    const inventory = await loadInventory(layout.inventory);
    const previous = await saveCaFiles(layout, newCaDirectory(ca), layout.caBackup(backupStamp(input.now)));
    const settings = input.principalRules === undefined ? inventory.settings : { ...inventory.settings, principalRules: input.principalRules };
    await saveInventory(layout.inventory, recordCa({ ...inventory, settings }, ca.record));
    return previous;
  });
  return { record: ca.record, backup };
}
