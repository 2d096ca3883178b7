import { describe, expect, it } from 'vitest';
import { rotationStatus } from '../../src/lifecycle/status.js';
import { recordRetirement, recordRotation } from '../../src/authority/rotation.js';
import { emptyInventory, recordCa, recordIdentities, type CaRecord, type IdentityRecord, type Inventory } from '../../src/store/inventory.js';

function ca(generation: number): CaRecord {
  return {
    serial: `0${generation}`,
    subject: generation === 1 ? 'CN=samctl Kafka CA,O=Ynformed' : `CN=samctl Kafka CA G${generation},O=Ynformed`,
    sha256: `CA${generation}`,
    notBefore: '2025-01-01T00:00:00.000Z',
    notAfter: '2035-01-01T00:00:00.000Z',
    keySize: 4096,
    createdAt: '2025-01-01T00:00:00.000Z',
    status: 'active',
  };
}

function identity(kind: 'broker' | 'client', name: string, issuerSha256: string, serial: string): IdentityRecord {
  return {
    kind,
    name,
    serial,
    subject: `CN=${name},O=Ynformed`,
    sans: kind === 'broker' ? [`DNS:${name}`] : [],
    notBefore: '2025-01-01T00:00:00.000Z',
    notAfter: '2026-01-01T00:00:00.000Z',
    sha256: `LEAF-${serial}`,
    issuerSha256,
    keySize: 2048,
    storeType: 'jks',
    dir: `${kind}s/${name}`,
    files: [],
    issuedAt: '2025-01-01T00:00:00.000Z',
    status: 'active',
  };
}

const cas = (inventory: Inventory) => inventory.cas.map((r) => `${r.sha256} ${r.status}`);
const identities = (inventory: Inventory) => inventory.identities.map((r) => `${r.kind} ${r.name} ${r.serial} ${r.issuerSha256} ${r.status}`);

describe('CA rotation, phase by phase', () => {
  // ca init, then two brokers and a client on CA1.
  const initial = recordIdentities(recordCa(emptyInventory(), ca(1)), [
    identity('broker', 'sam01.ynformed.nl', 'CA1', 's1'),
    identity('broker', 'sam02.ynformed.nl', 'CA1', 's2'),
    identity('client', 'prediction-service', 'CA1', 'c1'),
  ]);
  const rotated = recordRotation(initial, ca(2));
  const oneRenewed = recordIdentities(rotated, [identity('broker', 'sam01.ynformed.nl', 'CA2', 's1b')]);
  const allRenewed = recordIdentities(oneRenewed, [identity('broker', 'sam02.ynformed.nl', 'CA2', 's2b'), identity('client', 'prediction-service', 'CA2', 'c1b')]);
  const retired = recordRetirement(allRenewed);

  it('no rotation: no rotation status', () => {
    expect(cas(initial)).toEqual(['CA1 active']);
    expect(rotationStatus(initial)).toBeUndefined();
  });

  it('after ca rotate: the new CA active, the old one retiring, phase 1 with every identity still on the old CA pending', () => {
    expect(cas(rotated)).toEqual(['CA1 retiring', 'CA2 active']);
    expect(rotationStatus(rotated)).toEqual({
      phase: 1,
      description: 'CA rotation: phase 1 done (both CAs trusted); 3 identities still on the old CA: run samctl renew --all',
      retiring: ['CN=samctl Kafka CA,O=Ynformed'],
      pending: ['broker sam01.ynformed.nl', 'broker sam02.ynformed.nl', 'client prediction-service'],
    });
  });

  it('renewing one identity takes it off the pending list and supersedes its old record', () => {
    expect(identities(oneRenewed)).toEqual([
      'broker sam01.ynformed.nl s1 CA1 superseded',
      'broker sam02.ynformed.nl s2 CA1 active',
      'client prediction-service c1 CA1 active',
      'broker sam01.ynformed.nl s1b CA2 active',
    ]);
    expect(rotationStatus(oneRenewed)).toMatchObject({ phase: 1, pending: ['broker sam02.ynformed.nl', 'client prediction-service'] });
    expect(rotationStatus(oneRenewed)!.description).toBe(
      'CA rotation: phase 1 done (both CAs trusted); 2 identities still on the old CA: run samctl renew --all',
    );
  });

  it('every identity renewed: phase 2, nothing pending, the old CA still retiring', () => {
    expect(cas(allRenewed)).toEqual(['CA1 retiring', 'CA2 active']);
    expect(identities(allRenewed).filter((line) => line.endsWith(' active'))).toEqual([
      'broker sam01.ynformed.nl s1b CA2 active',
      'broker sam02.ynformed.nl s2b CA2 active',
      'client prediction-service c1b CA2 active',
    ]);
    expect(rotationStatus(allRenewed)).toEqual({
      phase: 2,
      description: 'CA rotation: phase 2 done (every identity on the new CA): run samctl ca retire',
      retiring: ['CN=samctl Kafka CA,O=Ynformed'],
      pending: [],
    });
  });

  it('after ca retire: the old CA retired, no rotation status, identities untouched', () => {
    expect(cas(retired)).toEqual(['CA1 retired', 'CA2 active']);
    expect(identities(retired)).toEqual(identities(allRenewed));
    expect(rotationStatus(retired)).toBeUndefined();
  });

  it('a second rotation retires only the then-active CA; the retired one stays retired', () => {
    const again = recordRotation(retired, ca(3));
    expect(cas(again)).toEqual(['CA1 retired', 'CA2 retiring', 'CA3 active']);
    expect(rotationStatus(again)).toMatchObject({ phase: 1, retiring: ['CN=samctl Kafka CA G2,O=Ynformed'] });
    expect(cas(recordRetirement(again))).toEqual(['CA1 retired', 'CA2 retired', 'CA3 active']);
  });

  it('recordCa (ca init --force) replaces the active CA outright: replaced, not retiring, so no rotation', () => {
    const replaced = recordCa(initial, ca(2));
    expect(cas(replaced)).toEqual(['CA1 replaced', 'CA2 active']);
    expect(rotationStatus(replaced)).toBeUndefined();
  });

  it('superseded and revoked identities on the old CA are not pending', () => {
    const revoked = { ...identity('client', 'old-service', 'CA1', 'r1'), status: 'revoked' as const };
    const inventory = recordRotation(recordIdentities(recordCa(emptyInventory(), ca(1)), [revoked]), ca(2));
    expect(rotationStatus(inventory)).toMatchObject({ phase: 2, pending: [] });
  });

  it('recording never changes the inventory it is given', () => {
    const before = structuredClone(initial);
    recordRotation(initial, ca(2));
    recordRetirement(rotated);
    recordIdentities(initial, [identity('broker', 'sam01.ynformed.nl', 'CA1', 'x')]);
    recordCa(initial, ca(2));
    expect(initial).toEqual(before);
  });
});
