import forge from 'node-forge';
import { readFile } from 'node:fs/promises';
import { ExitCode, SamctlError } from '../errors.js';

/**
 * One reader per kind of file a user can damage (CA certificate, CA key, leaf certificate,
 * private key, PEM keystore, password file; the inventory has its own in inventory.ts, JKS
 * and PKCS#12 keystores are read through keytool in lifecycle/on-disk.ts). Each fails with
 * the file's path, what is wrong with it and what to do: exit 1, never "unexpected error".
 */

export function damagedFile(path: string, what: string, fix: string): SamctlError {
  return new SamctlError(`${path} ${what}`, { hint: fix, exitCode: ExitCode.failed });
}

/** A file's text; a missing file is reported with `fix`. */
export async function readTextFile(path: string, fix: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw damagedFile(path, 'is missing', fix);
    if (code === 'EISDIR') throw damagedFile(path, 'is a directory, not a file', fix);
    throw damagedFile(path, `cannot be read (${code ?? (err as Error).message})`, fix);
  }
}

/** Binary data read as UTF-8: NUL bytes, replacement characters or control characters other than line breaks and tabs. */
export function looksBinary(text: string): boolean {
  return /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]/.test(text);
}

/** The type of the first PEM block in a text ("CERTIFICATE", "ENCRYPTED PRIVATE KEY"), if any. */
export function pemBlockType(text: string): string | undefined {
  return /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
}

const article = (word: string) => (/^[AEIOU]/i.test(word) ? `an ${word}` : `a ${word}`);

/**
 * What is wrong with a PEM text that should hold a block of one of `types` (the first is the
 * one named in messages), or undefined when it has a complete one. `what` names the content
 * in prose: "certificate", "private key".
 */
function pemProblem(text: string, types: string[], what: string): string | undefined {
  if (text.trim().length === 0) return 'is empty';
  const type = types.find((candidate) => text.includes(`-----BEGIN ${candidate}-----`));
  if (!type) {
    const other = pemBlockType(text);
    if (other) return `holds ${article(other)}, not ${article(types[0])}`;
    return looksBinary(text) ? `is not a PEM ${what} (binary data)` : `is not a PEM ${what} (no "-----BEGIN ${types[0]}-----" line)`;
  }
  // A file cut short loses the END line of its last block (a chain file has several).
  if (!text.includes(`-----END ${type}-----`) || count(text, /-----END [A-Z0-9 ]+-----/g) < count(text, /-----BEGIN [A-Z0-9 ]+-----/g)) return 'is truncated (no END line)';
  return undefined;
}

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}

function decodeBlocks(text: string, type: string): forge.pem.ObjectPEM[] {
  return forge.pem.decode(text).filter((message) => message.type === type);
}

/** The first certificate of a PEM file (a chain file or a PEM keystore holds more). */
export function parseCertificateText(text: string, path: string, fix: string): forge.pki.Certificate {
  return parseCertificateChainText(text, path, fix)[0];
}

/** Every certificate of a PEM file, in order. */
export function parseCertificateChainText(text: string, path: string, fix: string): forge.pki.Certificate[] {
  const problem = pemProblem(text, ['CERTIFICATE'], 'certificate');
  if (problem) throw damagedFile(path, problem, fix);
  try {
    const chain = decodeBlocks(text, 'CERTIFICATE').map((block) => forge.pki.certificateFromAsn1(forge.asn1.fromDer(block.body)));
    if (chain.length === 0) throw new Error('no CERTIFICATE block');
    return chain;
  } catch (err) {
    throw damagedFile(path, `is damaged: not a readable certificate (${firstLine(err)})`, fix);
  }
}

/** A CA certificate: readable, and CA:TRUE (samctl signs and trusts only CA certificates). */
export function parseCaCertificateText(text: string, path: string, fix: string): forge.pki.Certificate {
  const cert = parseCertificateText(text, path, fix);
  if (!isCaCertificate(cert)) throw damagedFile(path, 'is not a CA certificate (basicConstraints CA:TRUE missing)', fix);
  return cert;
}

export async function readCaCertificate(path: string, fix: string): Promise<{ cert: forge.pki.Certificate; pem: string }> {
  const pem = await readTextFile(path, fix);
  return { cert: parseCaCertificateText(pem, path, fix), pem };
}

/** An identity's own certificate (the first of broker.crt's chain): readable, and not a CA certificate. */
export function parseLeafCertificateText(text: string, path: string, fix: string): forge.pki.Certificate {
  const cert = parseCertificateText(text, path, fix);
  if (isCaCertificate(cert)) throw damagedFile(path, "holds a CA certificate, not the identity's own", fix);
  return cert;
}

export async function readLeafCertificate(path: string, fix: string): Promise<{ cert: forge.pki.Certificate; pem: string }> {
  const pem = await readTextFile(path, fix);
  return { cert: parseLeafCertificateText(pem, path, fix), pem };
}

function isCaCertificate(cert: forge.pki.Certificate): boolean {
  return (cert.getExtension('basicConstraints') as { cA?: boolean } | null)?.cA === true;
}

const PLAIN_KEY_TYPES = ['PRIVATE KEY', 'RSA PRIVATE KEY'];

/** An unencrypted PKCS#8 or PKCS#1 RSA key, as samctl writes identity keys. */
export function parsePrivateKeyText(text: string, path: string, fix: string): forge.pki.rsa.PrivateKey {
  const problem = pemProblem(text, PLAIN_KEY_TYPES, 'private key');
  if (problem) throw damagedFile(path, problem, fix);
  try {
    return forge.pki.privateKeyFromPem(text) as forge.pki.rsa.PrivateKey;
  } catch (err) {
    throw damagedFile(path, `is damaged: not a readable RSA private key (${firstLine(err)})`, fix);
  }
}

export async function readPrivateKey(path: string, fix: string): Promise<{ key: forge.pki.rsa.PrivateKey; pem: string }> {
  const pem = await readTextFile(path, fix);
  return { key: parsePrivateKeyText(pem, path, fix), pem };
}

/**
 * The CA key as samctl keeps it, encrypted PKCS#8, checked for damage without the passphrase:
 * a complete PEM block whose content is DER. An unencrypted or legacy-encrypted key passes
 * here; unlocking it (pki/keys.ts) says what to convert.
 */
export function checkEncryptedPrivateKeyText(text: string, path: string, fix: string): void {
  const plain = PLAIN_KEY_TYPES.some((type) => text.includes(`-----BEGIN ${type}-----`));
  const problem = pemProblem(text, plain ? PLAIN_KEY_TYPES : ['ENCRYPTED PRIVATE KEY'], 'private key');
  if (problem) throw damagedFile(path, problem, fix);
  if (plain) return;
  try {
    const [block] = decodeBlocks(text, 'ENCRYPTED PRIVATE KEY');
    forge.asn1.fromDer(block.body);
  } catch (err) {
    throw damagedFile(path, `is damaged: not a readable encrypted key (${firstLine(err)})`, fix);
  }
}

/**
 * A PEM keystore as Kafka reads it (KIP-651): the PKCS#8 key, then the chain, leaf first.
 * The key must belong to the leaf.
 */
export function parsePemKeystoreText(text: string, path: string, fix: string): { key: forge.pki.rsa.PrivateKey; chain: forge.pki.Certificate[] } {
  const layout = 'a PEM keystore holds the key, then the certificate chain';
  if (text.trim().length === 0) throw damagedFile(path, 'is empty', fix);
  if (!pemBlockType(text)) throw damagedFile(path, `is not a PEM keystore (${looksBinary(text) ? 'binary data' : 'no "-----BEGIN" line'})`, fix);
  if (!PLAIN_KEY_TYPES.some((type) => text.includes(`-----BEGIN ${type}-----`))) throw damagedFile(path, `has no private key (${layout})`, fix);
  const key = parsePrivateKeyText(text, path, fix);
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw damagedFile(path, `has no certificate (${layout})`, fix);
  const chain = parseCertificateChainText(text, path, fix);
  const leafKey = chain[0].publicKey as forge.pki.rsa.PublicKey;
  if (!leafKey.n.equals(key.n) || !leafKey.e.equals(key.e)) throw damagedFile(path, 'is damaged: its key does not belong to its certificate', fix);
  return { key, chain };
}

/** Store passwords samctl generates (secrets.ts): 24 random bytes, base64url. */
const GENERATED_PASSWORD = /^[A-Za-z0-9_-]{32}$/;

/**
 * The password on the first line of a store.password or truststore.password file, as keytool's
 * `:file` and Kafka read it. Refuses what cannot be a password (empty, binary, a PEM block);
 * with `generated`, also anything but a password samctl wrote, for callers that would write
 * it into new stores and configs (a truncated password would be carried on silently).
 */
export function parsePasswordText(text: string, path: string, fix: string, options: { generated?: boolean } = {}): string {
  const password = text.split(/\r?\n/)[0].trim();
  if (text.trim().length === 0) throw damagedFile(path, 'is empty', fix);
  if (looksBinary(text)) throw damagedFile(path, 'is not text (binary data)', fix);
  const block = pemBlockType(text);
  if (block) throw damagedFile(path, `holds ${article(block)}, not a password`, fix);
  if (password.length === 0) throw damagedFile(path, 'has no password on its first line', fix);
  if (options.generated && !GENERATED_PASSWORD.test(password)) {
    const others = /^[\w-]*$/.test(password) ? '' : ', some outside A-Z a-z 0-9 - _';
    throw damagedFile(path, `is damaged: its first line has ${password.length} characters${others} where samctl writes 32`, fix);
  }
  return password;
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0].slice(0, 120);
}
