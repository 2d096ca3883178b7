import { writeFileAtomically } from './files.js';
import type { IdentityRecord } from './inventory.js';
import { identityCrlName, PUBLIC, type PkiLayout } from './layout.js';

/**
 * Writes the CRL file: ca/crl.pem, and a copy in every active identity's directory (the file
 * its ssl.crl.location names on its host). Each file is replaced atomically; all are derived
 * from ca/crl.pem, so an interrupted run is completed by `samctl crl`. Returns the paths written.
 */
export async function writeCrlFiles(layout: PkiLayout, pem: string, identities: IdentityRecord[]): Promise<string[]> {
  await writeFileAtomically(layout.caCrl, pem, PUBLIC);
  return [layout.caCrl, ...(await writeCrlCopies(layout, pem, identities))];
}

/** The identities' copies of ca/crl.pem alone (ca retire rewrites ca/ itself). */
export async function writeCrlCopies(layout: PkiLayout, pem: string, identities: IdentityRecord[]): Promise<string[]> {
  const written: string[] = [];
  for (const record of identities.filter((candidate) => candidate.status === 'active')) {
    const path = layout.identityFile(record.kind, record.name, identityCrlName(record.kind));
    await writeFileAtomically(path, pem, PUBLIC);
    written.push(path);
  }
  return written;
}

