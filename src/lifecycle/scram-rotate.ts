import { usageError } from '../errors.js';
import { isScramMechanism } from '../pki/scram.js';
import { generateStorePassword } from '../secrets.js';
import { removeLeftovers, writeDirectoryAtomically } from '../store/files.js';
import { loadInventory, principalRulesOf, type IdentityRecord } from '../store/inventory.js';
import { backupStamp, type PkiLayout } from '../store/layout.js';
import { withPkiLock } from '../store/lock.js';
import { reconfiguredFiles } from './configure.js';

/** A new SCRAM password, made like the first one (32 base64url characters: nothing to quote in JAAS or librdkafka files). */
export function newScramPassword(): string {
  return generateStorePassword();
}

/**
 * Writes a SCRAM client's new password and every config that carries it (client-scram.password,
 * the secrets file or client-sasl.properties, librdkafka-sasl.properties), the directory
 * swapped in whole, the previous one kept under backups/. Kafka holds one credential per user
 * and mechanism, so the cluster must get the same password (samctl scram --register, before
 * this when asked) or the client is refused from its next login on.
 */
export async function saveScramPassword(layout: PkiLayout, record: IdentityRecord, password: string, now: Date): Promise<void> {
  await withPkiLock(layout.root, async () => {
    await removeLeftovers(layout);
    const inventory = await loadInventory(layout.inventory);
    const current = inventory.identities.find((entry) => entry.status === 'active' && entry.kind === 'client' && entry.name === record.name);
    if (!current?.sasl || !isScramMechanism(current.sasl.mechanism)) throw usageError(`client ${record.name} is no longer a SCRAM user`, 'see `samctl status`');
    const files = await reconfiguredFiles(layout, current, current, principalRulesOf(inventory, layout.inventory), undefined, password);
    await writeDirectoryAtomically(layout.identityDir('client', current.name), files, layout.identityBackup('client', current.name, backupStamp(now)));
  });
}
