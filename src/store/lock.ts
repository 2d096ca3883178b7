import lockfile from 'proper-lockfile';
import { mkdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SamctlError, ExitCode } from '../errors.js';
import { PRIVATE_DIR } from './layout.js';

/** How long a run waits for another one before giving up. */
const WAIT_MS = 180_000;
const LOCK_OPTIONS = { stale: 20_000, update: 5_000, retries: 0, realpath: false } as const;

interface LockOwner {
  pid: number;
  host: string;
}

/**
 * Runs `work` holding the PKI directory's lock, so that two samctl runs (a CI job and a
 * person, or 20 parallel `client issue`) never interleave inventory updates. A second run
 * waits up to 3 minutes. A lock whose holder died is taken over: at once when the holder
 * ran on this host and its process is gone (samctl.lock.owner names it), else after 20 s
 * without updates (proper-lockfile's stale rule).
 */
export async function withPkiLock<T>(root: string, work: () => Promise<T>): Promise<T> {
  await mkdir(root, { recursive: true, mode: PRIVATE_DIR });
  const release = await acquire(root);
  try {
    return await work();
  } finally {
    await release().catch(() => undefined);
  }
}

async function acquire(root: string): Promise<() => Promise<void>> {
  const lockPath = join(root, 'samctl.lock');
  const ownerPath = `${lockPath}.owner`;
  const deadline = Date.now() + WAIT_MS;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const release = await lockfile.lock(root, { ...LOCK_OPTIONS, lockfilePath: lockPath });
      const releaseAll = async () => {
        await rm(ownerPath, { force: true });
        await release();
      };
      await recordOwner(ownerPath, releaseAll);
      return releaseAll;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ELOCKED') throw lockError(root, err);
      const deadPid = await deadHolder(ownerPath);
      if (deadPid !== undefined) {
        await takeOver(lockPath, ownerPath, deadPid);
        continue;
      }
      if (Date.now() > deadline) {
        throw new SamctlError(`another samctl run holds the lock on ${root} and did not finish within ${WAIT_MS / 1000} s`, {
          hint: 'wait for it to finish; if none is running, remove samctl.lock',
          exitCode: ExitCode.failed,
        });
      }
      await sleep(Math.min(500, 50 * 1.2 ** attempt) * (0.5 + Math.random()));
    }
  }
}

/** Notes who holds the lock; if that cannot be written (a full disk), the lock is given back. */
async function recordOwner(ownerPath: string, releaseAll: () => Promise<void>): Promise<void> {
  try {
    await writeFile(ownerPath, JSON.stringify({ pid: process.pid, host: hostname() } satisfies LockOwner), { mode: 0o600 });
  } catch (err) {
    await releaseAll().catch(() => undefined);
    throw err;
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockOwner;
  } catch {
    return undefined; // not written yet (the holder is between mkdir and writing it) or unreadable
  }
}

/** The holder's PID, only when it ran on this host and its process no longer exists. */
async function deadHolder(ownerPath: string): Promise<number | undefined> {
  const owner = await readOwner(ownerPath);
  if (!owner || owner.host !== hostname() || !Number.isSafeInteger(owner.pid) || owner.pid <= 0 || owner.pid === process.pid) return undefined;
  try {
    process.kill(owner.pid, 0);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH' ? owner.pid : undefined;
  }
}

/**
 * Claims the dead holder's owner file by renaming it (only one waiter can), checks it still
 * names the dead process, then removes the lock. A waiter that lost the race, or claimed a
 * live holder's file, puts it back and waits.
 */
async function takeOver(lockPath: string, ownerPath: string, deadPid: number): Promise<void> {
  const claimed = `${ownerPath}.${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(ownerPath, claimed);
  } catch {
    return;
  }
  const owner = await readOwner(claimed);
  if (owner?.pid !== deadPid) {
    await rename(claimed, ownerPath).catch(() => undefined);
    return;
  }
  await rmdir(lockPath).catch(() => undefined);
  await rm(claimed, { force: true });
}

function lockError(root: string, err: unknown): SamctlError {
  const code = (err as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    EROFS: 'read-only file system',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
  };
  const reason = (code && reasons[code]) ?? (err as Error).message;
  return new SamctlError(`cannot lock ${root}: ${reason}`, {
    hint: code === 'EROFS' || code === 'EACCES' || code === 'EPERM' ? 'use a PKI directory samctl can write to (--dir / SAMCTL_DIR)' : undefined,
    exitCode: ExitCode.failed,
    cause: err,
  });
}
