import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { operationError } from '../errors.js';
import { fingerprintSha256 } from '../pki/inspect.js';
import type { IdentityRecord } from '../store/inventory.js';
import { hostFileMap, identityCrlName, identityFileNames, PUBLIC, SECRET, type IdentityFileNames, type PkiLayout } from '../store/layout.js';
import { parseCertificateText } from '../store/read.js';

/** One file of a bundle: its name on the host (relative to the install dir), bytes, mode, mtime. */
export interface BundleFile {
  name: string;
  content: Buffer;
  mode: typeof SECRET | typeof PUBLIC;
  mtime: Date;
}

/** The manifest that `sha256sum -c` checks in the unpacked directory. */
export const MANIFEST_NAME = 'SHA256SUMS';

/** Roles whose files are secrets whatever mode they have on disk. */
const SECRET_ROLES: ReadonlySet<keyof IdentityFileNames> = new Set(['key', 'keystore', 'storePassword', 'truststorePassword', 'secrets', 'scramPassword', 'saslLibrdkafka', 'keytab']);

/**
 * What the identity's host needs, read from its directory in the PKI directory and named as
 * on the host (hostFileMap): key, certificate, CA, stores, password and secrets files,
 * configs. Never the CSR, the CA key or another identity's files: only hostFileMap's list is
 * read. Modes are kept, and a secret by role is 0600 even if its file on disk was loosened.
 * The certificate must be the one the inventory records, so a half-done or hand-edited
 * identity directory is not shipped.
 */
export async function readBundleFiles(layout: PkiLayout, record: IdentityRecord): Promise<BundleFile[]> {
  const fix = `see \`samctl status\`; \`samctl renew ${record.name}\` writes the identity anew`;
  const roles = roleByPkiName(record);
  const files: BundleFile[] = [];
  for (const { pki, host } of hostFileMap(record)) {
    const path = layout.identityFile(record.kind, record.name, pki);
    const [content, stats] = await Promise.all([readFile(path), stat(path)]).catch((err: NodeJS.ErrnoException) => {
      throw operationError(`${path} cannot be read (${err.code ?? err.message}): the ${record.kind} ${record.name} is incomplete`, fix, err);
    });
    const secret = SECRET_ROLES.has(roles.get(pki)!) || (stats.mode & 0o077) === 0;
    files.push({ name: host, content, mode: secret ? SECRET : PUBLIC, mtime: stats.mtime });
    if (roles.get(pki) === 'cert') {
      const cert = parseCertificateText(content.toString('utf8'), path, fix);
      if (fingerprintSha256(cert) !== record.sha256) {
        throw operationError(`${path} is not the certificate the inventory records for ${record.kind} ${record.name} (drifted)`, fix);
      }
    }
  }
  // The CA's CRL, once samctl revoke / samctl crl published one: ssl.crl.location names it.
  const crlPath = layout.identityFile(record.kind, record.name, identityCrlName(record.kind));
  const crl = await Promise.all([readFile(crlPath), stat(crlPath)]).catch(() => undefined);
  if (crl) files.push({ name: identityCrlName(record.kind, { prefixed: record.installDir !== undefined }), content: crl[0], mode: PUBLIC, mtime: crl[1].mtime });
  return files;
}

function roleByPkiName(record: IdentityRecord): Map<string, keyof IdentityFileNames> {
  const names = identityFileNames(record.kind, record.storeType, { secrets: record.secrets === 'file', sasl: record.sasl });
  const roles = new Map<string, keyof IdentityFileNames>();
  for (const role of Object.keys(names) as Array<keyof IdentityFileNames>) if (names[role]) roles.set(names[role]!, role);
  return roles;
}

export function sha256Hex(content: Buffer | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/** `sha256sum` output for the files: `<hex>  <name>` lines (two spaces: text mode, as GNU writes). */
export function manifestFile(files: BundleFile[], mtime: Date): BundleFile {
  const text = files.map((file) => `${sha256Hex(file.content)}  ${file.name}\n`).join('');
  return { name: MANIFEST_NAME, content: Buffer.from(text), mode: PUBLIC, mtime };
}
