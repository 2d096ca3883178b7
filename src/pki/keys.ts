import { createCipheriv, createDecipheriv, createHash, createPrivateKey, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { SamctlError, ExitCode } from '../errors.js';
import './native-pbkdf2.js';
import './native-rsa.js';
import { generateRsaKeyPair, type PrimeScheduler } from './rsa-keygen.js';

export type KeyPair = forge.pki.rsa.KeyPair;

/** PBKDF2-HMAC-SHA256 iterations for the CA key: OWASP's 2023 advice (native PBKDF2 makes it ~0.2 s). */
export const CA_KEY_PBKDF2_ITERATIONS = 600_000;

/** A new RSA key pair (FIPS 186-4 B.3.3 with OpenSSL's primes: ./rsa-keygen.ts says why not OpenSSL 3's keygen). */
export function generateKeyPair(bits: number, schedule?: PrimeScheduler): Promise<KeyPair> {
  return generateRsaKeyPair(bits, schedule);
}

/** Unencrypted PKCS#8 PEM: Kafka's PEM loader rejects PKCS#1 ("BEGIN RSA PRIVATE KEY"). */
export function privateKeyToPkcs8Pem(key: forge.pki.rsa.PrivateKey): string {
  return forge.pki.privateKeyInfoToPem(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(key)));
}

/** The parameters of one PBES2 encryption: the key derived from the passphrase, its salt, the AES IV. */
export interface KeySealing {
  salt: Buffer;
  iv: Buffer;
  derivedKey: Buffer;
}

const deriveKey = promisify(pbkdf2);

/**
 * Starts the CA key's protection before the key exists: PBES2's key derivation depends only
 * on the passphrase and a fresh salt, so its 600,000 PBKDF2 iterations run on libuv's threads
 * while the RSA key is made beside them, instead of after it. Seal the key with `sealPrivateKey`.
 */
export async function startKeySealing(passphrase: string): Promise<KeySealing> {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const derivedKey = await deriveKey(Buffer.from(passphrase, 'utf8'), salt, CA_KEY_PBKDF2_ITERATIONS, 32, 'sha256');
  return { salt, iv, derivedKey };
}

/**
 * Encrypted PKCS#8, as `openssl pkey` reads it: forge's PBES2 EncryptedPrivateKeyInfo
 * (PBKDF2-HMAC-SHA256, key length 32, AES-256-CBC), built from a derivation made beforehand;
 * the encryption is OpenSSL's AES. Byte for byte what forge's `encryptRsaPrivateKey` writes for
 * the same salt and IV (test/unit/key-sealing.test.ts).
 */
export function sealPrivateKey(key: forge.pki.rsa.PrivateKey, sealing: KeySealing): string {
  const { asn1 } = forge;
  const { Class, Type } = asn1;
  const oid = (name: string) => asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(forge.pki.oids[name]!).getBytes());
  const bytes = (buffer: Buffer) => buffer.toString('binary');
  const integer = (value: number) => asn1.create(Class.UNIVERSAL, Type.INTEGER, false, asn1.integerToDer(value).getBytes());
  const keyInfo = Buffer.from(asn1.toDer(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(key))).getBytes(), 'binary');
  const cipher = createCipheriv('aes-256-cbc', sealing.derivedKey, sealing.iv);
  const encrypted = Buffer.concat([cipher.update(keyInfo), cipher.final()]);
  const encryptedKeyInfo = asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, [
    asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, [
      oid('pkcs5PBES2'),
      asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, [
        asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, [
          oid('pkcs5PBKDF2'),
          asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, [
            asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, bytes(sealing.salt)),
            integer(CA_KEY_PBKDF2_ITERATIONS),
            integer(sealing.derivedKey.length),
            asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, [oid('hmacWithSHA256'), asn1.create(Class.UNIVERSAL, Type.NULL, false, '')]),
          ]),
        ]),
        asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, [oid('aes256-CBC'), asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, bytes(sealing.iv))]),
      ]),
    ]),
    asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, bytes(encrypted)),
  ]);
  return forge.pki.encryptedPrivateKeyToPem(encryptedKeyInfo);
}

/**
 * SHA-256 of the DER inside an encrypted key's PEM (line endings and wrapping do not count).
 * The inventory keeps it, so that a key that fails to decrypt can be told apart: the file
 * we wrote with a wrong passphrase, or a damaged file.
 */
export function encryptedKeyDigest(pem: string): string | undefined {
  const body = /-----BEGIN ENCRYPTED PRIVATE KEY-----([\s\S]*?)-----END ENCRYPTED PRIVATE KEY-----/.exec(pem)?.[1];
  if (body === undefined) return undefined;
  return createHash('sha256').update(Buffer.from(body.replace(/\s+/g, ''), 'base64')).digest('hex');
}

function damaged(file: string, why: string): SamctlError {
  return new SamctlError(`${file} is damaged and cannot be read (${why})`, { hint: 'restore ca/ca.key from a backup', exitCode: ExitCode.failed });
}

function notEncryptedPkcs8(file: string, pem: string): SamctlError {
  const legacy = /Proc-Type:\s*4,ENCRYPTED/.test(pem);
  const plain = pem.includes('BEGIN RSA PRIVATE KEY') || pem.includes('BEGIN PRIVATE KEY');
  const kind = legacy ? 'is in the legacy OpenSSL encrypted format, not encrypted PKCS#8' : plain ? 'is not encrypted' : 'is not a PEM private key';
  return new SamctlError(`${file} ${kind}`, {
    hint: legacy
      ? 'convert it: openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256 -in ca.key -out ca.key.p8, or restore ca/ca.key from a backup'
      : 'samctl keeps the CA key as passphrase-encrypted PKCS#8; restore ca/ca.key from a backup',
    exitCode: ExitCode.failed,
  });
}

/**
 * Reads an encrypted PKCS#8 key. A key as `sealPrivateKey` writes it (PBES2, PBKDF2-HMAC-SHA256,
 * AES-256-CBC) has its 600,000 PBKDF2 iterations run on libuv's threads, so this thread stays free
 * meanwhile (issuing hands it new work for the key generations); the AES is OpenSSL's. Any other
 * form is read by OpenSSL in one call. OpenSSL's error codes tell a wrong passphrase apart from a
 * damaged file. CBC has no integrity check, so a damaged last block also fails as "bad decrypt":
 * `expectedDigest` (recorded in the inventory when the key was written) settles which it is.
 */
export async function decryptPrivateKey(pem: string, passphrase: string, file: string, expectedDigest?: string): Promise<forge.pki.rsa.PrivateKey> {
  if (!pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) throw notEncryptedPkcs8(file, pem);
  const sealed = sealedParts(pem);
  if (!sealed) return rsaKeyFromPkcs8(decryptWithOpenssl(pem, passphrase, file, expectedDigest), file);
  const derivedKey = await deriveKey(Buffer.from(passphrase, 'utf8'), sealed.salt, sealed.iterations, 32, 'sha256');
  let der: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', derivedKey, sealed.iv);
    der = Buffer.concat([decipher.update(sealed.encrypted), decipher.final()]);
  } catch (err) {
    throw decryptError(err, pem, file, expectedDigest);
  }
  return rsaKeyFromPkcs8(der, file);
}

function decryptWithOpenssl(pem: string, passphrase: string, file: string, expectedDigest?: string): Buffer {
  try {
    return createPrivateKey({ key: pem, format: 'pem', passphrase }).export({ type: 'pkcs8', format: 'der' }) as Buffer;
  } catch (err) {
    throw decryptError(err, pem, file, expectedDigest);
  }
}

function decryptError(err: unknown, pem: string, file: string, expectedDigest?: string): SamctlError {
  const code = (err as { code?: string }).code ?? '';
  const message = (err as Error).message ?? '';
  if (code === 'ERR_OSSL_BAD_DECRYPT' || /bad decrypt/i.test(message)) {
    if (expectedDigest && encryptedKeyDigest(pem) !== expectedDigest) return damaged(file, 'its content differs from the key samctl wrote');
    return new SamctlError('wrong CA passphrase', {
      hint: 'check SAMCTL_CA_PASSWORD or the file given with --ca-password-file',
      exitCode: ExitCode.usage,
    });
  }
  return damaged(file, code || message);
}

function rsaKeyFromPkcs8(der: Buffer, file: string): forge.pki.rsa.PrivateKey {
  let key: forge.pki.rsa.PrivateKey;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
    key = forge.pki.privateKeyFromAsn1(asn1) as forge.pki.rsa.PrivateKey;
  } catch (err) {
    throw damaged(file, `not an RSA key: ${(err as Error).message}`);
  }
  // CBC garbles a damaged block without an error: a key whose parts disagree would sign
  // certificates nobody can verify, so it is refused here.
  if (!isConsistentRsaKey(key)) throw damaged(file, 'the decrypted key is inconsistent');
  return key;
}

/**
 * The parameters of a key in exactly the form `sealPrivateKey` writes (RFC 8018: PBES2 with
 * PBKDF2, a 32-byte key, hmacWithSHA256, aes256-CBC), or undefined for anything else.
 */
function sealedParts(pem: string): { salt: Buffer; iterations: number; iv: Buffer; encrypted: Buffer } | undefined {
  const { asn1, pki } = forge;
  type Node = forge.asn1.Asn1;
  const children = (node: Node | undefined, count: number): Node[] | undefined =>
    node && node.type === asn1.Type.SEQUENCE && Array.isArray(node.value) && node.value.length === count ? (node.value as Node[]) : undefined;
  const primitive = (node: Node | undefined, type: number): string | undefined => (node && node.type === type && typeof node.value === 'string' ? node.value : undefined);
  const isOid = (node: Node | undefined, name: string) => {
    const value = primitive(node, asn1.Type.OID);
    return value !== undefined && asn1.derToOid(value) === pki.oids[name];
  };
  try {
    const [algorithm, data] = children(pki.encryptedPrivateKeyFromPem(pem), 2) ?? [];
    const [pbes2, params] = children(algorithm, 2) ?? [];
    const [kdf, scheme] = children(params, 2) ?? [];
    const [pbkdf2Oid, kdfParams] = children(kdf, 2) ?? [];
    const [salt, count, keyLength, prf] = children(kdfParams, 4) ?? [];
    const [prfOid] = children(prf, 2) ?? [];
    const [cipherOid, iv] = children(scheme, 2) ?? [];
    const bytes = (node: Node | undefined) => {
      const value = primitive(node, asn1.Type.OCTETSTRING);
      return value === undefined ? undefined : Buffer.from(value, 'binary');
    };
    const integer = (node: Node | undefined) => {
      const value = primitive(node, asn1.Type.INTEGER);
      return value === undefined ? undefined : asn1.derToInteger(value);
    };
    const parts = { salt: bytes(salt), iterations: integer(count), iv: bytes(iv), encrypted: bytes(data) };
    if (!isOid(pbes2, 'pkcs5PBES2') || !isOid(pbkdf2Oid, 'pkcs5PBKDF2') || !isOid(prfOid, 'hmacWithSHA256') || !isOid(cipherOid, 'aes256-CBC')) return undefined;
    if (integer(keyLength) !== 32 || !parts.salt || !parts.iv || parts.iv.length !== 16 || !parts.encrypted || !(parts.iterations! >= 1)) return undefined;
    return parts as { salt: Buffer; iterations: number; iv: Buffer; encrypted: Buffer };
  } catch {
    return undefined;
  }
}

/**
 * p·q = n, the CRT parts derive from d, p and q, and d inverts e modulo p−1 and q−1: every
 * number a signature uses is checked, by arithmetic alone. (A test signature would not do:
 * OpenSSL, which signs for samctl, quietly redoes a CRT result that fails to verify without CRT.)
 */
function isConsistentRsaKey(key: forge.pki.rsa.PrivateKey): boolean {
  try {
    const one = forge.jsbn.BigInteger.ONE;
    const p1 = key.p.subtract(one);
    const q1 = key.q.subtract(one);
    return (
      key.p.multiply(key.q).equals(key.n) &&
      key.d.mod(p1).equals(key.dP) &&
      key.d.mod(q1).equals(key.dQ) &&
      key.qInv.multiply(key.q).mod(key.p).equals(one) &&
      key.e.multiply(key.dP).mod(p1).equals(one) &&
      key.e.multiply(key.dQ).mod(q1).equals(one)
    );
  } catch {
    return false;
  }
}

/** True when the private key belongs to the certificate's public key. */
export function keyMatchesCertificate(key: forge.pki.rsa.PrivateKey, cert: forge.pki.Certificate): boolean {
  const publicKey = cert.publicKey as forge.pki.rsa.PublicKey;
  return publicKey.n.equals(key.n) && publicKey.e.equals(key.e);
}

/** An existing unencrypted key (PKCS#1 or PKCS#8 PEM) as a key pair, for renewals that keep the key. */
export function keyPairFromPem(pem: string): KeyPair {
  const privateKey = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { privateKey, publicKey: forge.pki.setRsaPublicKey(privateKey.n, privateKey.e) };
}
