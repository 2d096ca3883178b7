import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from './files.js';
import type { IdentityRecord } from './inventory.js';
import { hostPlacement, identityCrlName, identityFileNames, PUBLIC, type PkiLayout } from './layout.js';

/**
 * Publishes a signed CRL: ca/crl.pem, and a copy in every active identity's directory (the file
 * its ssl.crl.location names on its host). Each client's librdkafka.properties then names its
 * copy. Each file is replaced atomically; all are derived from ca/crl.pem, so an interrupted
 * run is completed by `samctl crl`.
 */
export async function publishCrl(layout: PkiLayout, pem: string, identities: IdentityRecord[]): Promise<string[]> {
  const written = [layout.caCrl];
  await writeFileAtomically(layout.caCrl, pem, PUBLIC);
  for (const record of identities.filter((candidate) => candidate.status === 'active')) {
    const path = layout.identityFile(record.kind, record.name, identityCrlName(record.kind));
    await writeFileAtomically(path, pem, PUBLIC);
    written.push(path);
    if (record.kind === 'client') await pointLibrdkafkaAtCrl(layout, record);
  }
  return written;
}

/** Where the identity's CRL copy is on its host (its install dir, or its directory in the PKI directory). */
export function hostCrlPath(layout: PkiLayout, record: IdentityRecord): string {
  return join(hostPlacement(layout, record).dir, identityCrlName(record.kind, { prefixed: record.installDir !== undefined }));
}

const CRL_LINE = /^ssl\.crl\.location=.*$/m;

/**
 * The librdkafka settings with ssl.crl.location = `path` (replaced, or added at the end).
 * librdkafka then checks every broker certificate against it (X509_V_FLAG_CRL_CHECK): a CRL
 * past its nextUpdate, or none for the broker's CA, fails every handshake.
 */
export function withCrlLocation(text: string, path: string): string {
  const line = `ssl.crl.location=${path}`;
  if (CRL_LINE.test(text)) return text.replace(CRL_LINE, line);
  const note = '# The CA\'s CRL (samctl revoke): re-signed by `samctl crl` before its next update, or every broker is refused.\n';
  return `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}${note}${line}\n`;
}

async function pointLibrdkafkaAtCrl(layout: PkiLayout, record: IdentityRecord): Promise<void> {
  const name = identityFileNames(record.kind, record.storeType).librdkafka;
  if (!name) return;
  const path = layout.identityFile(record.kind, record.name, name);
  const [text, stats] = await Promise.all([readFile(path, 'utf8'), stat(path)]).catch(() => [undefined, undefined] as const);
  if (text === undefined || stats === undefined) return; // status reports the missing file
  const next = withCrlLocation(text, hostCrlPath(layout, record));
  if (next !== text) await writeFileAtomically(path, next, stats.mode & 0o777);
}
