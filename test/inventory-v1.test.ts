import { chmodSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { samctl, samctlOk, snapshotTree, tempDir } from './helpers/samctl.js';

/**
 * A PKI directory written by samctl before the inventory had a schema version beyond 1
 * (test/fixtures/v1-pki, see test/fixtures/README.md) keeps working: read, verified,
 * renewed and extended; the inventory is migrated forward when samctl next writes it.
 */
const FIXTURE = new URL('./fixtures/v1-pki/', import.meta.url).pathname;
// The fixture was written at 2026-11-29T09:00Z; its certificates run for 3000 days.
const env = { SAMCTL_NOW: '2027-01-15T12:00:00Z' };

function copyFixture(): string {
  const cwd = tempDir('samctl-v1-');
  const dir = join(cwd, 'pki');
  cpSync(FIXTURE, dir, { recursive: true });
  // git keeps no modes: restore what samctl wrote
  for (const file of ['ca/ca.key', 'ca/truststore.password', 'samctl.json', 'brokers/sam01.ynformed.nl/broker.key', 'brokers/sam01.ynformed.nl/keystore.jks', 'brokers/sam01.ynformed.nl/store.password']) chmodSync(join(dir, file), 0o600);
  return cwd;
}

describe('a version-1 inventory from an earlier samctl', () => {
  it('is read by status and verify as it is, and left unchanged by them', async () => {
    const cwd = copyFixture();
    const before = snapshotTree(join(cwd, 'pki'));
    const status = await samctlOk(['status', '--json'], { cwd, env });
    const entries = JSON.parse(status.stdout).entries as Array<{ kind: string; name: string; state: string }>;
    expect(entries.map((entry) => `${entry.kind} ${entry.name} ${entry.state}`)).toEqual([
      'ca ca ok',
      'broker sam01.ynformed.nl ok',
      'client console ok',
      'client prediction-service ok',
    ]);
    await samctlOk(['verify'], { cwd, env });
    expect(snapshotTree(join(cwd, 'pki'))).toEqual(before);
  });

  it('renews and issues into it; the inventory is then written as version 2 with every record kept', async () => {
    const cwd = copyFixture();
    const old = JSON.parse(readFileSync(join(cwd, 'pki/samctl.json'), 'utf8'));
    expect(old.version).toBe(1);
    await samctlOk(['renew', 'sam01.ynformed.nl', 'console'], { cwd, env });
    await samctlOk(['client', 'issue', 'newcomer'], { cwd, env });
    const inventory = JSON.parse(readFileSync(join(cwd, 'pki/samctl.json'), 'utf8'));
    expect(inventory.version).toBe(2);
    expect(inventory.settings).toEqual({ backend: 'directory' });
    expect(inventory.cas).toEqual(old.cas);
    const active = inventory.identities.filter((record: { status: string }) => record.status === 'active');
    expect(active.map((record: { name: string; secrets: string }) => `${record.name} ${record.secrets}`).sort()).toEqual([
      'console inline',
      'newcomer file',
      'prediction-service inline',
      'sam01.ynformed.nl inline',
    ]);
    // identities from version 1 keep their inline passwords; new ones get the default, a secrets file
    // the renewed broker keeps its store password (automation reads it) and its SANs
    const password = readFileSync(join(cwd, 'pki/brokers/sam01.ynformed.nl/store.password'), 'utf8');
    expect(password).toBe(readFileSync(join(FIXTURE, 'brokers/sam01.ynformed.nl/store.password'), 'utf8'));
    await samctlOk(['verify'], { cwd, env });
    const status = await samctlOk(['status', '--json'], { cwd, env });
    expect(JSON.parse(status.stdout).entries.every((entry: { state: string }) => entry.state === 'ok')).toBe(true);
  });

  it('an inventory from a newer samctl is refused with one line, and nothing changes', async () => {
    const cwd = copyFixture();
    const path = join(cwd, 'pki/samctl.json');
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), version: 99 }));
    const before = snapshotTree(join(cwd, 'pki'));
    for (const args of [['status'], ['client', 'issue', 'x'], ['renew', '--all']]) {
      const result = await samctl(args, { cwd, env });
      expect(result.exitCode, args.join(' ')).toBe(1);
      expect(result.stderr).toMatch(/samctl\.json was written by a newer samctl \(inventory version 99; this samctl knows up to 2\)/);
      expect(result.stderr).toMatch(/hint: upgrade samctl/);
      expect(result.stderr).not.toMatch(/unexpected error/);
    }
    expect(snapshotTree(join(cwd, 'pki'))).toEqual(before);
  });
});
