import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { usageError } from '../errors.js';

/**
 * SCRAM credentials (RFC 5802, RFC 7677) as Kafka stores them, computed from the password
 * locally so that only the salted form ever leaves samctl (KRaft's `--add-scram` and the
 * Admin API's AlterUserScramCredentials both take it).
 */

/** The SASL mechanisms samctl configures: SCRAM-SHA-512 (samctl makes the users) and GSSAPI (Kerberos keytabs). */
export type SaslMechanism = ScramMechanism | 'gssapi';
export type ScramMechanism = 'scram-sha-512';
export const SASL_MECHANISMS: readonly SaslMechanism[] = ['scram-sha-512', 'gssapi'];

export function isScramMechanism(mechanism: SaslMechanism): mechanism is ScramMechanism {
  return mechanism === 'scram-sha-512';
}

/** Kafka's name for the mechanism (sasl.mechanism, sasl.enabled.mechanisms, --add-scram). */
export function kafkaMechanismName(mechanism: SaslMechanism): 'SCRAM-SHA-512' | 'GSSAPI' {
  return mechanism.toUpperCase() as 'SCRAM-SHA-512' | 'GSSAPI';
}

/** Kafka's ScramMechanism type codes (AlterUserScramCredentials' `mechanism`): 1 SHA-256, 2 SHA-512. */
export const SCRAM_MECHANISM_TYPE: Record<ScramMechanism, number> = { 'scram-sha-512': 2 };

/** --sasl: one mechanism, named as Kafka names it (any case). */
export function parseSaslMechanism(raw: string): SaslMechanism {
  const value = raw.trim().toLowerCase();
  if (!(SASL_MECHANISMS as readonly string[]).includes(value)) {
    throw usageError(`unknown --sasl mechanism "${raw.slice(0, 40).replace(/[^\x20-\x7e]/g, '?')}"`, `samctl supports: ${SASL_MECHANISMS.join(', ')}`);
  }
  return value as SaslMechanism;
}

/** A broker's --sasl: one mechanism or several, comma-separated (gssapi,scram-sha-512), each once. */
export function parseSaslMechanisms(raw: string): SaslMechanism[] {
  const mechanisms = raw.split(',').map(parseSaslMechanism);
  const twice = mechanisms.find((mechanism, index) => mechanisms.indexOf(mechanism) !== index);
  if (twice) throw usageError(`--sasl names ${twice} twice`, 'name each mechanism once, e.g. --sasl gssapi,scram-sha-512');
  return mechanisms;
}

/** Kafka's default (ScramParser, kafka-configs.sh) and RFC 7677's minimum for SHA-256: 4096. */
export const SCRAM_ITERATIONS = 4096;

export interface ScramCredential {
  salt: Buffer;
  iterations: number;
  saltedPassword: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

/**
 * Hi(password, salt, i) of RFC 5802 §2.2 is PBKDF2 with HMAC-H and dkLen = H's output
 * length; Kafka's ScramFormatter computes it as such over the password's UTF-8 bytes, then
 * ClientKey = HMAC(SaltedPassword, "Client Key"), StoredKey = H(ClientKey),
 * ServerKey = HMAC(SaltedPassword, "Server Key").
 */
export function scramCredential(password: string, salt: Buffer, iterations: number = SCRAM_ITERATIONS): ScramCredential {
  const saltedPassword = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 64, 'sha512');
  const clientKey = createHmac('sha512', saltedPassword).update('Client Key').digest();
  return {
    salt,
    iterations,
    saltedPassword,
    storedKey: createHash('sha512').update(clientKey).digest(),
    serverKey: createHmac('sha512', saltedPassword).update('Server Key').digest(),
  };
}

/** A fresh credential with a 32-byte random salt. */
export function newScramCredential(password: string): ScramCredential {
  return scramCredential(password, randomBytes(32));
}

/**
 * The value of kafka-storage.sh format's `--add-scram` (KIP-900) in its salted form, which
 * holds no password: ScramParser decodes salt and saltedpassword as standard base64, and
 * strips the double quotes around a value.
 */
export function addScramArgument(user: string, mechanism: ScramMechanism, credential: ScramCredential): string {
  if (/[,\]"=\s]/.test(user)) throw usageError(`SCRAM user "${user}" cannot appear in --add-scram (it holds , ] " = or a space)`);
  return `${kafkaMechanismName(mechanism)}=[name=${user},salt="${credential.salt.toString('base64')}",saltedpassword="${credential.saltedPassword.toString('base64')}",iterations=${credential.iterations}]`;
}

/** --sasl-port: the broker's SASL_SSL listener port, beside the mTLS listener's 9092. */
export function parseSaslPort(raw: string): number {
  const port = /^\d{1,5}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!(port >= 1 && port <= 65535)) throw usageError(`invalid --sasl-port "${raw.slice(0, 20).replace(/[^\x20-\x7e]/g, '?')}": use a port number 1-65535`, 'for example --sasl-port 9093');
  if (port === 9092) throw usageError('--sasl-port 9092 is the mTLS listener\'s port', 'give the SASL_SSL listener its own port, e.g. --sasl-port 9093');
  return port;
}
