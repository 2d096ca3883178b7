import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SAMCTL, samctlOk, tempDir } from '../helpers/samctl.js';

/** A PKI with a 2048-bit CA (fast) and, optionally, identities; returns its directory. */
export async function smallPki(options: { brokers?: string[]; clients?: string[]; storeType?: string; env?: Record<string, string> } = {}): Promise<string> {
  const cwd = tempDir('samctl-hard-');
  const dir = join(cwd, 'pki');
  const env = options.env;
  await samctlOk(['--dir', dir, 'ca', 'init', '--key-size', '2048'], { cwd, env });
  const storeType = options.storeType ? ['--store-type', options.storeType] : [];
  if (options.brokers?.length) await samctlOk(['--dir', dir, 'broker', 'issue', ...options.brokers, ...storeType], { cwd, env });
  for (const client of options.clients ?? []) await samctlOk(['--dir', dir, 'client', 'issue', client, ...storeType], { cwd, env });
  return dir;
}

/** Every file below `dir` (relative paths), hidden ones included. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string, prefix: string) => {
    for (const entry of readdirSync(current)) {
      const path = join(current, entry);
      const rel = prefix ? `${prefix}/${entry}` : entry;
      if (statSync(path).isDirectory()) {
        out.push(`${rel}/`);
        walk(path, rel);
      } else out.push(rel);
    }
  };
  walk(dir, '');
  return out;
}

export function mode(path: string): string {
  return (statSync(path).mode & 0o777).toString(8).padStart(4, '0');
}

/** Can this sandbox mount a tmpfs? (root in a privileged container: yes; elsewhere: skip with a message.) */
export function canMount(): boolean {
  const probe = tempDir('samctl-mount-probe-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

export function mount(args: string[]): void {
  execFileSync('mount', args, { stdio: 'pipe' });
}

export function umount(path: string): void {
  try {
    execFileSync('umount', [path], { stdio: 'ignore' });
  } catch {
    execFileSync('umount', ['-l', path], { stdio: 'ignore' });
  }
}

export function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

export function readJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export { SAMCTL };
