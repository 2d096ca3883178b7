import { readFile } from 'node:fs/promises';
import { SamctlError, ExitCode } from '../errors.js';
import { writeDirectoryAtomically } from './files.js';
import type { FileSpec, PkiLayout } from './layout.js';

export interface CaFiles {
  certPem: string;
  keyPem: string;
  truststorePassword: string;
}

/** Reads ca/: fails with exit 2 and the command to run when there is no CA yet. */
export async function readCaFiles(layout: PkiLayout): Promise<CaFiles> {
  const read = async (path: string) => {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new SamctlError(`no CA in ${layout.root} (${path} is missing)`, {
          hint: 'run `samctl ca init` first, or point --dir / SAMCTL_DIR at your PKI directory',
          exitCode: ExitCode.usage,
        });
      }
      throw new SamctlError(`cannot read ${path}: ${(err as Error).message}`, { exitCode: ExitCode.failed });
    }
  };
  const [certPem, keyPem, truststorePassword] = await Promise.all([read(layout.caCert), read(layout.caKey), read(layout.truststorePassword)]);
  return { certPem, keyPem, truststorePassword: truststorePassword.trim() };
}

/** Writes ca/ as a whole; an existing ca/ is moved to `backupTo` first. */
export function saveCaFiles(layout: PkiLayout, files: FileSpec[], backupTo?: string): Promise<string | undefined> {
  return writeDirectoryAtomically(layout.caDir, files, backupTo);
}
