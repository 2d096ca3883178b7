import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { samctlOk, tempDir } from '../helpers/samctl.js';
import { listFiles } from './support.js';
import { leaks, startWatcher, stopWatcher, type Capture } from '../helpers/cmdline-watcher.js';

/**
 * No secret on a command line: a watcher process reads /proc/<pid>/cmdline of every process
 * every ~2 ms while samctl (and the keytool JVMs it starts) run. Afterwards, every CA
 * passphrase and store password is looked for in everything captured, and in stdout,
 * stderr, the --json documents and samctl.json.
 */

describe('no secret on a command line, in output or in the inventory', () => {
  const cwd = tempDir('samctl-secrets-');
  const dir = join(cwd, 'pki');
  const caPassphrase = `cmdline-canary-${Math.random().toString(36).slice(2)}-CA`;
  const env = { SAMCTL_CA_PASSWORD: caPassphrase };
  const outputs: string[] = [];
  let capture: Capture;

  it('the watcher sees a short-lived process that carries a canary in argv (it could catch a leak)', async () => {
    const canary = `argv-canary-${Math.random().toString(36).slice(2)}`;
    const watcher = startWatcher();
    await new Promise((r) => setTimeout(r, 100));
    await new Promise((resolve) => spawn('sh', ['-c', 'sleep 0.2', 'sh', canary]).on('close', resolve));
    const seen = await stopWatcher(watcher);
    expect(seen.cmdlines.some((line) => leaks(line, canary))).toBe(true);
  });

  it('ca init, broker issue (3 hosts), client issue (jks and pkcs12) and renew pass no secret in argv', async () => {
    const passFile = join(cwd, 'ca.pass');
    writeFileSync(passFile, `${caPassphrase}\n`, { mode: 0o600 });
    const timings: string[] = [];
    const watcher = startWatcher();
    await new Promise((r) => setTimeout(r, 100));
    try {
      const run = async (args: string[], extraEnv: Record<string, string | undefined> = env) => {
        const started = Date.now();
        const result = await samctlOk(['--dir', dir, ...args], { cwd, env: extraEnv });
        outputs.push(result.stdout, result.stderr);
        timings.push(`${args.filter((arg) => !arg.startsWith('-')).slice(0, 2).join(' ')} ${Date.now() - started} ms`);
      };
      await run(['ca', 'init', '--key-size', '2048']);
      await run(['--json', 'broker', 'issue', 'k1.example.org', 'k2.example.org', 'k3.example.org', '--san', '10.0.0.11']);
      await run(['client', 'issue', 'console']);
      await run(['--json', 'client', 'issue', 'p12-client', '--store-type', 'pkcs12', '--ca-password-file', passFile], { SAMCTL_CA_PASSWORD: undefined });
      await run(['renew', 'k1.example.org', 'console', '--ca-password-file', passFile], { SAMCTL_CA_PASSWORD: undefined });
      await run(['--json', 'renew', '--all']);
      await run(['verify']);
      await run(['--json', 'status']);
    } finally {
      capture = await stopWatcher(watcher);
    }
    // The watcher demonstrably saw keytool: otherwise this test could not fail.
    const keytoolLines = capture.cmdlines.filter((line) => /keytool|java/.test(line) && /-storepass:env|-deststorepass:env/.test(line));
    expect(keytoolLines.length).toBeGreaterThan(0);
    expect(capture.cmdlines.some((line) => line.includes('samctl.js') && line.includes('broker'))).toBe(true);
    console.log(timings.join(', '));
    console.log(`secrets: ${capture.sweeps} sweeps of /proc, ${capture.cmdlines.length} distinct command lines, ${keytoolLines.length} of them keytool`);

    const secrets = collectSecrets(dir);
    expect(secrets.length).toBe(1 + 5); // the PKI-wide truststore password + one store password per identity (3 brokers, 2 clients)
    for (const secret of [caPassphrase, ...secrets]) {
      expect(secret.length).toBeGreaterThanOrEqual(16);
      const where = capture.cmdlines.filter((line) => leaks(line, secret));
      expect(where, `secret found in argv: ${where.join(' | ')}`).toEqual([]);
      expect(outputs.some((text) => text.includes(secret)), 'secret in stdout/stderr/--json').toBe(false);
      expect(readFileSync(join(dir, 'samctl.json'), 'utf8').includes(secret), 'secret in samctl.json').toBe(false);
    }
  }, 240_000);

  it('the CA passphrase is not written to any file of the PKI directory', () => {
    for (const file of listFiles(dir).filter((name) => !name.endsWith('/'))) {
      expect(readFileSync(join(dir, file)).includes(Buffer.from(caPassphrase)), file).toBe(false);
    }
  });
});

/** Every store password samctl generated: the PKI-wide truststore password and each identity's. */
function collectSecrets(dir: string): string[] {
  const secrets = new Set<string>([readFileSync(join(dir, 'ca', 'truststore.password'), 'utf8').trim()]);
  for (const kind of ['brokers', 'clients']) {
    for (const name of readdirSync(join(dir, kind))) {
      for (const file of ['store.password', 'truststore.password']) {
        try {
          secrets.add(readFileSync(join(dir, kind, name, file), 'utf8').trim());
        } catch {
          // PEM identities have none
        }
      }
    }
  }
  return [...secrets];
}
