import type { ExecaError } from 'execa';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { SamctlError, ExitCode } from '../errors.js';

/** keytool prints this on every JKS it opens and still succeeds; it is not an error. */
const JKS_PROPRIETARY_WARNING = /^Warning:\s*$|The JKS keystore uses a proprietary format|Migrate to PKCS12|keytool -importkeystore -srckeystore .* -destkeystore .* -deststoretype pkcs12/;

/** A JVM tuned for a short-lived tool: C1 only and the serial GC save ~40 ms a launch. */
const FAST_JVM = ['-J-XX:TieredStopAtLevel=1', '-J-XX:+UseSerialGC', '-J-Xshare:auto'];

/** JAVA_HOME's keytool when set, else the one on PATH (as the java launcher scripts do). */
export function keytoolPath(env: NodeJS.ProcessEnv = process.env): string {
  const javaHome = env.JAVA_HOME;
  if (javaHome) {
    const candidate = join(javaHome, 'bin', 'keytool');
    if (existsSync(candidate)) return candidate;
  }
  return 'keytool';
}

/**
 * Runs keytool. Secrets travel only in the environment (referenced as `-storepass:env NAME`),
 * never in argv, where any local user could read them from /proc.
 */
export async function runKeytool(args: string[], secrets: Record<string, string> = {}): Promise<string> {
  const command = keytoolPath();
  // Loaded on first use: execa and its dependencies are ~150 files, and only JKS stores (and
  // reading them back) need keytool; every other command is spared loading them.
  const { execa } = await import('execa');
  try {
    const result = await execa(command, [...FAST_JVM, ...args], {
      env: { ...secrets, LC_ALL: 'C' },
      extendEnv: true,
      stdin: 'ignore',
    });
    return result.stdout;
  } catch (err) {
    const failure = err as ExecaError;
    if ((failure as { code?: string }).code === 'ENOENT') {
      throw new SamctlError('keytool not found: samctl needs a Java runtime (11 or newer) to build JKS stores', {
        hint: 'install one (Debian/Ubuntu: apt-get install openjdk-17-jre-headless) or set JAVA_HOME',
        exitCode: ExitCode.usage,
      });
    }
    const stderr = meaningfulOutput(`${failure.stdout ?? ''}\n${failure.stderr ?? ''}`);
    throw new SamctlError(`keytool ${args[0]} failed: ${stderr || failure.shortMessage}`, {
      hint: `arguments: ${args.join(' ')}`,
      exitCode: ExitCode.failed,
    });
  }
}

function meaningfulOutput(output: string): string {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !JKS_PROPRIETARY_WARNING.test(line))
    .join(' ');
}
