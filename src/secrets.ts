import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { usageError } from './errors.js';

export const CA_PASSWORD_ENV = 'SAMCTL_CA_PASSWORD';
const MIN_NEW_PASSPHRASE = 8;

export interface PassphraseSources {
  passwordFile?: string;
  env?: NodeJS.ProcessEnv;
  /** Asks on a terminal; absent when stdin is not a TTY. */
  prompt?: (confirm: boolean) => Promise<string>;
}

/** 24 random bytes, base64url: 32 characters keytool and .properties files take as they are. */
export function generateStorePassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The CA passphrase, from (in order) --ca-password-file, $SAMCTL_CA_PASSWORD or a TTY prompt.
 * Never from a flag value: argv is readable by every local user.
 */
export async function readCaPassphrase(sources: PassphraseSources, purpose: 'new' | 'existing'): Promise<string> {
  const env = sources.env ?? process.env;
  let passphrase: string;
  if (sources.passwordFile) {
    passphrase = await readPassphraseFile(sources.passwordFile);
  } else if (env[CA_PASSWORD_ENV] !== undefined && env[CA_PASSWORD_ENV] !== '') {
    passphrase = env[CA_PASSWORD_ENV]!;
  } else if (sources.prompt) {
    passphrase = await sources.prompt(purpose === 'new');
  } else {
    throw usageError(
      'no CA passphrase: not on a terminal, and neither --ca-password-file nor SAMCTL_CA_PASSWORD is set',
      `set ${CA_PASSWORD_ENV} or pass --ca-password-file <file>`,
    );
  }
  if (purpose === 'new' && passphrase.length < MIN_NEW_PASSPHRASE) {
    throw usageError(`the CA passphrase is too short: use at least ${MIN_NEW_PASSPHRASE} characters`);
  }
  return passphrase;
}

/** First line of the file, as openssl's `-passin file:` and keytool's `:file` read it. */
async function readPassphraseFile(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw usageError(`cannot read --ca-password-file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const text = bytes.toString('utf8');
  if (bytes.includes(0) || text.includes('\uFFFD')) {
    throw usageError(`--ca-password-file ${path} is not text (binary or not UTF-8)`, 'write the passphrase as one line of text');
  }
  const firstLine = text.split(/\r?\n/)[0];
  if (firstLine.length === 0) throw usageError(`--ca-password-file ${path} is empty`, 'write the passphrase on its first line');
  return firstLine;
}
