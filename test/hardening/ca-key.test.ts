import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CA_PASSWORD, samctl, tempDir, tool } from '../helpers/samctl.js';
import { smallPki } from './support.js';

/** The CA key at rest: PBES2 + PBKDF2 (>= 100k iterations) + AES-256-CBC; never plain on disk. */
describe('CA key at rest', () => {
  it('is PBES2 / PBKDF2-HMAC-SHA256 / AES-256-CBC with at least 100k iterations, and never written unencrypted', async () => {
    const dir = await smallPki();
    const keyFile = join(dir, 'ca', 'ca.key');
    const pem = readFileSync(keyFile, 'utf8');
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\r?\n/);
    expect(pem).not.toMatch(/BEGIN (RSA )?PRIVATE KEY/);
    const { stdout } = await tool('openssl', ['asn1parse', '-in', keyFile]);
    expect(stdout).toContain(':PBES2');
    expect(stdout).toContain(':PBKDF2');
    expect(stdout).toContain(':aes-256-cbc');
    expect(stdout).toContain(':hmacWithSHA256');
    // PBKDF2-params: SEQUENCE { salt OCTET STRING, iterationCount INTEGER, ... }
    const iterations = parseInt(/PBKDF2[\s\S]*?OCTET STRING[^\n]*\n[^\n]*INTEGER\s*:([0-9A-F]+)/.exec(stdout)![1], 16);
    expect(iterations).toBeGreaterThanOrEqual(100_000);
    console.log(`ca key: PBES2, PBKDF2-HMAC-SHA256, ${iterations} iterations, AES-256-CBC`);
    // openssl opens it with the passphrase and only with it
    const ok = await tool('openssl', ['pkey', '-in', keyFile, '-passin', 'env:P', '-noout'], { env: { P: CA_PASSWORD } });
    expect(ok.exitCode).toBe(0);
    const wrong = await tool('openssl', ['pkey', '-in', keyFile, '-passin', 'pass:wrong', '-noout'], { reject: false });
    expect(wrong.exitCode).not.toBe(0);
    // no unencrypted key anywhere in ca/ or in the backups of a replaced CA
    const cwd = join(dir, '..');
    const again = await samctl(['--dir', dir, '--force', 'ca', 'init', '--key-size', '2048'], { cwd });
    expect(again.exitCode).toBe(0);
    const all = (await tool('grep', ['-rl', 'PRIVATE KEY', join(dir, 'ca'), join(dir, 'backups')], { reject: false })).stdout.split('\n').filter(Boolean);
    for (const file of all) expect(readFileSync(file, 'utf8'), file).not.toMatch(/BEGIN (RSA )?PRIVATE KEY/);
    expect(all.length).toBe(2);
  }, 180_000);

  it('a wrong passphrase (exit 2) is told apart from a damaged key file (exit 1)', async () => {
    const base = await smallPki();
    const copy = (mutate?: (keyFile: string) => void) => {
      const dir = join(tempDir('samctl-cakey-'), 'pki');
      cpSync(base, dir, { recursive: true });
      mutate?.(join(dir, 'ca', 'ca.key'));
      return dir;
    };
    const flip = (offsetFromEnd: number) => (keyFile: string) => {
      const lines = readFileSync(keyFile, 'utf8').trim().split('\n');
      const der = Buffer.from(lines.slice(1, -1).join(''), 'base64');
      der[der.length - offsetFromEnd] ^= 0x5a;
      const body = der.toString('base64').replace(/.{1,64}/g, '$&\n');
      writeFileSync(keyFile, `${lines[0]}\n${body}${lines.at(-1)}\n`);
    };
    const issue = (dir: string, passphrase = CA_PASSWORD) => samctl(['--dir', dir, 'client', 'issue', 'x'], { cwd: join(dir, '..'), env: { SAMCTL_CA_PASSWORD: passphrase } });

    const wrong = await issue(copy(), 'not the passphrase');
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toMatch(/^samctl: wrong CA passphrase\n/);

    // the last cipher block damaged: OpenSSL itself reports "bad decrypt", as for a wrong passphrase
    for (const [what, dir] of [
      ['last block', copy(flip(3))],
      ['middle', copy(flip(200))],
      ['truncated', copy((file) => writeFileSync(file, readFileSync(file, 'utf8').slice(0, 900) + '\n-----END ENCRYPTED PRIVATE KEY-----\n'))],
    ] as const) {
      for (const passphrase of [CA_PASSWORD, 'not the passphrase']) {
        const result = await issue(dir, passphrase);
        expect(result.exitCode, `${what}: ${result.stderr}`).toBe(1);
        expect(result.stderr, what).toMatch(/^samctl: .*ca\.key is damaged/);
        expect(result.stderr).not.toMatch(/wrong CA passphrase/);
      }
    }
  }, 180_000);
});
