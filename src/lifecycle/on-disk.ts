import forge from 'node-forge';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SamctlError } from '../errors.js';
import { exportCertificate } from '../keystore/jks.js';
import { STORE_FILES, storeHasPasswords } from '../keystore/stores.js';
import { fingerprintSha256 } from '../pki/inspect.js';
import { keyMatchesCertificate } from '../pki/keys.js';
import type { IdentityRecord } from '../store/inventory.js';

/** What an identity's files on disk say, read back independently of the inventory. */
export interface IdentityOnDisk {
  cert?: forge.pki.Certificate;
  keystoreCert?: forge.pki.Certificate;
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

/** The first CERTIFICATE block of a PEM file (a PEM keystore starts with its key). */
function parseCertificate(pem: string): forge.pki.Certificate | undefined {
  try {
    const block = forge.pem.decode(pem).find((message) => message.type === 'CERTIFICATE');
    return block ? forge.pki.certificateFromAsn1(forge.asn1.fromDer(block.body)) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the certificate, the key and the keystore of one identity (keytool opens JKS and
 * PKCS#12 stores with the password from store.password) and notes every inconsistency.
 */
export async function readIdentityOnDisk(root: string, record: IdentityRecord, options: { keystore: boolean }): Promise<IdentityOnDisk> {
  const dir = join(root, record.dir);
  const base = record.kind;
  const state: IdentityOnDisk = { problems: [], missing: [] };

  const certPem = await readText(join(dir, `${base}.crt`));
  if (certPem === undefined) state.missing.push(`${base}.crt`);
  else {
    state.cert = parseCertificate(certPem);
    if (!state.cert) state.problems.push(`${base}.crt is not a readable certificate`);
  }

  const keyPem = await readText(join(dir, `${base}.key`));
  if (keyPem === undefined) state.missing.push(`${base}.key`);
  else if (state.cert) {
    try {
      const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
      if (!keyMatchesCertificate(key, state.cert)) state.problems.push(`${base}.key does not match ${base}.crt`);
    } catch {
      state.problems.push(`${base}.key is not a readable private key`);
    }
  }

  if (options.keystore) await readKeystore(dir, record, state);
  return state;
}

async function readKeystore(dir: string, record: IdentityRecord, state: IdentityOnDisk): Promise<void> {
  const { keystore } = STORE_FILES[record.storeType];
  const path = join(dir, keystore);
  if (!storeHasPasswords(record.storeType)) {
    const pem = await readText(path);
    if (pem === undefined) state.missing.push(keystore);
    else state.keystoreCert = parseCertificate(pem);
    if (pem !== undefined && !state.keystoreCert) state.problems.push(`${keystore} holds no readable certificate`);
    return;
  }
  const password = await readText(join(dir, 'store.password'));
  if (password === undefined) {
    state.missing.push('store.password');
    return;
  }
  if ((await readText(path)) === undefined) {
    state.missing.push(keystore);
    return;
  }
  try {
    state.keystoreCert = parseCertificate(await exportCertificate(path, record.name, password.trim()));
  } catch (err) {
    const message = err instanceof SamctlError ? err.message : String(err);
    state.problems.push(/password was incorrect|Integrity|tampered/i.test(message) ? `${keystore} does not open with store.password` : `${keystore}: ${message}`);
  }
}

/** The inventory's fingerprint against the files: what `status` calls drift. */
export function driftOf(record: IdentityRecord, disk: IdentityOnDisk): string | undefined {
  if (disk.cert && fingerprintSha256(disk.cert) !== record.sha256) return `${record.kind}.crt differs from the inventory (serial ${disk.cert.serialNumber})`;
  if (disk.keystoreCert && fingerprintSha256(disk.keystoreCert) !== record.sha256) return `${STORE_FILES[record.storeType].keystore} holds another certificate than the inventory`;
  return undefined;
}
