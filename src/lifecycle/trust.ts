import forge from 'node-forge';
import { join } from 'node:path';
import { buildTruststore, STORE_FILES, type StoreType } from '../keystore/stores.js';
import { writeFileAtomically } from '../store/files.js';
import type { IdentityRecord } from '../store/inventory.js';
import { PUBLIC } from '../store/layout.js';

/**
 * Rewrites every identity's truststore and ca.crt so they hold exactly `trustedPems`
 * (current CA first). Each file is replaced atomically; both are derived from ca/, so an
 * interrupted run is completed by running the same command again.
 */
export async function refreshTruststores(root: string, identities: IdentityRecord[], trustedPems: string[], truststorePassword: string): Promise<void> {
  const trusted = trustedPems.map((pem) => ({ pem, cert: forge.pki.certificateFromPem(pem) }));
  const built = new Map<StoreType, Buffer>();
  for (const record of identities) {
    let truststore = built.get(record.storeType);
    if (!truststore) {
      truststore = await buildTruststore(record.storeType, trusted, truststorePassword, root);
      built.set(record.storeType, truststore);
    }
    const dir = join(root, record.dir);
    await writeFileAtomically(join(dir, STORE_FILES[record.storeType].truststore), truststore, PUBLIC);
    await writeFileAtomically(join(dir, 'ca.crt'), trustedPems.join(''), PUBLIC);
  }
}
