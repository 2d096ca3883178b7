import { usageError } from '../errors.js';
import type { TlsIdentity } from '../net/tls-probe.js';
import { reissueCommand } from '../lifecycle/renew.js';
import { exists } from '../store/files.js';
import { loadInventory } from '../store/inventory.js';
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
  // renew makes a new key and ca.crt, but takes the DN from the certificate: a damaged one needs the client issued anew.
  const record = (await loadInventory(layout.inventory).catch(() => undefined))?.identities.find((entry) => entry.status === 'active' && entry.kind === 'client' && entry.name === name);
  const certFix = `issue it anew with ${reissueCommand(record ?? { kind: 'client', name })}`;
  const path = (file: string) => layout.identityFile('client', name, file);
  const [key, cert, ca] = await Promise.all([
    readPrivateKey(path(names.key), fix).then((read) => read.pem),
    readLeafCertificate(path(names.cert), certFix).then((read) => read.pem),
    readTextFile(path(names.ca), fix).then((text) => (parseCertificateText(text, path(names.ca), fix), text)),
  ]);
  return { key: Buffer.from(key), cert: Buffer.from(cert), ca: Buffer.from(ca) };
}
