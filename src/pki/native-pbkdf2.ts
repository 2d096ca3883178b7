import { pbkdf2Sync } from 'node:crypto';
import forge from 'node-forge';

/**
 * forge derives PBES2 keys with its pure-JavaScript PBKDF2 whenever the PRF is given as a
 * forge digest (always, for SHA-256), ~12 µs an iteration. This routes those calls to
 * Node's OpenSSL PBKDF2, the same function at native speed (≈ 60× faster), so that the CA
 * key can have OWASP's 600k iterations and a PKCS#12 costs milliseconds. Anything else
 * (callbacks, unknown digests) goes to forge's own implementation.
 */
type Pbkdf2 = (password: string, salt: string, iterations: number, keyLength: number, md?: unknown, callback?: unknown) => string;

const NATIVE_DIGESTS: Record<string, string> = { sha1: 'sha1', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' };
const pkcs5 = forge.pkcs5 as unknown as { pbkdf2: Pbkdf2 & { native?: true } };

export function installNativePbkdf2(): void {
  if (pkcs5.pbkdf2.native) return;
  const forgePbkdf2 = pkcs5.pbkdf2;
  const routed: Pbkdf2 & { native?: true } = (password, salt, iterations, keyLength, md, callback) => {
    const algorithm = (md as { algorithm?: string } | undefined)?.algorithm;
    const digest = algorithm ? NATIVE_DIGESTS[algorithm] : undefined;
    if (!digest || callback !== undefined) return forgePbkdf2(password, salt, iterations, keyLength, md, callback);
    return pbkdf2Sync(Buffer.from(password, 'utf8'), Buffer.from(salt, 'binary'), iterations, keyLength, digest).toString('binary');
  };
  routed.native = true;
  pkcs5.pbkdf2 = routed;
}

installNativePbkdf2();
