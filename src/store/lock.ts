import lockfile from 'proper-lockfile';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SamctlError, ExitCode } from '../errors.js';
import { PRIVATE_DIR } from './layout.js';

/**
 * Runs `work` holding the PKI directory's lock, so that two samctl runs (a CI job and a
 * person, or 20 parallel `client issue`) never interleave inventory updates. A second run
 * waits up to ~2 minutes; a lock whose holder died is taken over after 20 s without updates.
 */
export async function withPkiLock<T>(root: string, work: () => Promise<T>): Promise<T> {
  await mkdir(root, { recursive: true, mode: PRIVATE_DIR });
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(root, {
      lockfilePath: join(root, 'samctl.lock'),
      stale: 20_000,
      update: 5_000,
      retries: { retries: 400, factor: 1.2, minTimeout: 50, maxTimeout: 500, randomize: true },
    });
  } catch (err) {
    throw new SamctlError(`another samctl run holds the lock on ${root} (${(err as Error).message})`, {
      hint: 'wait for it to finish; if none is running, remove samctl.lock',
      exitCode: ExitCode.failed,
    });
  }
  try {
    return await work();
  } finally {
    await release().catch(() => undefined);
  }
}
