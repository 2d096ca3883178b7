import type forge from 'node-forge';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SamctlError, ExitCode } from '../errors.js';
import type { TrustedCa } from '../keystore/stores.js';
import { writeDirectoryAtomically } from '../store/files.js';
import { crlsIssuedBy, joinCrls } from '../pki/crl-set.js';
import { parseInventory } from '../store/inventory.js';
import { CA_FILE_NAMES, olderCaGeneration, olderCaKeyGeneration, PUBLIC, SECRET, type FileSpec, type PkiLayout } from '../store/layout.js';
import { checkEncryptedPrivateKeyText, parseCaCertificateText, parsePasswordText, readTextFile } from '../store/read.js';

/** The CA of a PKI directory as files: ca/ca.crt, ca/ca.key (encrypted), ca/truststore.password, older ca-<n>.crt. */
export interface CaFiles {
  certPem: string;
  keyPem: string;
  truststorePassword: string;
  /** What the inventory recorded of the active CA's key file, when it did. */
  keyDigest?: string;
}

const restoreCa = (layout: PkiLayout) => `restore it from ${layout.backups}/ca-*/ or your own copy of the CA`;
const restoreTruststorePassword = (layout: PkiLayout) =>
  `restore it from ${layout.backups}/ca-*/, or copy an identity's truststore.password (every truststore uses the same one)`;

/** Fails with exit 2 and the command to run when the directory has no CA yet. */
export async function assertCaExists(layout: PkiLayout): Promise<void> {
  const names = await readdir(layout.caDir).catch(() => [] as string[]);
  if (!names.includes(CA_FILE_NAMES.cert) && !names.includes(CA_FILE_NAMES.key)) {
    throw new SamctlError(`no CA in ${layout.root} (${layout.caCert} is missing)`, {
      hint: 'run `samctl ca init` first, or point --dir / SAMCTL_DIR at your PKI directory',
      exitCode: ExitCode.usage,
    });
  }
}

/** Reads ca/ and checks the certificate is a readable CA certificate. */
export async function readCaFiles(layout: PkiLayout): Promise<CaFiles & { cert: forge.pki.Certificate }> {
  await assertCaExists(layout);
  const [certPem, keyPem, truststorePassword] = await Promise.all([
    readTextFile(layout.caCert, restoreCa(layout)),
    readTextFile(layout.caKey, restoreCa(layout)),
    readTextFile(layout.truststorePassword, restoreCa(layout)),
  ]);
  const cert = parseCaCertificateText(certPem, layout.caCert, restoreCa(layout));
  // Checked here, not only when unlocking: `ca retire` copies the key into the new ca/ without unlocking it.
  checkEncryptedPrivateKeyText(keyPem, layout.caKey, restoreCa(layout));
  // Every identity's truststore and properties use this password and `ca rotate` rebuilds
  // their truststores with it: a damaged one must not be carried on.
  const password = parsePasswordText(truststorePassword, layout.truststorePassword, restoreTruststorePassword(layout), { generated: true });
  return { cert, certPem, keyPem, truststorePassword: password, keyDigest: await recordedKeyDigest(layout) };
}

/** The active CA's key digest from the inventory; a missing or damaged inventory is reported later, by whoever needs it. */
async function recordedKeyDigest(layout: PkiLayout): Promise<string | undefined> {
  try {
    const inventory = parseInventory(await readFile(layout.inventory, 'utf8'), layout.inventory);
    return inventory.cas.find((record) => record.status === 'active')?.keyDigest;
  } catch {
    return undefined;
  }
}

/** Writes ca/ as a whole; an existing ca/ is moved to `backupTo` first. */
export function saveCaFiles(layout: PkiLayout, files: FileSpec[], backupTo?: string): Promise<string | undefined> {
  return writeDirectoryAtomically(layout.caDir, files, backupTo);
}

/** Every CA certificate identities may chain to: the current one first and, during a rotation, the older ones. */
export async function readTrustedCas(layout: PkiLayout): Promise<TrustedCa[]> {
  await assertCaExists(layout);
  const older = (await readdir(layout.caDir))
    .filter((name) => olderCaGeneration(name) !== undefined)
    .sort((a, b) => olderCaGeneration(a)! - olderCaGeneration(b)!);
  const trusted: TrustedCa[] = [];
  for (const path of [layout.caCert, ...older.map((name) => join(layout.caDir, name))]) {
    const pem = await readTextFile(path, restoreCa(layout));
    trusted.push({ pem, cert: parseCaCertificateText(pem, path, restoreCa(layout)) });
  }
  return trusted;
}

/**
 * ca/ after phase 1 of a rotation: the new CA as ca.crt/ca.key, every older certificate as
 * ca-<n>.crt and its encrypted key as ca-<n>.key. The older key stays until `ca retire`: a
 * client that checks CRLs needs one signed by every CA it trusts (OpenSSL: "unable to get
 * certificate CRL"), and only the old CA can sign the old CA's.
 */
export async function rotatedCaFiles(layout: PkiLayout, fresh: { certPem: string; keyPem: string }, previous: CaFiles): Promise<FileSpec[]> {
  return [...currentCaFiles({ ...fresh, truststorePassword: previous.truststorePassword }), ...(await carriedCaFiles(layout, previous))];
}

/**
 * What phase 1 of a rotation carries over in ca/ beside the new CA, whatever holds its key: the
 * CRL, every older certificate (ca-<n>.crt) and kept key (ca-<n>.key), and the previous CA as
 * the next generation's certificate, with its encrypted key when it has one in ca/ (an engine's
 * stays in the engine).
 */
export async function carriedCaFiles(layout: PkiLayout, previous: { certPem: string; keyPem?: string }): Promise<FileSpec[]> {
  const names = await readdir(layout.caDir);
  const older = names.filter((name) => olderCaGeneration(name) !== undefined);
  const olderKeys = names.filter((name) => olderCaKeyGeneration(name) !== undefined);
  const next = Math.max(0, ...older.map((name) => olderCaGeneration(name)!)) + 1;
  const kept: FileSpec[] = [];
  for (const name of older) kept.push({ name, content: await readFile(join(layout.caDir, name)), mode: PUBLIC });
  for (const name of olderKeys) kept.push({ name, content: await readFile(join(layout.caDir, name)), mode: SECRET });
  kept.push({ name: layout.olderCaCertName(next), content: previous.certPem, mode: PUBLIC });
  if (previous.keyPem !== undefined) kept.push({ name: layout.olderCaKeyName(next), content: previous.keyPem, mode: SECRET });
  return [...(await keptCrl(layout)), ...kept];
}

/** The retiring CAs' files in ca/ (generation, certificate PEM and, when kept, encrypted key PEM), oldest first. */
export async function readOlderCaFiles(layout: PkiLayout): Promise<Array<{ generation: number; certPath: string; keyPath: string; certPem: string; cert: forge.pki.Certificate; keyPem?: string }>> {
  const names = await readdir(layout.caDir);
  const generations = names.map(olderCaGeneration).filter((generation): generation is number => generation !== undefined).sort((a, b) => a - b);
  const older = [];
  for (const generation of generations) {
    const certPath = join(layout.caDir, layout.olderCaCertName(generation));
    const keyPath = join(layout.caDir, layout.olderCaKeyName(generation));
    const certPem = await readTextFile(certPath, restoreCa(layout));
    const keyPem = names.includes(layout.olderCaKeyName(generation)) ? await readTextFile(keyPath, restoreCa(layout)) : undefined;
    older.push({ generation, certPath, keyPath, certPem, cert: parseCaCertificateText(certPem, certPath, restoreCa(layout)), keyPem });
  }
  return older;
}

/**
 * The current CA's files. The truststore password outlives rotations: every existing
 * truststore and properties file uses it.
 */
export function currentCaFiles(ca: { certPem: string; keyPem: string; truststorePassword: string }): FileSpec[] {
  return [
    { name: CA_FILE_NAMES.cert, content: ca.certPem, mode: PUBLIC },
    { name: CA_FILE_NAMES.key, content: ca.keyPem, mode: SECRET },
    { name: CA_FILE_NAMES.truststorePassword, content: `${ca.truststorePassword}\n`, mode: SECRET },
  ];
}

/** ca/crl.pem (samctl revoke), kept when ca/ is rewritten: status and the identities' copies refer to it. */
export async function keptCrl(layout: PkiLayout): Promise<FileSpec[]> {
  const pem = await readFile(layout.caCrl).catch(() => undefined);
  return pem === undefined ? [] : [{ name: CA_FILE_NAMES.crl, content: pem, mode: PUBLIC }];
}

/**
 * ca/crl.pem for `ca retire`: only the CRLs the remaining CA signed (those of the retired CAs go
 * with them). `stale` when the file holds none of the remaining CA's (a rotation begun before
 * samctl kept one per CA): the file is kept as it is and `samctl crl` must sign a new one.
 */
export async function retainedCrl(layout: PkiLayout, caPem: string): Promise<{ files: FileSpec[]; pem?: string; stale: boolean }> {
  const text = await readFile(layout.caCrl, 'utf8').catch(() => undefined);
  if (text === undefined) return { files: [], stale: false };
  const own = await crlsIssuedBy(text, caPem);
  const pem = own.length > 0 ? joinCrls(own) : text;
  return { files: [{ name: CA_FILE_NAMES.crl, content: pem, mode: PUBLIC }], pem, stale: own.length === 0 };
}
