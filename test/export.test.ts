import { execa } from 'execa';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SAMCTL, samctl, samctlOk, snapshotTree, tempDir, tool } from './helpers/samctl.js';
import { leaks, startWatcher, stopWatcher } from './helpers/cmdline-watcher.js';

/*
 * samctl export, judged by GNU tar, sha256sum, Debian's age CLI, keytool and sh: the bundle
 * lists only the identity's files with the right modes and owner 0/0; age decrypts it with
 * the right key or passphrase and refuses a wrong one or a tampered file; the printed unpack
 * commands, run verbatim, put the files into an install dir that already holds another
 * identity's files and leave those alone.
 */

const DRIVER = new URL('./helpers/pty_driver.py', import.meta.url).pathname;

/** Debian's age CLI: a loud skip when missing, a failure with SAMCTL_E2E=required. */
function ageCli(): boolean {
  const missing = ['age', 'age-keygen'].filter((command) => spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0);
  if (missing.length === 0) return true;
  const line = `samctl export tests that decrypt with the age CLI need: ${missing.join(', ')} (apt-get install -y age)`;
  if (process.env.SAMCTL_E2E === 'required') throw new Error(`${line} (SAMCTL_E2E=required)`);
  console.warn(`!!! SKIPPING ${line}. Install it (or set SAMCTL_E2E=required to make this an error).`);
  return false;
}
const hasAge = ageCli();

/** A command on a pseudo-terminal, answering its prompts once they are on screen (as a person would). */
async function onTerminal(cwd: string, command: string[], answers: Array<[string, string]>, env: Record<string, string | undefined> = {}) {
  const result = await execa('python3', [DRIVER, JSON.stringify(answers), ...command], {
    cwd,
    reject: false,
    env: { ...process.env, CI: undefined, SAMCTL_CA_PASSWORD: undefined, SAMCTL_BUNDLE_PASSPHRASE: undefined, NO_COLOR: '1', TERM: 'xterm', ...env },
    extendEnv: false,
  });
  return { exitCode: result.exitCode, screen: String(result.stdout) };
}

interface TarEntry {
  mode: string;
  owner: string;
  name: string;
}

/** `tar -tvf` as GNU tar prints it, numeric owners. */
async function tarListing(file: string): Promise<TarEntry[]> {
  const { stdout } = await tool('tar', ['--numeric-owner', '-tvf', file]);
  return stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [mode, owner, , , , name] = line.trim().split(/\s+/);
      return { mode, owner, name };
    });
}

/** Runs the printed unpack lines exactly as printed, substituting only the age identity file. */
async function runUnpack(lines: string[], cwd: string, keyFile?: string) {
  let script = lines.join('\n');
  if (keyFile) script = script.replace(' -i key.txt ', ` -i ${keyFile} `);
  return execa('sh', ['-c', script], { cwd, reject: false, all: true });
}

function flipByte(file: string, fromEnd: number): void {
  const bytes = readFileSync(file);
  bytes[bytes.length - fromEnd] ^= 0x01;
  writeFileSync(file, bytes);
}

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');
const visibleFiles = (dir: string) => readdirSync(dir).filter((name) => !name.startsWith('.')).sort();

/** The host names of each identity's files and, beside them, the name in the PKI directory. */
const BROKER_JKS_FILES: Record<string, string> = {
  'broker.key': 'broker.key',
  'broker.crt': 'broker.crt',
  'broker.ca.crt': 'ca.crt',
  'broker.keystore.jks': 'keystore.jks',
  'broker.truststore.jks': 'truststore.jks',
  'broker.store.password': 'store.password',
  'broker.truststore.password': 'truststore.password',
  'broker-secrets.properties': 'broker-secrets.properties',
  'server-ssl.properties': 'server-ssl.properties',
};
const CLIENT_P12_FILES: Record<string, string> = {
  'client.key': 'client.key',
  'client.crt': 'client.crt',
  'client.ca.crt': 'ca.crt',
  'client.keystore.p12': 'keystore.p12',
  'client.truststore.p12': 'truststore.p12',
  'client.store.password': 'store.password',
  'client.truststore.password': 'truststore.password',
  'client-secrets.properties': 'client-secrets.properties',
  'client-ssl.properties': 'client-ssl.properties',
  'librdkafka.properties': 'librdkafka.properties',
};
/** Secrets by what they are: keys, keystores, password and secrets files (plus configs with inline passwords). */
const isSecretName = (name: string) => /\.key$|keystore\.|\.password$|secrets\.properties$/.test(name);

describe('samctl export', () => {
  const cwd = tempDir('samctl-export-');
  const pki = join(cwd, 'pki');
  const host = join(cwd, 'host');
  const ssl = join(host, 'ssl');
  const ssl2 = join(host, "ssl two's"); // a space and a quote: the printed commands must quote it
  const ssl3 = join(host, 'ssl3');
  const brokerDir = join(pki, 'brokers', 'sam01.test');
  const clientDir = join(pki, 'clients', 'console');
  const env = { SAMCTL_BUNDLE_PASSPHRASE: undefined };
  const run = (args: string[], extra: Record<string, string | undefined> = {}) => samctl(args, { cwd, env: { ...env, ...extra } });
  const runOk = (args: string[], extra: Record<string, string | undefined> = {}) => samctlOk(args, { cwd, env: { ...env, ...extra } });
  const exportJson = async (args: string[], extra: Record<string, string | undefined> = {}) =>
    JSON.parse((await runOk(['--json', 'export', ...args], extra)).stdout) as {
      command: string;
      bundles: Array<{ name: string; kind: string; file: string; installDir: string; encrypted: boolean; files: string[]; sha256: string; bytes: number; unpack: string[] }>;
    };

  beforeAll(async () => {
    mkdirSync(host, { recursive: true });
    await runOk(['ca', 'init', '--key-size', '2048']);
    await runOk(['broker', 'issue', 'sam01.test', '--install-dir', ssl]);
    await runOk(['broker', 'issue', 'sam02.test', '--install-dir', ssl2]);
    await runOk(['client', 'issue', 'console', '--install-dir', ssl, '--store-type', 'pkcs12']);
    await runOk(['client', 'issue', 'inline-client', '--secrets', 'inline']);
    await runOk(['client', 'issue', 'pp-client', '--install-dir', ssl3, '--store-type', 'pem']);
  });

  describe('the tar', () => {
    it("lists only the broker's files, secrets 0600 and the rest 0644, owner 0/0, no CA key, CSR or other identity", async () => {
      const { bundles } = await exportJson(['sam01.test']);
      const [bundle] = bundles;
      expect(bundle.file).toBe(join(cwd, 'sam01.test.tar'));
      expect(modeOf(bundle.file)).toBe('0600');
      const entries = await tarListing(bundle.file);
      expect(entries.map((entry) => entry.name).sort()).toEqual([...Object.keys(BROKER_JKS_FILES), 'SHA256SUMS'].sort());
      expect(bundle.files.sort()).toEqual(Object.keys(BROKER_JKS_FILES).sort());
      for (const entry of entries) {
        expect(entry.owner, entry.name).toBe('0/0');
        expect(entry.mode, entry.name).toBe(isSecretName(entry.name) ? '-rw-------' : '-rw-r--r--');
      }
      // The bytes are this broker's: each file equals its PKI-directory original, and none is the CA key.
      const unpacked = join(tempDir('samctl-export-x-'), 'x');
      mkdirSync(unpacked);
      await tool('tar', ['-x', '-p', '-f', bundle.file, '-C', unpacked]);
      const caKey = readFileSync(join(pki, 'ca', 'ca.key'));
      for (const [hostName, pkiName] of Object.entries(BROKER_JKS_FILES)) {
        const content = readFileSync(join(unpacked, hostName));
        expect(content.equals(readFileSync(join(brokerDir, pkiName))), hostName).toBe(true);
        expect(content.equals(caKey)).toBe(false);
        expect(content.includes(readFileSync(join(pki, 'brokers', 'sam02.test', 'broker.key')))).toBe(false);
      }
    });

    it('carries a SHA256SUMS that sha256sum -c accepts after unpacking, and that catches a changed file', async () => {
      const unpacked = tempDir('samctl-export-sums-');
      await tool('tar', ['-x', '-f', join(cwd, 'sam01.test.tar'), '-C', unpacked]);
      const good = await execa('sha256sum', ['-c', 'SHA256SUMS'], { cwd: unpacked, reject: false });
      expect(good.exitCode, good.stdout).toBe(0);
      expect(good.stdout.split('\n')).toHaveLength(Object.keys(BROKER_JKS_FILES).length);
      writeFileSync(join(unpacked, 'broker.crt'), `${readFileSync(join(unpacked, 'broker.crt'), 'utf8')}\n`);
      const bad = await execa('sha256sum', ['-c', 'SHA256SUMS'], { cwd: unpacked, reject: false });
      expect(bad.exitCode).not.toBe(0);
      expect(bad.stdout).toContain('broker.crt: FAILED');
    });

    it('keeps a config with inline passwords 0600, and names the files as in the PKI directory without an install dir', async () => {
      const { bundles } = await exportJson(['inline-client', '--out', join(cwd, 'out', 'inline.tar')]);
      expect(bundles[0].installDir).toBe(join(pki, 'clients', 'inline-client'));
      expect(modeOf(join(cwd, 'out'))).toBe('0700');
      const entries = await tarListing(join(cwd, 'out', 'inline.tar'));
      const modes = Object.fromEntries(entries.map((entry) => [entry.name, entry.mode]));
      expect(modes['client-ssl.properties']).toBe('-rw-------');
      expect(modes['librdkafka.properties']).toBe('-rw-r--r--');
      expect(modes['keystore.jks']).toBe('-rw-------');
      expect(Object.keys(modes)).not.toContain('client.csr');
      expect(Object.keys(modes)).not.toContain('client-secrets.properties');
    });

    it('never loosens a secret: a key made 0644 by hand is still 0600 in the tar', async () => {
      const key = join(pki, 'brokers', 'sam02.test', 'broker.key');
      chmodSync(key, 0o644);
      try {
        const { bundles } = await exportJson(['sam02.test', '--out', join(cwd, 'loose', 'sam02.tar')]);
        expect((await tarListing(bundles[0].file)).find((entry) => entry.name === 'broker.key')?.mode).toBe('-rw-------');
      } finally {
        chmodSync(key, 0o600);
      }
    });

    it('refuses an identity whose certificate on disk is not the one the inventory records (exit 1, nothing written)', async () => {
      const cert = join(pki, 'brokers', 'sam02.test', 'broker.crt');
      const original = readFileSync(cert);
      copyFileSync(join(brokerDir, 'broker.crt'), cert);
      try {
        const result = await run(['export', 'sam02.test', '--out', join(cwd, 'drifted', 'sam02.tar')]);
        expect(result.exitCode, result.stderr).toBe(1);
        expect(result.stderr).toMatch(/broker\.crt is not the certificate the inventory records for broker sam02\.test/);
        expect(existsSync(join(cwd, 'drifted'))).toBe(false);
      } finally {
        writeFileSync(cert, original);
      }
    });

    it('writes one bundle per identity into --out <dir>, made 0700 when missing', async () => {
      const out = join(cwd, 'nas', 'kafka-ssl');
      const { bundles } = await exportJson(['sam01.test', 'console', 'sam01.test', '--out', out]);
      expect(bundles.map((bundle) => [bundle.kind, bundle.name, bundle.file])).toEqual([
        ['broker', 'sam01.test', join(out, 'sam01.test.tar')],
        ['client', 'console', join(out, 'console.tar')],
      ]);
      expect(modeOf(out)).toBe('0700');
      const names = (await tarListing(join(out, 'console.tar'))).map((entry) => entry.name);
      expect(names.sort()).toEqual([...Object.keys(CLIENT_P12_FILES), 'SHA256SUMS'].sort());
    });
  });

  describe('the printed unpack commands, run verbatim', () => {
    it('put a plain bundle into an install dir whose name needs quoting, and replace files already there', async () => {
      const bundle = (await exportJson(['sam02.test', '--out', join(host, 'sam02.tar')])).bundles[0];
      expect(bundle.installDir).toBe(ssl2);
      mkdirSync(ssl2, { recursive: true });
      writeFileSync(join(ssl2, 'broker.keystore.jks'), 'an old keystore');
      writeFileSync(join(ssl2, 'unrelated.conf'), 'stays');
      const result = await runUnpack(bundle.unpack, host);
      expect(result.exitCode, result.all).toBe(0);
      expect(visibleFiles(ssl2)).toEqual([...Object.keys(BROKER_JKS_FILES), 'unrelated.conf'].sort());
      expect(readdirSync(ssl2).filter((name) => name.startsWith('.'))).toEqual([]);
      for (const [hostName, pkiName] of Object.entries(BROKER_JKS_FILES)) {
        expect(readFileSync(join(ssl2, hostName)).equals(readFileSync(join(pki, 'brokers', 'sam02.test', pkiName))), hostName).toBe(true);
        expect(modeOf(join(ssl2, hostName)), hostName).toBe(isSecretName(hostName) ? '0600' : '0644');
      }
    });

    it.skipIf(!hasAge)('decrypt with the host key, then unpack a broker next to a client in one /ssl, leaving the client intact', async () => {
      const keyFile = join(host, 'host-key.txt');
      await tool('age-keygen', ['-o', keyFile]);
      const recipient = (await tool('age-keygen', ['-y', keyFile])).stdout.trim();
      mkdirSync(ssl, { recursive: true });
      writeFileSync(join(ssl, 'unrelated.conf'), 'stays');
      const owner = process.getuid?.() === 0 ? ['--owner', 'nobody'] : [];
      const client = (await exportJson(['console', '--recipient', recipient, '--out', join(host, 'console.tar.age')])).bundles[0];
      const broker = (await exportJson(['sam01.test', '--recipient', recipient, '--out', join(host, 'sam01.tar.age'), ...owner])).bundles[0];
      expect(client.unpack.join('\n')).toContain('age -d -i key.txt ');

      const first = await runUnpack(client.unpack, host, keyFile);
      expect(first.exitCode, first.all).toBe(0);
      const clientFiles = snapshotTree(ssl);
      const second = await runUnpack(broker.unpack, host, keyFile);
      expect(second.exitCode, second.all).toBe(0);

      expect(visibleFiles(ssl)).toEqual([...Object.keys(CLIENT_P12_FILES), ...Object.keys(BROKER_JKS_FILES), 'unrelated.conf'].sort());
      expect(readdirSync(ssl).filter((name) => name.startsWith('.'))).toEqual([]); // staging dir gone
      const after = snapshotTree(ssl);
      for (const [path, digest] of Object.entries(clientFiles)) expect(after[path], path).toBe(digest);
      for (const [files, dir] of [[CLIENT_P12_FILES, clientDir], [BROKER_JKS_FILES, brokerDir]] as const) {
        for (const [hostName, pkiName] of Object.entries(files)) {
          expect(readFileSync(join(ssl, hostName)).equals(readFileSync(join(dir, pkiName))), hostName).toBe(true);
          expect(modeOf(join(ssl, hostName)), hostName).toBe(isSecretName(hostName) ? '0600' : '0644');
        }
      }
      if (owner.length > 0) {
        const nobody = Number((await tool('id', ['-u', 'nobody'])).stdout.trim());
        for (const name of Object.keys(BROKER_JKS_FILES)) expect(statSync(join(ssl, name)).uid, name).toBe(nobody);
        expect(statSync(join(ssl, 'client.key')).uid).toBe(0);
      }

      // keytool opens the unpacked keystores with the passwords from the unpacked secrets files.
      for (const [store, type, secrets] of [
        ['broker.keystore.jks', 'JKS', 'broker-secrets.properties'],
        ['client.keystore.p12', 'PKCS12', 'client-secrets.properties'],
      ]) {
        const password = /^keystore\.password=(.+)$/m.exec(readFileSync(join(ssl, secrets), 'utf8'))![1];
        const listed = await tool('keytool', ['-list', '-keystore', join(ssl, store), '-storetype', type, '-storepass:env', 'STOREPASS'], { env: { STOREPASS: password } });
        expect(listed.stdout).toContain('PrivateKeyEntry');
      }
      // server-ssl.properties points only into the install dir, at files that are there.
      const config = readFileSync(join(ssl, 'server-ssl.properties'), 'utf8');
      const paths = [...config.matchAll(/\.location=(.+)$/gm)].map((match) => match[1]).concat([...config.matchAll(/\$\{file:([^:}]+):/g)].map((match) => match[1]));
      expect(paths.length).toBeGreaterThanOrEqual(4);
      for (const path of paths) {
        expect(dirname(path)).toBe(ssl);
        expect(existsSync(path), path).toBe(true);
      }

      // A tampered bundle: age refuses it, the chain stops, the install dir is as it was.
      const tampered = join(host, 'tampered.tar.age');
      copyFileSync(join(host, 'sam01.tar.age'), tampered);
      flipByte(tampered, 100);
      const before = snapshotTree(ssl);
      const refused = await runUnpack(broker.unpack.map((line) => line.replace('sam01.tar.age', 'tampered.tar.age')), host, keyFile);
      expect(refused.exitCode).not.toBe(0);
      expect(visibleFiles(ssl)).toEqual(Object.keys(before).map((path) => path.slice(1)).filter((name) => !name.startsWith('.')).sort());
      for (const [path, digest] of Object.entries(before)) expect(snapshotTree(ssl)[path], path).toBe(digest);
    }, 120_000);
  });

  describe.skipIf(!hasAge)("Debian's age CLI", () => {
    let keyFile = '';
    let otherKey = '';
    let recipient = '';

    beforeAll(async () => {
      keyFile = join(cwd, 'key.txt');
      otherKey = join(cwd, 'other.txt');
      await tool('age-keygen', ['-o', keyFile]);
      await tool('age-keygen', ['-o', otherKey]);
      recipient = (await tool('age-keygen', ['-y', keyFile])).stdout.trim();
    });

    it('decrypts a recipient bundle with the right identity file only, and refuses a tampered one', async () => {
      const bundle = (await exportJson(['sam01.test', '--recipient', recipient, '--out', join(cwd, 'age', 'r.tar.age')])).bundles[0];
      expect(bundle.encrypted).toBe(true);
      expect(readFileSync(bundle.file).subarray(0, 22).toString()).toBe('age-encryption.org/v1\n');
      const plain = join(cwd, 'age', 'r.tar');
      await tool('age', ['-d', '-i', keyFile, '-o', plain, bundle.file]);
      expect((await tarListing(plain)).map((entry) => entry.name)).toContain('broker.keystore.jks');
      const wrong = await tool('age', ['-d', '-i', otherKey, '-o', join(cwd, 'age', 'wrong.tar'), bundle.file], { reject: false });
      expect(wrong.exitCode).not.toBe(0);
      expect(wrong.all).toMatch(/no identity matched/);
      flipByte(bundle.file, 20);
      const tampered = await tool('age', ['-d', '-i', keyFile, '-o', join(cwd, 'age', 'tampered.tar'), bundle.file], { reject: false });
      expect(tampered.exitCode).not.toBe(0);
    });

    it('encrypts to every key of a --recipients-file (implies --encrypt)', async () => {
      const file = join(cwd, 'hosts.age');
      writeFileSync(file, `# sam01\n${recipient}\n\n${(await tool('age-keygen', ['-y', otherKey])).stdout}`);
      const bundle = (await exportJson(['console', '--recipients-file', file, '--out', join(cwd, 'age', 'two.tar.age')])).bundles[0];
      for (const [index, key] of [keyFile, otherKey].entries()) {
        const plain = join(cwd, 'age', `two-${index}.tar`);
        await tool('age', ['-d', '-i', key, '-o', plain, bundle.file]);
        expect((await tarListing(plain)).map((entry) => entry.name)).toContain('client.keystore.p12');
      }
    });

    it('asks for a passphrase twice on a terminal; age decrypts with it on a terminal and refuses a wrong one', async () => {
      const passphrase = 'typed on the terminal 42';
      const made = await onTerminal(cwd, [process.execPath, SAMCTL, 'export', 'pp-client', '--encrypt', '--out', join(host, 'pp.tar.age')], [
        ['Bundle passphrase', passphrase],
        ['Repeat the bundle passphrase', passphrase],
      ]);
      expect(made.exitCode, made.screen).toBe(0);
      expect(made.screen).not.toContain(passphrase);
      expect(made.screen).toContain('age -d -o "$stage/bundle.tar" pp.tar.age');

      const wrong = await onTerminal(host, ['age', '-d', '-o', join(host, 'wrong.tar'), 'pp.tar.age'], [['passphrase', 'not the passphrase']]);
      expect(wrong.exitCode, wrong.screen).not.toBe(0);
      // The printed commands, verbatim, with the passphrase typed where age asks for it.
      const lines = made.screen.split(/\r?\n/).filter((line) => line.startsWith('    ')).map((line) => line.slice(4));
      const unpacked = await onTerminal(host, ['sh', '-c', lines.join('\n')], [['passphrase', passphrase]]);
      expect(unpacked.exitCode, unpacked.screen).toBe(0);
      expect(visibleFiles(ssl3)).toEqual(['client-ssl.properties', 'client.ca.crt', 'client.crt', 'client.key', 'client.keystore.pem', 'client.truststore.pem', 'librdkafka.properties']);
      expect(modeOf(join(ssl3, 'client.keystore.pem'))).toBe('0600');
    }, 120_000);
  });

  describe('bad input: one line and a hint, exit 2, nothing written', () => {
    const cases: Array<[string, string[], RegExp, Record<string, string | undefined>?]> = [
      ['an unknown name', ['export', 'sam01.test', 'nope.test'], /^samctl: no identity named nope\.test\nhint: .*samctl status/],
      ['an existing --out without --force', ['export', 'sam01.test'], /^samctl: .*sam01\.test\.tar exists\nhint: pass --force/],
      ['a recipient that is not an age key', ['export', 'console', '--recipient', 'age1notakey', '--out', 'x.tar.age'], /^samctl: --recipient #1 "age1notakey" is not an age recipient/],
      ['an SSH key as recipient', ['export', 'console', '--recipient', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPl', '--out', 'x.tar.age'], /is not an age recipient/],
      ['a missing passphrase file', ['export', 'console', '--passphrase-file', 'no-such-file', '--out', 'x.tar.age'], /^samctl: cannot read --passphrase-file no-such-file: no such file\n/],
      ['a missing recipients file', ['export', 'console', '--recipients-file', 'no-such-file', '--out', 'x.tar.age'], /^samctl: cannot read --recipients-file no-such-file: no such file\n/],
      ['recipients and a passphrase together', ['export', 'console', '--recipient', 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p', '--passphrase-file', 'pp'], /not both/],
      ['--encrypt with no recipient, no passphrase and no terminal', ['export', 'console', '--encrypt', '--out', 'x.tar.age'], /^samctl: no recipient and no passphrase.*\nhint: .*--recipient/],
      ['a passphrase shorter than 8 characters', ['export', 'console', '--encrypt', '--out', 'x.tar.age'], /SAMCTL_BUNDLE_PASSPHRASE is too short/, { SAMCTL_BUNDLE_PASSPHRASE: 'short' }],
      ['an .age --out for a plain bundle', ['export', 'console', '--out', 'x.tar.age'], /names an age file, but the bundle is not encrypted/],
      ['several names into one file', ['export', 'console', 'sam01.test', '--out', 'pki/samctl.json'], /is a file, and 2 bundles need a directory/],
      ['an --owner that is not a user name', ['export', 'console', '--owner', 'kafka; rm -rf /'], /^samctl: invalid --owner/],
    ];
    for (const [what, args, message, extraEnv] of cases) {
      it(what, async () => {
        writeFileSync(join(cwd, 'sam01.test.tar'), 'an earlier bundle');
        const before = snapshotTree(cwd);
        const result = await run(args, { CI: 'true', ...extraEnv });
        expect(result.exitCode, result.stderr).toBe(2);
        expect(result.stderr).toMatch(message);
        expect(result.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
        expect(result.stdout).toBe('');
        expect(snapshotTree(cwd)).toEqual(before);
      });
    }

    it('--force replaces an existing bundle; --recipient alone implies --encrypt', async () => {
      writeFileSync(join(cwd, 'sam01.test.tar'), 'an earlier bundle');
      await runOk(['--force', 'export', 'sam01.test']);
      expect((await tarListing(join(cwd, 'sam01.test.tar'))).length).toBe(Object.keys(BROKER_JKS_FILES).length + 1);
      const { bundles } = await exportJson(['console', '--recipient', 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p', '--out', `${join(cwd, 'implied')}/`]);
      expect(bundles[0].file).toBe(join(cwd, 'implied', 'console.tar.age'));
      expect(bundles[0].encrypted).toBe(true);
      expect(readFileSync(bundles[0].file).subarray(0, 21).toString()).toBe('age-encryption.org/v1');
    });
  });
});

/*
 * No secret on a command line or in the output: a watcher reads /proc/<pid>/cmdline of every
 * process every few ms while samctl export runs (as test/hardening/secrets.test.ts does), then
 * every store password of the exported identities and the bundle passphrase are looked for
 * in what it saw, in stdout/stderr and in the --json documents.
 */
describe('samctl export keeps secrets off command lines and out of its output', () => {
  it('with --passphrase-file, SAMCTL_BUNDLE_PASSPHRASE, --recipient and --json', async () => {
    const cwd = tempDir('samctl-export-secrets-');
    await samctlOk(['ca', 'init', '--key-size', '2048'], { cwd });
    await samctlOk(['broker', 'issue', 'k1.test', '--install-dir', '/ssl'], { cwd });
    await samctlOk(['client', 'issue', 'c1', '--install-dir', '/ssl', '--secrets', 'inline'], { cwd });
    const filePassphrase = `file-canary-${Math.random().toString(36).slice(2)}`;
    const envPassphrase = `env-canary-${Math.random().toString(36).slice(2)}`;
    writeFileSync(join(cwd, 'pp.txt'), `${filePassphrase}\n`, { mode: 0o600 });
    const outputs: string[] = [];
    const watcher = startWatcher();
    await new Promise((resolve) => setTimeout(resolve, 100));
    try {
      for (const [args, extra] of [
        [['export', 'k1.test', '--passphrase-file', 'pp.txt', '--out', 'a/'], {}],
        [['--json', 'export', 'k1.test', '--encrypt', '--out', 'b/'], { SAMCTL_BUNDLE_PASSPHRASE: envPassphrase }],
        [['--json', 'export', 'k1.test', 'c1', '--recipient', 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p', '--out', 'c'], {}],
        [['--json', 'export', 'k1.test', 'c1', '--out', 'd'], {}],
      ] as Array<[string[], Record<string, string>]>) {
        const result = await samctlOk(args, { cwd, env: extra });
        outputs.push(result.stdout, result.stderr);
      }
    } finally {
      void stopWatcher(watcher);
    }
    const { sweeps, cmdlines } = await watcher.done;
    expect(cmdlines.some((line) => line.includes('samctl.js') && line.includes('export'))).toBe(true); // it saw the runs
    const storePasswords = ['brokers/k1.test', 'clients/c1'].flatMap((dir) =>
      ['store.password', 'truststore.password'].map((file) => readFileSync(join(cwd, 'pki', dir, file), 'utf8').trim()),
    );
    for (const secret of [filePassphrase, envPassphrase, ...storePasswords]) {
      expect(secret.length).toBeGreaterThanOrEqual(16);
      expect(cmdlines.filter((line) => leaks(line, secret))).toEqual([]);
      expect(outputs.some((text) => text.includes(secret))).toBe(false);
    }
    // Each passphrase, as read from its source, is the one that decrypts (age on a terminal).
    for (const [dir, passphrase] of [['a', filePassphrase], ['b', envPassphrase]]) {
      const bundle = join(cwd, dir, 'k1.test.tar.age');
      expect(readFileSync(bundle).subarray(0, 21).toString()).toBe('age-encryption.org/v1');
      if (!hasAge) continue;
      const decrypted = await onTerminal(cwd, ['age', '-d', '-o', join(cwd, dir, 'k1.test.tar'), bundle], [['passphrase', passphrase]]);
      expect(decrypted.exitCode, decrypted.screen).toBe(0);
      expect((await tarListing(join(cwd, dir, 'k1.test.tar'))).map((entry) => entry.name)).toContain('broker-secrets.properties');
    }
    // The plain bundle does hold the inline config with its password, at 0600.
    expect((await tarListing(join(cwd, 'd', 'c1.tar'))).find((entry) => entry.name === 'client-ssl.properties')?.mode).toBe('-rw-------');
    console.log(`export secrets: ${sweeps} sweeps of /proc, ${cmdlines.length} distinct command lines`);
  }, 120_000);
});
