import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CA_PASSWORD, SAMCTL, tempDir } from '../helpers/samctl.js';
import { listFiles, mode } from './support.js';

const run = promisify(execFile);

/** The CLI under a given umask, as a shell user would start it. */
async function samctlUnderUmask(umask: string, cwd: string, args: string[]): Promise<void> {
  const quoted = args.map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
  await run('sh', ['-c', `umask ${umask}; exec '${process.execPath}' '${SAMCTL}' ${quoted}`], {
    cwd,
    env: { ...process.env, SAMCTL_CA_PASSWORD: CA_PASSWORD, NO_COLOR: '1' },
  });
}

/** What must be private: keys, keystores, password files, properties with a password (not a ${file:…} reference), the inventory. */
function mustBeSecret(dir: string, file: string): boolean {
  const name = file.split('/').pop()!;
  if (/\.key$|^keystore\.|\.password$|^samctl\.json$/.test(name)) return true;
  if (name.endsWith('.properties')) return /password\s*=\s*(?!\$\{file:)\S/.test(readFileSync(join(dir, file), 'utf8'));
  return false;
}

/** A directory holds keys when a key, keystore or password file is anywhere below it. */
function holdsKeys(files: string[], directory: string): boolean {
  return files.some((file) => file.startsWith(directory) && /(\.key|\/keystore\.[a-z0-9]+|\.password)$/.test(file));
}

describe('file modes do not depend on the umask', () => {
  for (const umask of ['000', '077']) {
    for (const storeType of ['jks', 'pkcs12', 'pem']) {
      it(`umask ${umask}, --store-type ${storeType}: secrets 0600, key directories 0700`, async () => {
        const cwd = tempDir('samctl-modes-');
        const dir = join(cwd, 'pki');
        await samctlUnderUmask(umask, cwd, ['--dir', dir, 'ca', 'init', '--key-size', '2048']);
        await samctlUnderUmask(umask, cwd, ['--dir', dir, 'broker', 'issue', 'm1.example.org', '--store-type', storeType]);
        await samctlUnderUmask(umask, cwd, ['--dir', dir, 'client', 'issue', 'm-client', '--store-type', storeType]);
        // renew and --force re-issue write through backups/: those must be private too
        await samctlUnderUmask(umask, cwd, ['--dir', dir, 'renew', 'm-client']);

        const files = listFiles(dir);
        const checked = { secret: 0, dirs: 0 };
        const wrong: string[] = [];
        for (const file of files) {
          if (file.endsWith('/')) {
            if (holdsKeys(files, file)) {
              checked.dirs += 1;
              if (mode(join(dir, file)) !== '0700') wrong.push(`${file} ${mode(join(dir, file))} (want 0700)`);
            }
            continue;
          }
          if (mustBeSecret(dir, file)) {
            checked.secret += 1;
            if (mode(join(dir, file)) !== '0600') wrong.push(`${file} ${mode(join(dir, file))} (want 0600)`);
          } else if (!['0644', '0600'].includes(mode(join(dir, file)))) {
            wrong.push(`${file} ${mode(join(dir, file))} (want 0644, or 0600)`);
          }
        }
        expect(wrong).toEqual([]);
        expect(mode(dir)).toBe('0700'); // the PKI root holds ca/ and samctl.json
        // ca.key, ca truststore.password, samctl.json + per identity (current and the client's backup) key, keystore, properties...
        expect(checked.secret).toBeGreaterThanOrEqual(storeType === 'pem' ? 9 : 14);
        expect(checked.dirs).toBeGreaterThanOrEqual(5); // ca/, brokers/m1, clients/m-client, backups/clients/m-client-*, and parents
        expect(statSync(join(dir, 'ca', 'ca.key')).isFile()).toBe(true);
      }, 180_000);
    }
  }
});
