import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

/**
 * Kafka's PEM stores (KIP-651) read the way DefaultSslEngineFactory.PemParser reads them: any text
 * around the blocks is ignored, a block needs whitespace after its header, and the name match
 * is loose (BEGIN ENCRYPTED PRIVATE KEY and BEGIN RSA PRIVATE KEY both match "PRIVATE KEY").
 */
export function pemBlocks(name: 'CERTIFICATE' | 'PRIVATE KEY', text: string): Buffer[] {
  const label = name.replace(/ /g, '\\s+');
  const boundary = (word: string) => `-+${word}\\s*.*${label}[^-]*-+\\s+`;
  const pattern = new RegExp(`${boundary('BEGIN')}(?:\\s*[^\\r\\n]*:[^\\r\\n]*[\\r\\n]+)*([a-zA-Z0-9/+=\\s]*)${boundary('END')}`, 'g');
  return [...`${text}\n`.matchAll(pattern)].map((match) => Buffer.from(match[1].replace(/\s/g, ''), 'base64'));
}

export type KeyFormat = 'pkcs8' | 'encrypted-pkcs8' | 'pkcs1' | 'sec1' | 'unreadable';

/** What the DER of a PRIVATE KEY block is: Kafka reads only PKCS#8, encrypted when ssl.key.password is set. */
export function keyFormat(der: Buffer): KeyFormat {
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
    const [first, second] = asn1.value as forge.asn1.Asn1[];
    if (first?.type === forge.asn1.Type.SEQUENCE) return 'encrypted-pkcs8';
    if (first?.type !== forge.asn1.Type.INTEGER) return 'unreadable';
    if (second?.type === forge.asn1.Type.SEQUENCE) return 'pkcs8';
    if (second?.type === forge.asn1.Type.INTEGER) return 'pkcs1';
    if (second?.type === forge.asn1.Type.OCTETSTRING) return 'sec1';
    return 'unreadable';
  } catch {
    return 'unreadable';
  }
}

const PBES2 = '1.2.840.113549.1.5.13';

/** The PBE scheme of an EncryptedPrivateKeyInfo (PBES2 for OpenSSL 3 and node-forge defaults). */
export function encryptionScheme(der: Buffer): string | undefined {
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
    const algorithm = (asn1.value as forge.asn1.Asn1[])[0].value as forge.asn1.Asn1[];
    return forge.asn1.derToOid(forge.util.createBuffer(algorithm[0].value as string));
  } catch {
    return undefined;
  }
}

export function isPbes2(der: Buffer): boolean {
  return encryptionScheme(der) === PBES2;
}

/** Certificates in PEM text, in order; undefined when a block is not a certificate. */
export function parseCertificates(text: string): X509Certificate[] | undefined {
  try {
    return pemBlocks('CERTIFICATE', text).map((der) => new X509Certificate(der));
  } catch {
    return undefined;
  }
}

export type KeyOpening = { key: KeyObject } | { problem: 'encrypted-without-password' | 'not-encrypted' | 'wrong-password' | 'not-pkcs8' | 'unreadable'; format: KeyFormat };

/**
 * Opens a PRIVATE KEY block as Kafka's PemStore does: without ssl.key.password it must be plain
 * PKCS#8; with one it must be an EncryptedPrivateKeyInfo that the password decrypts.
 */
export function openPemKey(der: Buffer, password: string | undefined): KeyOpening {
  const format = keyFormat(der);
  if (format === 'pkcs1' || format === 'sec1') return { problem: 'not-pkcs8', format };
  if (format === 'unreadable') return { problem: 'unreadable', format };
  if (password === undefined && format === 'encrypted-pkcs8') return { problem: 'encrypted-without-password', format };
  if (password !== undefined && format === 'pkcs8') return { problem: 'not-encrypted', format };
  try {
    return { key: createPrivateKey({ key: der, format: 'der', type: 'pkcs8', ...(password !== undefined ? { passphrase: password } : {}) }) };
  } catch {
    return { problem: password === undefined ? 'unreadable' : 'wrong-password', format };
  }
}

/** The private key belongs to the certificate: their public keys are the same. */
export function keyMatchesCertificate(key: KeyObject, cert: X509Certificate): boolean {
  const spki = (publicKey: KeyObject) => publicKey.export({ format: 'der', type: 'spki' });
  return spki(createPublicKey(key)).equals(spki(cert.publicKey));
}
