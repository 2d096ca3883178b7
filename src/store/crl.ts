import { writeFileAtomically } from './files.js';
import type { IdentityRecord } from './inventory.js';
import { identityCrlName, PUBLIC, type PkiLayout } from './layout.js';

/**
 * Publishes a signed CRL: ca/crl.pem, and a copy in every active identity's directory (the file
 * its ssl.crl.location names on its host). Each file is replaced atomically; all are derived from
 * ca/crl.pem, so an interrupted run is completed by `samctl crl`.
 */
export async function publishCrl(layout: PkiLayout, pem: string, identities: IdentityRecord[]): Promise<string[]> {
  const written = [layout.caCrl];
  await writeFileAtomically(layout.caCrl, pem, PUBLIC);
  for (const record of identities.filter((candidate) => candidate.status === 'active')) {
    const path = layout.identityFile(record.kind, record.name, identityCrlName(record.kind));
    await writeFileAtomically(path, pem, PUBLIC);
    written.push(path);
  }
  return written;
}
