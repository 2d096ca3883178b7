import { describe, expect, it } from 'vitest';
import { selectForRenewal } from '../../src/lifecycle/renew.js';
import type { Threshold } from '../../src/lifecycle/threshold.js';
import type { IdentityRecord } from '../../src/store/inventory.js';

const NOW = new Date('2025-06-01T00:00:00.000Z');
const SHARE_66: Threshold = { kind: 'share', fraction: 0.66, text: '66%' };
const WINDOW_30D: Threshold = { kind: 'window', ms: 30 * 86_400_000, text: '30d' };

function record(kind: 'broker' | 'client', name: string, notBefore: string, notAfter: string, status: IdentityRecord['status'] = 'active'): IdentityRecord {
  return {
    kind,
    name,
    serial: `${name}-${status}`,
    subject: `CN=${name},O=Ynformed`,
    sans: kind === 'broker' ? [`DNS:${name}`] : [],
    notBefore,
    notAfter,
    sha256: `sha-${name}-${status}`,
    issuerSha256: 'sha-ca',
    keySize: 2048,
    storeType: 'jks',
    dir: `${kind}s/${name}`,
    files: [],
    issuedAt: notBefore,
    status,
  };
}

// Lifetimes of one year (2025-01-01 → 2026-01-01) unless stated; at NOW 151 of 365 days (41%) have passed.
const fresh = record('broker', 'sam01.ynformed.nl', '2025-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
// 2024-07-01 → 2025-07-01: 335 of 365 days passed (92%), 30 days left exactly.
const due = record('broker', 'sam02.ynformed.nl', '2024-07-01T00:00:00.000Z', '2025-07-01T00:00:00.000Z');
// Ended a day before NOW.
const expired = record('client', 'prediction-service', '2024-05-31T00:00:00.000Z', '2025-05-31T00:00:00.000Z');
// 2024-09-01 → 2025-09-01: 273 of 365 days passed (74.8%), 92 days left.
const dueByShareOnly = record('client', 'billing', '2024-09-01T00:00:00.000Z', '2025-09-01T00:00:00.000Z');
// An old record of sam03 that a renewal replaced: expired, but superseded.
const supersededOld = record('broker', 'sam03.ynformed.nl', '2024-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', 'superseded');
const sam03 = record('broker', 'sam03.ynformed.nl', '2025-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
const revoked = record('client', 'old-service', '2024-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', 'revoked');

const inventory = [fresh, due, expired, dueByShareOnly, supersededOld, sam03, revoked];
const names = (selected: IdentityRecord[]) => selected.map((r) => `${r.kind} ${r.name} ${r.status} ${r.notAfter.slice(0, 10)}`);

describe('selectForRenewal', () => {
  it('by default: every active identity that is due or expired under the threshold', () => {
    expect(names(selectForRenewal(inventory, { names: [], all: false, threshold: SHARE_66, now: NOW }))).toEqual([
      'broker sam02.ynformed.nl active 2025-07-01',
      'client prediction-service active 2025-05-31',
      'client billing active 2025-09-01',
    ]);
    expect(names(selectForRenewal(inventory, { names: [], all: false, threshold: WINDOW_30D, now: NOW }))).toEqual([
      'broker sam02.ynformed.nl active 2025-07-01',
      'client prediction-service active 2025-05-31',
    ]);
  });

  it('--all: every active identity, due or not; superseded and revoked records never', () => {
    expect(names(selectForRenewal(inventory, { names: [], all: true, threshold: SHARE_66, now: NOW }))).toEqual([
      'broker sam01.ynformed.nl active 2026-01-01',
      'broker sam02.ynformed.nl active 2025-07-01',
      'client prediction-service active 2025-05-31',
      'client billing active 2025-09-01',
      'broker sam03.ynformed.nl active 2026-01-01',
    ]);
  });

  it('names: exactly the named active identities, whether due or not, ignoring --all and the threshold', () => {
    expect(names(selectForRenewal(inventory, { names: ['sam01.ynformed.nl', 'billing'], all: false, threshold: WINDOW_30D, now: NOW }))).toEqual([
      'broker sam01.ynformed.nl active 2026-01-01',
      'client billing active 2025-09-01',
    ]);
    expect(names(selectForRenewal(inventory, { names: ['sam01.ynformed.nl'], all: true, threshold: SHARE_66, now: NOW }))).toEqual([
      'broker sam01.ynformed.nl active 2026-01-01',
    ]);
  });

  it('a name with a superseded record yields only its active record; a revoked or unknown name yields nothing', () => {
    expect(names(selectForRenewal(inventory, { names: ['sam03.ynformed.nl'], all: false, threshold: SHARE_66, now: NOW }))).toEqual([
      'broker sam03.ynformed.nl active 2026-01-01',
    ]);
    expect(selectForRenewal(inventory, { names: ['old-service', 'nobody'], all: false, threshold: SHARE_66, now: NOW })).toEqual([]);
  });

  it('nothing due: an empty selection; an empty inventory: an empty selection', () => {
    expect(selectForRenewal([fresh, sam03, supersededOld], { names: [], all: false, threshold: SHARE_66, now: NOW })).toEqual([]);
    expect(selectForRenewal([], { names: [], all: true, threshold: SHARE_66, now: NOW })).toEqual([]);
  });

  it('returns the records themselves, unchanged', () => {
    const before = structuredClone(inventory);
    const [selected] = selectForRenewal(inventory, { names: ['billing'], all: false, threshold: SHARE_66, now: NOW });
    expect(selected).toBe(dueByShareOnly);
    expect(inventory).toEqual(before);
  });
});
