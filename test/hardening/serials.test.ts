import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { samctlOk, tool } from '../helpers/samctl.js';
import { smallPki } from './support.js';

/** Serials: positive, at least 128 random bits, unique, as openssl reads them from the certificates. */
describe('certificate serial numbers', () => {
  it('are unique, positive and carry at least 128 random bits', async () => {
    const dir = await smallPki();
    const cwd = join(dir, '..');
    const hosts = Array.from({ length: 12 }, (_, i) => `s${i}.example.org`);
    await samctlOk(['--dir', dir, 'broker', 'issue', ...hosts, '--store-type', 'pem'], { cwd });
    await samctlOk(['--dir', dir, 'renew', '--all'], { cwd });
    await samctlOk(['--dir', dir, 'renew', '--all', '--keep-key'], { cwd });
    const files = [join(dir, 'ca', 'ca.crt')];
    for (const host of hosts) files.push(join(dir, 'brokers', host, 'broker.crt'));
    const backups = (await tool('find', [join(dir, 'backups'), '-name', 'broker.crt'])).stdout.split('\n').filter(Boolean);
    files.push(...backups);

    const serials: string[] = [];
    let minBits = Infinity;
    for (const file of files) {
      const { stdout } = await tool('openssl', ['x509', '-in', file, '-noout', '-serial']);
      const hex = /^serial=([0-9A-F]+)$/m.exec(stdout)![1];
      serials.push(hex);
      // DER INTEGER content is positive: openssl prints no sign, and the top bit of the first byte is clear
      expect(stdout).not.toMatch(/serial=-/);
      expect(parseInt(hex.slice(0, 2), 16) & 0x80).toBe(0);
      const bits = BigInt(`0x${hex}`).toString(2).length;
      minBits = Math.min(minBits, bits);
    }
    expect(files.length).toBe(1 + 12 * 3);
    expect(new Set(serials).size).toBe(serials.length);
    // 134 random bits by construction (17 bytes, top bit cleared, low bit of the first byte set): the
    // magnitude is at least 2^128, so at least 129 significant bits
    expect(minBits).toBeGreaterThanOrEqual(129);
    // the bits vary: every one of the 128 low bit positions takes both values across the 37 serials
    const low = serials.map((hex) => BigInt(`0x${hex}`) & ((1n << 128n) - 1n));
    const varying = Array.from({ length: 128 }, (_, bit) => new Set(low.map((v) => (v >> BigInt(bit)) & 1n)).size === 2).filter(Boolean).length;
    expect(varying).toBeGreaterThanOrEqual(120);
    console.log(`serials: ${serials.length} certificates, all distinct, shortest ${minBits} significant bits, ${varying}/128 low bit positions vary`);
  }, 300_000);
});
