import type forge from 'node-forge';
import { readFile } from 'node:fs/promises';
import { SamctlError } from '../errors.js';
import { exportCertificate } from '../keystore/jks.js';
import { storeHasPasswords } from '../keystore/stores.js';
import { fingerprintSha256 } from '../pki/inspect.js';
import { keyMatchesCertificate } from '../pki/keys.js';
import type { IdentityRecord } from '../store/inventory.js';
import { identityFileNames, type PkiLayout } from '../store/layout.js';
import { parseCertificateText, parsePrivateKeyText } from '../store/read.js';

/** What an identity's files on disk say, read back independently of the inventory. */
export interface IdentityOnDisk {
  cert?: forge.pki.Certificate;
  keystoreCert?: forge.pki.Certificate;
  /** One line per damaged or inconsistent file, naming it. */
  problems: string[];
  /** Files the inventory lists that are not there. */
  missing: string[];
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The reader's verdict as a problem line instead of an exception: status and verify report every file. */
function attempt<T>(state: IdentityOnDisk, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof SamctlError)) throw err;
    state.problems.push(err.message);
    return undefined;
  }
}

/**
 * Reads the certificate, the key and the keystore of one identity (keytool opens JKS and
 * PKCS#12 stores with the password from store.password) and notes every inconsistency.
 */
export async function readIdentityOnDisk(layout: PkiLayout, record: IdentityRecord, options: { keystore: boolean }): Promise<IdentityOnDisk> {
  const names = identityFileNames(record.kind, record.storeType);
  const path = (file: string) => layout.identityFile(record.kind, record.name, file);
  const fix = `re-issue it with \`samctl renew ${record.name}\``;
  const state: IdentityOnDisk = { problems: [], missing: [] };

  const certPem = await readText(path(names.cert));
  if (certPem === undefined) state.missing.push(names.cert);
  else state.cert = attempt(state, () => parseCertificateText(certPem, names.cert, fix));

  const keyPem = await readText(path(names.key));
  if (keyPem === undefined) state.missing.push(names.key);
  else {
    const key = attempt(state, () => parsePrivateKeyText(keyPem, names.key, fix));
    if (key && state.cert && !keyMatchesCertificate(key, state.cert)) state.problems.push(`${names.key} does not match ${names.cert}`);
  }

  if (options.keystore) await readKeystore(layout, record, state);
  return state;
}

async function readKeystore(layout: PkiLayout, record: IdentityRecord, state: IdentityOnDisk): Promise<void> {
  const names = identityFileNames(record.kind, record.storeType);
  const path = (file: string) => layout.identityFile(record.kind, record.name, file);
  const fix = `re-issue it with \`samctl renew ${record.name}\``;
  if (!storeHasPasswords(record.storeType)) {
    const pem = await readText(path(names.keystore));
    if (pem === undefined) state.missing.push(names.keystore);
    else state.keystoreCert = attempt(state, () => parseCertificateText(pem, names.keystore, fix));
    return;
  }
  const password = await readText(path(names.storePassword!));
  if (password === undefined) {
    state.missing.push(names.storePassword!);
    return;
  }
  if ((await readText(path(names.keystore))) === undefined) {
    state.missing.push(names.keystore);
    return;
  }
  try {
    const pem = await exportCertificate(path(names.keystore), record.name, password.trim());
    state.keystoreCert = attempt(state, () => parseCertificateText(pem, names.keystore, fix));
  } catch (err) {
    const message = err instanceof SamctlError ? err.message : String(err);
    state.problems.push(/password was incorrect|Integrity|tampered/i.test(message) ? `${names.keystore} does not open with ${names.storePassword}` : `${names.keystore}: ${message}`);
  }
}

/** The inventory's fingerprint against the files: what `status` calls drift. */
export function driftOf(record: IdentityRecord, disk: IdentityOnDisk): string | undefined {
  const names = identityFileNames(record.kind, record.storeType);
  if (disk.cert && fingerprintSha256(disk.cert) !== record.sha256) return `${names.cert} differs from the inventory (serial ${disk.cert.serialNumber})`;
  if (disk.keystoreCert && fingerprintSha256(disk.keystoreCert) !== record.sha256) return `${names.keystore} holds another certificate than the inventory`;
  return undefined;
}
