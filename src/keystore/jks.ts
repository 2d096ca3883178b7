import { X509Certificate } from 'node:crypto';
import { runKeytool } from './keytool.js';
import { writeJks } from './jks-format.js';

const PASSWORD_VAR = 'SAMCTL_STORE_PASSWORD';

/**
 * keystore.jks with one key entry and its chain (leaf first), written in-process (jks-format.ts):
 * a keytool launch cost ~0.4 s per store, this ~1 ms. Store and key share one password
 * (Kafka's ssl.keystore.password and ssl.key.password).
 */
export function buildJksKeystore(input: { pkcs8: Buffer; chain: Buffer[]; alias: string; password: string; now?: Date }): Buffer {
  return writeJks([{ kind: 'key', alias: input.alias, pkcs8: input.pkcs8, chain: input.chain }], { password: input.password, date: input.now ?? new Date() });
}

/** truststore.jks with every CA as a trustedCertEntry (alias ca, ca-2, …), as keytool -importcert names them. */
export function buildJksTruststore(input: { caPems: string[]; password: string; now?: Date }): Buffer {
  const entries = input.caPems.map((pem, index) => ({ kind: 'trusted' as const, alias: index === 0 ? 'ca' : `ca-${index + 1}`, cert: new X509Certificate(pem).raw }));
  return writeJks(entries, { password: input.password, date: input.now ?? new Date() });
}

/** `keytool -list -v` of a store, for verify and tests. */
export function listKeystore(file: string, password: string): Promise<string> {
  return runKeytool(['-list', '-v', '-keystore', file, '-storepass:env', PASSWORD_VAR], { [PASSWORD_VAR]: password });
}

/** The certificate under `alias` in a JKS or PKCS#12 store, as PEM (keytool detects the type). */
export function exportCertificate(file: string, alias: string, password: string): Promise<string> {
  return runKeytool(['-exportcert', '-rfc', '-alias', alias, '-keystore', file, '-storepass:env', PASSWORD_VAR], { [PASSWORD_VAR]: password });
}
