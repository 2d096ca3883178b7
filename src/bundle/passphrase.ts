import { readOptionFile } from './input-file.js';
import { usageError } from '../errors.js';

export const BUNDLE_PASSPHRASE_ENV = 'SAMCTL_BUNDLE_PASSPHRASE';
const MIN_PASSPHRASE = 8;

export interface BundlePassphraseSources {
  passphraseFile?: string;
  env?: NodeJS.ProcessEnv;
  /** Asks on a terminal (twice); absent when no person is there. */
  prompt?: () => Promise<string>;
}

/**
 * The bundle passphrase from --passphrase-file, $SAMCTL_BUNDLE_PASSPHRASE or a terminal
 * prompt, in that order; never from a flag value (argv is readable by every local user).
 */
export async function readBundlePassphrase(sources: BundlePassphraseSources): Promise<string> {
  const env = sources.env ?? process.env;
  let passphrase: string;
  let from: string;
  if (sources.passphraseFile !== undefined) {
    passphrase = await readPassphraseFile(sources.passphraseFile);
    from = `--passphrase-file ${sources.passphraseFile}`;
  } else if (env[BUNDLE_PASSPHRASE_ENV]) {
    passphrase = env[BUNDLE_PASSPHRASE_ENV]!;
    from = BUNDLE_PASSPHRASE_ENV;
  } else if (sources.prompt) {
    passphrase = await sources.prompt();
    from = 'the passphrase typed';
  } else {
    throw usageError(
      'no recipient and no passphrase to encrypt with: not on a terminal, and neither --recipient, --recipients-file, --passphrase-file nor SAMCTL_BUNDLE_PASSPHRASE is given',
      'for unattended hosts use --recipient age1… (the host decrypts with its key, no terminal needed)',
    );
  }
  if (passphrase.length < MIN_PASSPHRASE) throw usageError(`${from} is too short: use at least ${MIN_PASSPHRASE} characters`);
  return passphrase;
}

/** The first line of the file, read as --ca-password-file is. */
async function readPassphraseFile(path: string): Promise<string> {
  const bytes = await readOptionFile(path, '--passphrase-file', 'write the passphrase on the first line of a 0600 file');
  const text = bytes.toString('utf8');
  if (bytes.includes(0) || text.includes('\uFFFD')) throw usageError(`--passphrase-file ${path} is not text (binary or not UTF-8)`, 'write the passphrase as one line of text');
  return text.split(/\r?\n/)[0];
}
