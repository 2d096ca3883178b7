import { usageError } from '../errors.js';
import type { TlsIdentity } from '../net/tls-probe.js';
import { exists } from '../store/files.js';
import { identityFileNames, type PkiLayout } from '../store/layout.js';
import { parseCertificateText, readLeafCertificate, readPrivateKey, readTextFile } from '../store/read.js';

/**
 * The PEM key, certificate and CA a client identity connects with (every store type has
 * them). A missing identity is bad usage (exit 2); a damaged file names itself (exit 1).
 */
export async function readClientIdentity(layout: PkiLayout, name: string): Promise<TlsIdentity> {
  const dir = layout.identityDir('client', name);
  if (!(await exists(dir))) throw usageError(`no client identity "${name}" in ${dir}`, `issue one with: samctl client issue ${name}`);
  const names = identityFileNames('client', 'pem');
  const fix = `re-issue it with \`samctl renew ${name}\``;
  const path = (file: string) => layout.identityFile('client', name, file);
  const [key, cert, ca] = await Promise.all([
    readPrivateKey(path(names.key), fix).then((read) => read.pem),
    readLeafCertificate(path(names.cert), fix).then((read) => read.pem),
    readTextFile(path(names.ca), fix).then((text) => (parseCertificateText(text, path(names.ca), fix), text)),
  ]);
  return { key: Buffer.from(key), cert: Buffer.from(cert), ca: Buffer.from(ca) };
}
