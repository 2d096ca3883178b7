import forge from 'node-forge';
import { readFile } from 'node:fs/promises';
import { ExitCode, SamctlError } from '../errors.js';

/**
 * One reader per kind of file a user can damage (CA certificate, leaf certificate, private
 * key; the inventory has its own in inventory.ts). Each fails with the file's path, what is
 * wrong with it and what to do: exit 1, never "unexpected error".
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

/** What is wrong with a PEM text that should hold a block of `type`, or undefined when it parses. */
function pemProblem(text: string, type: string): string | undefined {
  if (text.trim().length === 0) return 'is empty';
  const begin = `-----BEGIN ${type}-----`;
  if (!text.includes(begin)) {
    const other = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
    return other ? `holds a ${other}, not a ${type}` : `is not a PEM ${type.toLowerCase()} (no "${begin}" line)`;
  }
  if (!text.includes(`-----END ${type}-----`)) return 'is truncated (no END line)';
  return undefined;
}

/** The first certificate of a PEM file (a chain file or a PEM keystore holds more). */
export function parseCertificateText(text: string, path: string, fix: string): forge.pki.Certificate {
  const problem = pemProblem(text, 'CERTIFICATE');
  if (problem) throw damagedFile(path, problem, fix);
  try {
    const block = forge.pem.decode(text).find((message) => message.type === 'CERTIFICATE');
    if (!block) throw new Error('no CERTIFICATE block');
    return forge.pki.certificateFromAsn1(forge.asn1.fromDer(block.body));
  } catch (err) {
    throw damagedFile(path, `is damaged: not a readable certificate (${firstLine(err)})`, fix);
  }
}

/** Every certificate of a PEM file, in order. */
export function parseCertificateChainText(text: string, path: string, fix: string): forge.pki.Certificate[] {
  parseCertificateText(text, path, fix);
  try {
    return forge.pem
      .decode(text)
      .filter((message) => message.type === 'CERTIFICATE')
      .map((block) => forge.pki.certificateFromAsn1(forge.asn1.fromDer(block.body)));
  } catch (err) {
    throw damagedFile(path, `is damaged: a certificate in it cannot be read (${firstLine(err)})`, fix);
  }
}

/** A CA certificate: readable, and CA:TRUE (samctl signs and trusts only CA certificates). */
export function parseCaCertificateText(text: string, path: string, fix: string): forge.pki.Certificate {
  const cert = parseCertificateText(text, path, fix);
  const constraints = cert.getExtension('basicConstraints') as { cA?: boolean } | null;
  if (!constraints?.cA) throw damagedFile(path, 'is not a CA certificate (basicConstraints CA:TRUE missing)', fix);
  return cert;
}

export async function readCaCertificate(path: string, fix: string): Promise<{ cert: forge.pki.Certificate; pem: string }> {
  const pem = await readTextFile(path, fix);
  return { cert: parseCaCertificateText(pem, path, fix), pem };
}

export async function readLeafCertificate(path: string, fix: string): Promise<{ cert: forge.pki.Certificate; pem: string }> {
  const pem = await readTextFile(path, fix);
  return { cert: parseCertificateText(pem, path, fix), pem };
}

/** An unencrypted PKCS#8 or PKCS#1 RSA key, as samctl writes identity keys. */
export function parsePrivateKeyText(text: string, path: string, fix: string): forge.pki.rsa.PrivateKey {
  const pkcs8 = pemProblem(text, 'PRIVATE KEY');
  if (pkcs8 && pemProblem(text, 'RSA PRIVATE KEY')) throw damagedFile(path, pkcs8.replace('PRIVATE KEY', 'private key'), fix);
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

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0].slice(0, 120);
}
