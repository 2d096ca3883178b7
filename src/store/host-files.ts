import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsyncDirectory, writeDurably } from './files.js';
import { PRIVATE_DIR, type FileSpec } from './layout.js';

export interface HostFileWritten {
  path: string;
  mode: number;
  /** False when the file was already there with the same bytes and mode (left alone). */
  changed: boolean;
}

/**
 * Installs an identity's files into a directory on its host that may hold other files too (a
 * broker and a client share /ssl): every file is written and fsynced in a hidden staging
 * directory beside the target (same file system), then renamed over its old copy one by one,
 * so a reader sees each file old or new, never partly written. Unchanged files are left alone.
 * The staging directory is removed whatever happens.
 */
export async function installHostFiles(dir: string, files: FileSpec[]): Promise<HostFileWritten[]> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
  const staging = join(dirname(dir), `.${basename(dir)}.staging-${Date.now()}-${randomBytes(3).toString('hex')}`);
  await mkdir(staging, { mode: PRIVATE_DIR });
  try {
    await chmod(staging, PRIVATE_DIR);
    const plan: Array<{ file: FileSpec; changed: boolean }> = [];
    for (const file of files) {
      const content = Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content);
      const target = join(dir, file.name);
      const old = await Promise.all([readFile(target), stat(target)]).catch(() => undefined);
      const changed = !old || !old[0].equals(content) || (old[1].mode & 0o777) !== file.mode;
      if (changed) await writeDurably(join(staging, file.name), content, file.mode);
      plan.push({ file, changed });
    }
    // Keys and stores before the configs that name them: a reader of a new config finds new files.
    const order = (name: string) => (/\.properties$/.test(name) ? 1 : 0);
    for (const { file } of [...plan].filter((entry) => entry.changed).sort((a, b) => order(a.file.name) - order(b.file.name))) {
      await rename(join(staging, file.name), join(dir, file.name));
    }
    await fsyncDirectory(dir);
    return plan.map(({ file, changed }) => ({ path: join(dir, file.name), mode: file.mode, changed }));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
