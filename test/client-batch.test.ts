import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CA_PASSWORD, SAMCTL, samctl, samctlOk, snapshotTree, tempDir, tool } from './helpers/samctl.js';

/**
 * `client issue <name>…`: several clients in one call, behind one CA unlock.
 *
 * The unlock is proven twice over, from outside samctl's code:
 * - the passphrase comes from a FIFO that is written exactly once: a second read would open
 *   a pipe nobody writes to and hang, and the run would be killed by its timeout;
 * - a preload counts the CA key decryptions in the process: one for three clients (and one
 *   for one client, so the counter is seen to count).
 */
const work = tempDir('samctl-client-batch-');
const dir = join(work, 'pki');
const COUNTER = join(work, 'count-unlocks.cjs');
const NAMES = ['billing', 'audit', 'reporting'];

// Every way this process could decrypt the CA key: OpenSSL given the passphrase
// (createPrivateKey on an encrypted PEM) or a PBKDF2 at the CA key's iteration count (forge's
// routed PBKDF2). Each call is passed through unchanged and noted in $UNLOCK_LOG.
writeFileSync(
  COUNTER,
  `const crypto = require('node:crypto');
const { syncBuiltinESMExports } = require('node:module');
const { appendFileSync } = require('node:fs');
const note = (what) => appendFileSync(process.env.UNLOCK_LOG, what + '\\n');
const createPrivateKey = crypto.createPrivateKey;
crypto.createPrivateKey = function (input, ...rest) {
  const pem = typeof input === 'object' && input !== null && !Buffer.isBuffer(input) ? input.key : input;
  if (input && input.passphrase !== undefined && String(pem).includes('ENCRYPTED PRIVATE KEY')) note('createPrivateKey');
  return createPrivateKey.call(this, input, ...rest);
};
for (const name of ['pbkdf2', 'pbkdf2Sync']) {
  const original = crypto[name];
  crypto[name] = function (password, salt, iterations, ...rest) {
    if (iterations >= 600000) note(name + ' ' + iterations);
    return original.call(this, password, salt, iterations, ...rest);
  };
}
syncBuiltinESMExports();
`,
);

/** Runs samctl with the passphrase in a FIFO written once, counting the CA key decryptions. */
async function issueThroughFifo(args: string[], tag: string): Promise<{ exitCode: number; stderr: string; stdout: string; unlocks: string[] }> {
  const fifo = join(work, `${tag}.pass`);
  const log = join(work, `${tag}.unlocks`);
  writeFileSync(log, '');
  execFileSync('mkfifo', ['-m', '600', fifo]);
  // Opening for writing waits for samctl to open the FIFO for reading; then one write and EOF.
  const writer = createWriteStream(fifo);
  writer.end(`${CA_PASSWORD}\n`);
  const result = await execa(process.execPath, ['--require', COUNTER, SAMCTL, '--dir', dir, ...args, '--ca-password-file', fifo], {
    cwd: work,
    env: { NO_COLOR: '1', SAMCTL_CA_PASSWORD: undefined, UNLOCK_LOG: log },
    extendEnv: true,
    reject: false,
    input: '',
    timeout: 45_000,
  });
  writer.destroy();
  const unlocks = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  // A second read of the passphrase opens a FIFO nobody writes to again: the run hangs and is killed.
  const stderr = result.timedOut ? `killed after 45 s: did samctl read the passphrase FIFO twice?\n${String(result.stderr)}` : String(result.stderr);
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr, unlocks };
}

describe('client issue with several names', () => {
  beforeAll(async () => {
    await samctlOk(['--dir', dir, 'ca', 'init', '--key-size', '2048'], { cwd: work });
  }, 60_000);

  it('issues three clients in one call: one passphrase read, one CA unlock, distinct serials, each verifies with openssl', async () => {
    const result = await issueThroughFifo(['--json', 'client', 'issue', ...NAMES, '--ou', 'data-team', '--days', '30', '--store-type', 'pem'], 'three');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.unlocks, 'CA key decryptions').toHaveLength(1);

    const report = JSON.parse(result.stdout) as { issued: Array<{ name: string; serial: string; principal: string }> };
    expect(report.issued.map((identity) => identity.name)).toEqual(NAMES);
    const serials = new Set<string>();
    for (const name of NAMES) {
      const clientDir = join(dir, 'clients', name);
      const crt = join(clientDir, 'client.crt');
      const verified = await tool('openssl', ['verify', '-x509_strict', '-purpose', 'sslclient', '-CAfile', join(dir, 'ca', 'ca.crt'), crt]);
      expect(verified.stdout).toContain(': OK');
      // --ou and --days apply to each; the CN is each one's own name
      const subject = (await tool('openssl', ['x509', '-in', crt, '-noout', '-subject', '-nameopt', 'RFC2253'])).stdout;
      expect(subject).toMatch(new RegExp(`CN=${name},OU=data-team`));
      const dates = (await tool('openssl', ['x509', '-in', crt, '-noout', '-startdate', '-enddate'])).stdout;
      const [start, end] = [...dates.matchAll(/=(.*)/g)].map((match) => Date.parse(match[1]));
      expect(Math.round((end - start) / 86_400_000)).toBe(30);
      // the key belongs to the certificate
      const certKey = (await tool('openssl', ['x509', '-in', crt, '-noout', '-pubkey'])).stdout;
      const ownKey = (await tool('openssl', ['pkey', '-in', join(clientDir, 'client.key'), '-pubout'])).stdout;
      expect(ownKey).toBe(certKey);
      serials.add((await tool('openssl', ['x509', '-in', crt, '-noout', '-serial'])).stdout.trim());
    }
    expect(serials.size).toBe(3);
    expect(new Set(report.issued.map((identity) => identity.serial)).size).toBe(3);

    const status = await samctlOk(['--dir', dir, '--json', 'status'], { cwd: work });
    const listed = (JSON.parse(status.stdout) as { entries: Array<{ name: string; state: string }> }).entries.filter((entry) => entry.state === 'ok').map((entry) => entry.name);
    for (const name of NAMES) expect(listed).toContain(name);
  }, 120_000);

  it('one client also costs one unlock (the counter sees every unlock)', async () => {
    const result = await issueThroughFifo(['client', 'issue', 'single', '--store-type', 'pem'], 'one');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.unlocks).toHaveLength(1);
  }, 60_000);

  it('shows one progress line per client on a terminal; none without one', async () => {
    const driver = new URL('./helpers/pty_driver.py', import.meta.url).pathname;
    const env = { ...process.env, CI: undefined, SAMCTL_CA_PASSWORD: CA_PASSWORD, NO_COLOR: '1', TERM: 'xterm' };
    const shown = await execa('python3', [driver, '[]', process.execPath, SAMCTL, '--dir', dir, 'client', 'issue', 'tty-1', 'tty-2', '--store-type', 'pkcs12'], {
      cwd: work,
      env,
      extendEnv: false,
      reject: false,
    });
    expect(shown.exitCode, String(shown.stdout)).toBe(0);
    for (const n of [1, 2]) expect(String(shown.stdout)).toMatch(new RegExp(`\\[${n}/2\\] client tty-\\d issued`));
    const piped = await samctlOk(['--dir', dir, 'client', 'issue', 'pipe-1', 'pipe-2', '--store-type', 'pkcs12'], { cwd: work });
    expect(piped.stderr).not.toMatch(/\[\d\/2\]/);
  }, 60_000);

  it('refuses --cn with two names: exit 2, one line and a hint, nothing written', async () => {
    const before = snapshotTree(dir);
    const result = await samctl(['--dir', dir, 'client', 'issue', 'one', 'two', '--cn', 'shared'], { cwd: work });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^samctl: --cn names one identity, but 2 clients are given\nhint: .+\n?$/);
    expect(snapshotTree(dir)).toEqual(before);
    expect(existsSync(join(dir, 'clients', 'one'))).toBe(false);
  }, 30_000);

  it('refuses a name given twice, and a batch with one existing name, before anything is written', async () => {
    const before = snapshotTree(dir);
    const twice = await samctl(['--dir', dir, 'client', 'issue', 'fresh', 'fresh'], { cwd: work });
    expect(twice.exitCode).toBe(2);
    expect(twice.stderr).toMatch(/^samctl: client fresh is given twice\nhint: /);
    const existing = await samctl(['--dir', dir, 'client', 'issue', 'fresh', 'audit'], { cwd: work });
    expect(existing.exitCode).toBe(2);
    expect(existing.stderr).toMatch(/client audit already exists/);
    expect(snapshotTree(dir)).toEqual(before);
  }, 30_000);
});
