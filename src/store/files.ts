import { operationError } from '../errors.js';
import { chmod, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { PRIVATE_DIR, type FileSpec, type PkiLayout } from './layout.js';

/** One file, replaced atomically (temp file + fsync + rename) with an explicit mode. */
export async function writeFileAtomically(path: string, content: string | Buffer, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: PRIVATE_DIR });
  await writeFileAtomic(path, content, { mode, fsync: true });
  await chmod(path, mode); // write-file-atomic's mode is subject to the umask
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Name for a staging or backup sibling; starts with a dot so listings and globbing skip it. */
export function siblingPath(target: string, tag: string): string {
  return join(dirname(target), `.${basename(target)}.${tag}-${Date.now()}-${randomBytes(3).toString('hex')}`);
}

/**
 * Writes a whole directory so that readers see either the old one or the complete new
 * one: files go into a hidden staging sibling (0700, each file fsynced), which is then
 * renamed into place. An existing directory is first renamed to `backupTo`.
 * Returns where the previous directory went, if there was one.
 */
export async function writeDirectoryAtomically(target: string, files: FileSpec[], backupTo?: string): Promise<string | undefined> {
  await mkdir(dirname(target), { recursive: true, mode: PRIVATE_DIR });
  const staging = siblingPath(target, 'staging');
  await mkdir(staging, { mode: PRIVATE_DIR });
  try {
    await chmod(staging, PRIVATE_DIR);
    for (const file of files) await writeDurably(join(staging, file.name), file.content, file.mode);
    let previous: string | undefined;
    if (await exists(target)) {
      if (!backupTo) throw operationError(`${target} exists and no backup location was given`);
      await mkdir(dirname(backupTo), { recursive: true, mode: PRIVATE_DIR });
      await rename(target, backupTo);
      previous = backupTo;
    }
    await rename(staging, target);
    await fsyncDirectory(dirname(target));
    return previous;
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

/** A new file (never an existing one), its mode set despite the umask, on disk before this returns. */
export async function writeDurably(path: string, content: string | Buffer, mode: number): Promise<void> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes the renames and creations in a directory durable. */
export async function fsyncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const LEFTOVER = /^(\.scratch-.+|\..+\.staging-\d+-[0-9a-f]+)$/;

/**
 * Removes staging and keytool scratch directories that killed runs left behind. Called
 * with the PKI lock held, so none of them can belong to a live run.
 */
export async function removeLeftovers(layout: PkiLayout): Promise<void> {
  for (const dir of [layout.root, ...layout.identityParents]) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((entry) => LEFTOVER.test(entry))) await rm(join(dir, name), { recursive: true, force: true });
  }
}
