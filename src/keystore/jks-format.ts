import { createHash, randomBytes } from 'node:crypto';

/**
 * The JKS file format, written directly: no JVM. No well-kept npm package writes JKS
 * (jks-js and parse-jks only read it; node-keytool and @nikitajs/java drive keytool), so
 * this follows the layout in OpenJDK's sun.security.provider.JavaKeyStore (engineStore /
 * engineLoad) and the key protection of sun.security.provider.KeyProtector:
 *
 *   magic 0xFEEDFEED, version 2, entry count        (big-endian int32s)
 *   per entry: tag (1 key, 2 trusted cert), alias (DataOutput.writeUTF), date (int64 ms)
 *     key:     int32 length + EncryptedPrivateKeyInfo, int32 chain length,
 *              per cert: writeUTF("X.509"), int32 length + DER
 *     trusted: writeUTF("X.509"), int32 length + DER
 *   SHA-1(UTF-16BE(password) + "Mighty Aphrodite" + everything before it)
 *
 * KeyProtector: salt (20 random bytes); keystream = SHA-1(pw + salt), SHA-1(pw + previous)…;
 * protected = salt + (PKCS#8 XOR keystream) + SHA-1(pw + PKCS#8), inside an
 * EncryptedPrivateKeyInfo with algorithm 1.3.6.1.4.1.42.2.17.1.1. This is the only
 * protection JKS key entries have; it is what keytool itself writes for a JKS store.
 */

const MAGIC = 0xfeedfeed;
const VERSION = 2;
const TAG_PRIVATE_KEY = 1;
const TAG_TRUSTED_CERT = 2;
const CERT_TYPE = 'X.509';
const SALT_LENGTH = 20;
/** DER of OID 1.3.6.1.4.1.42.2.17.1.1 (Sun's KEY_PROTECTOR_OID). */
const KEY_PROTECTOR_OID_DER = Buffer.from('06 0a 2b 06 01 04 01 2a 02 11 01 01'.replace(/ /g, ''), 'hex');

export interface JksPrivateKeyEntry {
  kind: 'key';
  alias: string;
  /** Unencrypted PKCS#8 PrivateKeyInfo, DER. */
  pkcs8: Buffer;
  /** DER certificates, leaf first. */
  chain: Buffer[];
}

export interface JksTrustedCertEntry {
  kind: 'trusted';
  alias: string;
  cert: Buffer;
}

export type JksEntry = JksPrivateKeyEntry | JksTrustedCertEntry;

export interface JksOptions {
  /** Store password; key entries are protected with it too (Kafka's ssl.key.password). */
  password: string;
  /** The entries' creation date. */
  date: Date;
  /** Fixed KeyProtector salts, one per key entry, for byte-exact tests; random otherwise. */
  salts?: Buffer[];
}

/** Java's char[] password as bytes: UTF-16 code units, big-endian (as JavaKeyStore and KeyProtector use it). */
export function passwordBytes(password: string): Buffer {
  return Buffer.from(password, 'utf16le').swap16();
}

/**
 * DataOutputStream.writeUTF: a 16-bit length, then "modified UTF-8" of the UTF-16 code units
 * (U+0000 as two bytes, each surrogate on its own as three bytes).
 */
export function javaUtf(value: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x0001 && c <= 0x007f) bytes.push(c);
    else if (c <= 0x07ff) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  if (bytes.length > 0xffff) throw new RangeError(`JKS alias too long (${bytes.length} bytes, at most 65535)`);
  const out = Buffer.alloc(2 + bytes.length);
  out.writeUInt16BE(bytes.length, 0);
  out.set(bytes, 2);
  return out;
}

/**
 * KeyProtector.protect: the PKCS#8 key XORed with a SHA-1 keystream from the password and a
 * salt, followed by a SHA-1 check value, as an EncryptedPrivateKeyInfo (DER).
 */
export function protectPrivateKey(pkcs8: Buffer, password: string, salt: Buffer = randomBytes(SALT_LENGTH)): Buffer {
  if (salt.length !== SALT_LENGTH) throw new RangeError(`KeyProtector salt must be ${SALT_LENGTH} bytes`);
  const pw = passwordBytes(password);
  const keystream = Buffer.alloc(Math.ceil(pkcs8.length / 20) * 20);
  let digest: Buffer = salt;
  for (let offset = 0; offset < keystream.length; offset += 20) {
    digest = createHash('sha1').update(pw).update(digest).digest();
    digest.copy(keystream, offset);
  }
  const encrypted = Buffer.alloc(pkcs8.length);
  for (let i = 0; i < pkcs8.length; i++) encrypted[i] = pkcs8[i]! ^ keystream[i]!;
  const check = createHash('sha1').update(pw).update(pkcs8).digest();
  const protectedKey = Buffer.concat([salt, encrypted, check]);
  const algorithm = derSequence([KEY_PROTECTOR_OID_DER, Buffer.from([0x05, 0x00])]);
  return derSequence([algorithm, derTlv(0x04, protectedKey)]);
}

/** A complete JKS file holding `entries` in the given order. */
export function writeJks(entries: JksEntry[], options: JksOptions): Buffer {
  const parts: Buffer[] = [int32(MAGIC), int32(VERSION), int32(entries.length)];
  const date = int64(options.date.getTime());
  let keyIndex = 0;
  const aliases = new Set<string>();
  for (const entry of entries) {
    // JavaKeyStore.JKS lowercases aliases when it stores them and when it looks them up.
    const alias = entry.alias.toLowerCase();
    if (aliases.has(alias)) throw new RangeError(`duplicate JKS alias "${alias}"`);
    aliases.add(alias);
    if (entry.kind === 'key') {
      const salt = options.salts?.[keyIndex++];
      const encrypted = protectPrivateKey(entry.pkcs8, options.password, salt);
      parts.push(int32(TAG_PRIVATE_KEY), javaUtf(alias), date, int32(encrypted.length), encrypted, int32(entry.chain.length));
      for (const cert of entry.chain) parts.push(...certificate(cert));
    } else {
      parts.push(int32(TAG_TRUSTED_CERT), javaUtf(alias), date, ...certificate(entry.cert));
    }
  }
  const body = Buffer.concat(parts);
  const integrity = createHash('sha1').update(passwordBytes(options.password)).update('Mighty Aphrodite', 'utf8').update(body).digest();
  return Buffer.concat([body, integrity]);
}

function certificate(der: Buffer): Buffer[] {
  return [javaUtf(CERT_TYPE), int32(der.length), der];
}

function int32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0, 0);
  return out;
}

function int64(value: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigInt64BE(BigInt(value), 0);
  return out;
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function derTlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

function derSequence(items: Buffer[]): Buffer {
  return derTlv(0x30, Buffer.concat(items));
}
