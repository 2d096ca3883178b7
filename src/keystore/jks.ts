import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKeytool } from './keytool.js';

const PASSWORD_VAR = 'SAMCTL_STORE_PASSWORD';
export const SCRATCH_PREFIX = '.scratch-';

/**
 * keytool only reads and writes files: give it a private scratch directory and clean up.
 * It lives in the PKI directory when one is given (`.scratch-*`): a run killed mid-way
 * leaves its key material there, where the next run removes it, not in a shared /tmp.
 */
async function withScratchDir<T>(parent: string | undefined, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(parent ?? tmpdir(), parent ? SCRATCH_PREFIX : 'samctl-keytool-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * keystore.jks from an in-memory PKCS#12 key entry: one JVM launch. Store and key share
 * one password (Kafka's ssl.keystore.password and ssl.key.password).
 */
export function buildJksKeystore(input: { pkcs12: Buffer; alias: string; password: string; scratchRoot?: string }): Promise<Buffer> {
  return withScratchDir(input.scratchRoot, async (dir) => {
    const source = join(dir, 'entry.p12');
    const target = join(dir, 'keystore.jks');
    await writeFile(source, input.pkcs12, { mode: 0o600 });
    await runKeytool(
      [
        '-importkeystore', '-noprompt',
        '-srckeystore', source, '-srcstoretype', 'PKCS12', '-srcstorepass:env', PASSWORD_VAR, '-srcalias', input.alias,
        '-destkeystore', target, '-deststoretype', 'JKS', '-deststorepass:env', PASSWORD_VAR,
        '-destkeypass:env', PASSWORD_VAR, '-destalias', input.alias,
      ],
      { [PASSWORD_VAR]: input.password },
    );
    return readFile(target);
  });
}

/** truststore.jks with every CA as a trustedCertEntry (alias ca, ca-2, …): one launch per CA. */
export function buildJksTruststore(input: { caPems: string[]; password: string; scratchRoot?: string }): Promise<Buffer> {
  return withScratchDir(input.scratchRoot, async (dir) => {
    const target = join(dir, 'truststore.jks');
    for (const [index, pem] of input.caPems.entries()) {
      const file = join(dir, `ca-${index}.crt`);
      await writeFile(file, pem);
      await runKeytool(
        [
          '-importcert', '-noprompt', '-trustcacerts',
          '-alias', index === 0 ? 'ca' : `ca-${index + 1}`, '-file', file,
          '-keystore', target, '-storetype', 'JKS', '-storepass:env', PASSWORD_VAR,
        ],
        { [PASSWORD_VAR]: input.password },
      );
    }
    return readFile(target);
  });
}

/** `keytool -list -v` of a store, for verify and tests. */
export function listKeystore(file: string, password: string): Promise<string> {
  return runKeytool(['-list', '-v', '-keystore', file, '-storepass:env', PASSWORD_VAR], { [PASSWORD_VAR]: password });
}

/** The certificate under `alias` in a JKS or PKCS#12 store, as PEM (keytool detects the type). */
export function exportCertificate(file: string, alias: string, password: string): Promise<string> {
  return runKeytool(['-exportcert', '-rfc', '-alias', alias, '-keystore', file, '-storepass:env', PASSWORD_VAR], { [PASSWORD_VAR]: password });
}
