import type forge from 'node-forge';
import { readFile } from 'node:fs/promises';
import { SamctlError } from '../errors.js';
import { exportCertificate } from '../keystore/jks.js';
import { storeHasPasswords } from '../keystore/stores.js';
import { fingerprintSha256 } from '../pki/inspect.js';
import { keyMatchesCertificate } from '../pki/keys.js';
import type { IdentityRecord } from '../store/inventory.js';
import { identityFileNames, type PkiLayout } from '../store/layout.js';
import { parseCertificateText, parseLeafCertificateText, parsePasswordText, parsePemKeystoreText, parsePrivateKeyText } from '../store/read.js';
import { reissueCommand } from './renew.js';

/** What an identity's files on disk say, read back independently of the inventory. */
export interface IdentityOnDisk {
  cert?: forge.pki.Certificate;
  keystoreCert?: forge.pki.Certificate;
  /** One line per damaged or inconsistent file, naming it. */
  problems: string[];
  /** Files the inventory lists that are not there. */
  missing: string[];
  /** What to do about the first problem. */
  fix?: string;
}

async function readBytes(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function readText(path: string): Promise<string | undefined> {
  return (await readBytes(path))?.toString('utf8');
}

function problem(state: IdentityOnDisk, message: string, fix: string): void {
  state.problems.push(message);
  state.fix ??= fix;
}

/** The reader's verdict as a problem line instead of an exception: status and verify report every file. */
function attempt<T>(state: IdentityOnDisk, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof SamctlError)) throw err;
    problem(state, err.message, err.hint ?? '');
    return undefined;
  }
}

/**
 * The fixes: `renew` makes a new key and keystore, but keeps the DN from the certificate and
 * the store password, so a damaged certificate or store.password needs the identity issued anew.
 */
function fixes(record: IdentityRecord) {
  return { renew: `re-issue it with \`samctl renew ${record.name}\``, reissue: `issue it anew with ${reissueCommand(record)}` };
}

/**
 * Reads the certificate, the key and the keystore of one identity (keytool opens JKS and
 * PKCS#12 stores with the password from store.password) and notes every inconsistency.
 */
export async function readIdentityOnDisk(layout: PkiLayout, record: IdentityRecord, options: { keystore: boolean }): Promise<IdentityOnDisk> {
  const names = identityFileNames(record.kind, record.storeType);
  const path = (file: string) => layout.identityFile(record.kind, record.name, file);
  const fix = fixes(record);
  const state: IdentityOnDisk = { problems: [], missing: [] };

  const certPem = await readText(path(names.cert));
  if (certPem === undefined) state.missing.push(names.cert);
  else state.cert = attempt(state, () => parseLeafCertificateText(certPem, names.cert, fix.reissue));

  const keyPem = await readText(path(names.key));
  if (keyPem === undefined) state.missing.push(names.key);
  else {
    const key = attempt(state, () => parsePrivateKeyText(keyPem, names.key, fix.renew));
    if (key && state.cert && !keyMatchesCertificate(key, state.cert)) problem(state, `${names.key} does not match ${names.cert}`, fix.renew);
  }

  if (options.keystore) await readKeystore(layout, record, state);
  return state;
}

async function readKeystore(layout: PkiLayout, record: IdentityRecord, state: IdentityOnDisk): Promise<void> {
  const names = identityFileNames(record.kind, record.storeType);
  const path = (file: string) => layout.identityFile(record.kind, record.name, file);
  const fix = fixes(record);
  if (!storeHasPasswords(record.storeType)) {
    const pem = await readText(path(names.keystore));
    if (pem === undefined) state.missing.push(names.keystore);
    else state.keystoreCert = attempt(state, () => parsePemKeystoreText(pem, names.keystore, fix.renew).chain[0]);
    return;
  }
  const passwordText = await readText(path(names.storePassword!));
  const keystore = await readBytes(path(names.keystore));
  if (passwordText === undefined) state.missing.push(names.storePassword!);
  if (keystore === undefined) state.missing.push(names.keystore);
  if (passwordText === undefined || keystore === undefined) return;
  const password = attempt(state, () => parsePasswordText(passwordText, names.storePassword!, fix.reissue));
  if (password === undefined) return;
  if (keystore.length === 0) return problem(state, `${names.keystore} is empty`, fix.renew);
  try {
    const pem = await exportCertificate(path(names.keystore), record.name, password);
    state.keystoreCert = attempt(state, () => parseCertificateText(pem, names.keystore, fix.renew));
  } catch (err) {
    const message = err instanceof SamctlError ? err.message : String(err);
    if (/password was incorrect|Integrity|tampered/i.test(message)) problem(state, `${names.keystore} does not open with ${names.storePassword}`, fix.renew);
    else if (/Alias <[^>]*> does not exist/i.test(message)) problem(state, `${names.keystore} has no entry named ${record.name}`, fix.renew);
    else problem(state, `${names.keystore} is damaged: keytool cannot read it (${keytoolReason(message)})`, fix.renew);
  }
}

/** The last Java exception's message in keytool's output ("Unrecognized keystore format"), or its class. */
function keytoolReason(message: string): string {
  const detail = message.replace(/^keytool \S+ failed:\s*/, '').replace(/^keytool error:\s*/, '');
  const parts = detail.split(/(?:^|:\s+)(?:[a-z]\w*\.)+(\w*(?:Exception|Error))(?::\s*|$)/).filter((part) => part.trim().length > 0);
  const reason = parts.at(-1)?.trim() ?? detail;
  // Java's own advice ("Please load it with a specified type") is not the user's fix.
  return (reason === 'EOFException' ? 'the file ends too early' : reason.split(/\.\s/)[0]).slice(0, 100);
}

/** The inventory's fingerprint against the files: what `status` calls drift. */
export function driftOf(record: IdentityRecord, disk: IdentityOnDisk): string | undefined {
  const names = identityFileNames(record.kind, record.storeType);
  if (disk.cert && fingerprintSha256(disk.cert) !== record.sha256) return `${names.cert} differs from the inventory (serial ${disk.cert.serialNumber})`;
  if (disk.keystoreCert && fingerprintSha256(disk.keystoreCert) !== record.sha256) return `${names.keystore} holds another certificate than the inventory`;
  return undefined;
}
