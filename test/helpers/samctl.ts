import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SAMCTL = new URL('../../bin/samctl.js', import.meta.url).pathname;
export const CA_PASSWORD = 'test p@ss w0rd"$!';

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would: a child process, no TTY, in `cwd`. */
export async function samctl(args: string[], options: { cwd: string; env?: Record<string, string | undefined>; input?: string }): Promise<RunResult> {
  const result = await execa(process.execPath, [SAMCTL, ...args], {
    cwd: options.cwd,
    env: { SAMCTL_CA_PASSWORD: CA_PASSWORD, NO_COLOR: '1', ...options.env },
    extendEnv: true,
    reject: false,
    input: options.input ?? '',
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Like samctl() but throws with stderr when the command fails. */
export async function samctlOk(args: string[], options: Parameters<typeof samctl>[1]): Promise<RunResult> {
  const result = await samctl(args, options);
  if (result.exitCode !== 0) throw new Error(`samctl ${args.join(' ')} exited ${result.exitCode}: ${result.stderr}`);
  return result;
}

export function tempDir(prefix = 'samctl-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Path → sha256 (and mode) of every file below `dir`: compare before/after to prove nothing changed. */
export function snapshotTree(dir: string): Record<string, string> {
  const snapshot: Record<string, string> = {};
  const walk = (current: string) => {
    let entries: string[];
    try {
      entries = readdirSync(current);
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(current, entry);
      const stats = statSync(path);
      if (stats.isDirectory()) walk(path);
      else snapshot[path.slice(dir.length)] = `${(stats.mode & 0o777).toString(8)} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
    }
  };
  walk(dir);
  return snapshot;
}

/** openssl / keytool, failing loudly with their output. */
export async function tool(command: string, args: string[], options: { env?: Record<string, string>; input?: string; reject?: boolean } = {}) {
  return execa(command, args, { env: options.env, extendEnv: true, input: options.input, reject: options.reject ?? true, all: true });
}
