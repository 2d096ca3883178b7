import { join } from 'node:path';
import { usageError } from '../errors.js';
import { MANIFEST_NAME } from './contents.js';

/** What the printed `age -d -i` names: the host's own age identity file, from `age-keygen -o key.txt`. */
export const AGE_IDENTITY_FILE = 'key.txt';

/** Prefix of the staging directory the commands make inside the install dir. */
export const STAGING_PREFIX = '.samctl-unpack.';

export interface UnpackInput {
  /** The bundle's file name, as copied to the host (the commands run in its directory). */
  bundle: string;
  installDir: string;
  /** The identity's files, by their names in the install dir (the manifest excluded). */
  files: string[];
  encryption?: 'recipients' | 'passphrase';
  /** `user:` or `user:group` to chown the files to before they are moved in. */
  owner?: string;
  /** The host's age identity file (default key.txt in the working directory). */
  identityFile?: string;
}

/**
 * The shell lines that put a bundle's files into place on the host. One `&&` chain, so a
 * failed step stops everything after it and nothing half-checked lands in the install dir:
 *  1. a staging directory (mktemp: 0700) INSIDE the install dir: the same file system even
 *     when the install dir is a mount point of its own, so every move is a rename(2);
 *  2. decrypt into the staging dir (never a plaintext tar with keys in the working directory);
 *  3. unpack there with the bundle's modes (-p) and the unpacking user as owner (--no-same-owner);
 *  4. `sha256sum -c` against the manifest;
 *  5. optionally chown to the service user, while the files are still invisible to it;
 *  6. `mv -f` of each file: one rename each, so a broker that reloads its keystore sees the
 *     old file or the new one, never half of one; other files in the install dir (another
 *     identity's, e.g. the console client's next to the broker's in /ssl) stay untouched;
 *  7. the staging dir goes (the manifest and the decrypted tar with it).
 * Lines end in ` &&`: pasted as a block or run with `sh -c`, they are one command.
 */
export function unpackCommands(input: UnpackInput): string[] {
  const installDir = shellQuote(input.installDir);
  const bundle = shellQuote(input.bundle);
  const names = input.files.map(shellQuote).join(' ');
  const lines = [`mkdir -p ${installDir} &&`, `stage=$(mktemp -d ${shellQuote(join(input.installDir, `${STAGING_PREFIX}XXXXXX`))}) &&`];
  if (input.encryption) {
    const identity = input.encryption === 'recipients' ? ` -i ${shellQuote(input.identityFile ?? AGE_IDENTITY_FILE)}` : '';
    lines.push(`age -d${identity} -o "$stage/bundle.tar" ${bundle} &&`, `tar -x -p --no-same-owner -f "$stage/bundle.tar" -C "$stage" &&`);
  } else {
    lines.push(`tar -x -p --no-same-owner -f ${bundle} -C "$stage" &&`);
  }
  lines.push(`(cd "$stage" && sha256sum -c ${MANIFEST_NAME} &&`);
  if (input.owner) lines.push(`  chown ${input.owner} ${names} &&`);
  lines.push(`  mv -f ${names} ${installDir}/) &&`, `rm -rf "$stage"`);
  return lines;
}

/** A word for sh: as is when it holds only safe characters, else single-quoted. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** --owner: `kafka` (its login group), `kafka:kafka`, or numeric ids; chown's own syntax. */
export function parseOwner(raw: string): string {
  const value = raw.trim();
  const name = '[A-Za-z_][A-Za-z0-9_.-]{0,31}|[0-9]+';
  if (!new RegExp(`^(${name})(:(${name})?)?$`).test(value)) {
    throw usageError(`invalid --owner "${raw.slice(0, 40)}"`, 'give the service user, e.g. --owner kafka or --owner kafka:kafka');
  }
  return value.includes(':') ? value : `${value}:`;
}
