import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { samctl, samctlOk } from '../helpers/samctl.js';
import { readJson, smallPki } from './support.js';

/** 20 `client issue` started at once on one PKI: they queue on the lock and all succeed. */
describe('parallel runs on one PKI directory', () => {
  it('20 client issue at once: all exit 0, 20 distinct serials, all 20 in a valid inventory', async () => {
    const dir = await smallPki();
    const cwd = join(dir, '..');
    const names = Array.from({ length: 20 }, (_, i) => `parallel-${String(i).padStart(2, '0')}`);
    const started = Date.now();
    const results = await Promise.all(names.map((name) => samctl(['--dir', dir, '--json', 'client', 'issue', name, '--store-type', 'pem'], { cwd })));
    const failures = results.map((r, i) => ({ name: names[i], ...r })).filter((r) => r.exitCode !== 0);
    expect(failures.map((f) => `${f.name}: ${f.exitCode} ${f.stderr}`)).toEqual([]);

    const serials = results.map((r) => (JSON.parse(r.stdout) as { issued: Array<{ serial: string }> }).issued[0].serial);
    expect(new Set(serials).size).toBe(20);

    const inventory = readJson<{ identities: Array<{ name: string; serial: string; status: string }> }>(join(dir, 'samctl.json'));
    const listed = inventory.identities.filter((record) => record.name.startsWith('parallel-') && record.status === 'active');
    expect(listed.map((record) => record.name).sort()).toEqual(names);
    expect(new Set(listed.map((record) => record.serial))).toEqual(new Set(serials));
    console.log(`concurrency: 20 parallel client issue runs in ${Math.round((Date.now() - started) / 1000)} s, 20 distinct serials`);
    await samctlOk(['--dir', dir, 'verify', ...names.slice(0, 3)], { cwd });
  }, 400_000);
});
