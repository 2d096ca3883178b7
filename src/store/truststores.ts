import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { buildTruststore, type StoreType, type TrustedCa } from '../keystore/stores.js';
import { writeFileAtomically } from './files.js';
import type { IdentityRecord } from './inventory.js';
import { identityFileNames, PUBLIC, type PkiLayout } from './layout.js';

/**
 * Truststores depend only on the trusted CAs, the store type and the truststore password,
 * so a built one is kept in ca/ and copied: a JKS truststore costs a JVM launch, which
 * `client issue` would otherwise pay on every call. The name carries a hash of all three;
 * `ca rotate` / `ca retire` rewrite ca/ as a whole, which drops stale copies.
 */
export async function cachedTruststore(layout: PkiLayout, type: StoreType, trusted: TrustedCa[], password: string): Promise<Buffer> {
  const digest = createHash('sha256').update(`${type}\0${password}\0${trusted.map((ca) => ca.pem).join('')}`).digest('hex').slice(0, 16);
  const path = layout.cachedTruststore(digest, type);
  const cached = await readFile(path).catch(() => undefined);
  if (cached) return cached;
  const built = await buildTruststore(type, trusted, password);
  await writeFileAtomically(path, built, PUBLIC);
  return built;
}

/**
 * Rewrites every identity's truststore and ca.crt so they hold exactly `trusted` (current
 * CA first). Each file is replaced atomically; both are derived from ca/, so an interrupted
 * run is completed by running the same command again.
 */
export async function refreshTruststores(layout: PkiLayout, identities: IdentityRecord[], trusted: TrustedCa[], truststorePassword: string): Promise<void> {
  const built = new Map<StoreType, Buffer>();
  for (const record of identities) {
    let truststore = built.get(record.storeType);
    if (!truststore) {
      truststore = await buildTruststore(record.storeType, trusted, truststorePassword);
      built.set(record.storeType, truststore);
    }
    const names = identityFileNames(record.kind, record.storeType);
    await writeFileAtomically(layout.identityFile(record.kind, record.name, names.truststore), truststore, PUBLIC);
    await writeFileAtomically(layout.identityFile(record.kind, record.name, names.ca), trusted.map((ca) => ca.pem).join(''), PUBLIC);
  }
}
