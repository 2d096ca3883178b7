import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SamctlError, ExitCode } from '../errors.js';
import { writeDirectoryAtomically } from './files.js';
import { parseInventory } from './inventory.js';
import type { FileSpec, PkiLayout } from './layout.js';

export interface CaFiles {
  certPem: string;
  keyPem: string;
  truststorePassword: string;
  /** What the inventory recorded of the active CA's key file, when it did. */
  keyDigest?: string;
}

/** Reads ca/: fails with exit 2 and the command to run when there is no CA yet. */
export async function readCaFiles(layout: PkiLayout): Promise<CaFiles> {
  const read = async (path: string) => {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        throw new SamctlError(`no CA in ${layout.root} (${path} is missing)`, {
          hint: 'run `samctl ca init` first, or point --dir / SAMCTL_DIR at your PKI directory',
          exitCode: ExitCode.usage,
        });
      }
      throw new SamctlError(`cannot read ${path}: ${(err as Error).message}`, { exitCode: ExitCode.failed });
    }
  };
  const [certPem, keyPem, truststorePassword] = await Promise.all([read(layout.caCert), read(layout.caKey), read(layout.truststorePassword)]);
  return { certPem, keyPem, truststorePassword: truststorePassword.trim(), keyDigest: await recordedKeyDigest(layout) };
}

/** The active CA's key digest from the inventory; a missing or damaged inventory is reported later, by whoever needs it. */
async function recordedKeyDigest(layout: PkiLayout): Promise<string | undefined> {
  try {
    const inventory = parseInventory(await readFile(layout.inventory, 'utf8'), layout.inventory);
    return inventory.cas.find((record) => record.status === 'active')?.keyDigest;
  } catch {
    return undefined;
  }
}

/** Writes ca/ as a whole; an existing ca/ is moved to `backupTo` first. */
export function saveCaFiles(layout: PkiLayout, files: FileSpec[], backupTo?: string): Promise<string | undefined> {
  return writeDirectoryAtomically(layout.caDir, files, backupTo);
}

/** Every CA certificate identities may chain to: the current one and, during a rotation, the previous ones. */
export async function trustedCaPems(layout: PkiLayout): Promise<string[]> {
  const names = await readdir(layout.caDir).catch(() => [] as string[]);
  const older = names.filter((name) => /^ca-\d+\.crt$/.test(name)).sort();
  const pems = [];
  for (const name of ['ca.crt', ...older]) {
    const pem = await readFile(join(layout.caDir, name), 'utf8').catch(() => undefined);
    if (pem) pems.push(pem);
  }
  if (pems.length === 0) {
    throw new SamctlError(`no CA in ${layout.root}`, { hint: 'run `samctl ca init` first', exitCode: ExitCode.usage });
  }
  return pems;
}
