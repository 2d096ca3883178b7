import { readFile } from 'node:fs/promises';
import { usageError } from '../errors.js';

/** A file named by an option (--passphrase-file, --recipients-file): bad input when unreadable, exit 2. */
export async function readOptionFile(path: string, option: string, hint: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (code ?? (err as Error).message);
    throw usageError(`cannot read ${option} ${path}: ${why}`, hint);
  }
}
