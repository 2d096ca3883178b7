import { readFile } from 'node:fs/promises';
import pLimit from 'p-limit';
import { fingerprintSha256 } from '../pki/inspect.js';
import { principalFor, type PrincipalRules } from '../pki/principal.js';
import { saslPrincipal, type KerberosRealms } from '../pki/sasl-principal.js';
import { brokerKerberosRealms } from './principals.js';
import { subjectRfc2253 } from '../pki/rfc2253.js';
import { principalRulesOf, type AclAsk, type Inventory, type IdentityRecord } from '../store/inventory.js';
import { identityFileNames, type PkiLayout } from '../store/layout.js';
import { kafkaMechanismName } from '../pki/scram.js';
import { saslMechanisms } from '../store/inventory.js';
import { parseCaCertificateText } from '../store/read.js';
import { driftOf, readIdentityOnDisk } from './on-disk.js';
import { daysLeft, expiryState, type Threshold } from './threshold.js';
import { crlState } from './revoke.js';

export type EntryState = 'ok' | 'due' | 'expired' | 'missing' | 'drifted' | 'revoked';

export interface StatusEntry {
  kind: 'ca' | 'crl' | 'broker' | 'client';
  name: string;
  subject: string;
  sans: string[];
  serial: string;
  notAfter: string;
  daysLeft: number;
  state: EntryState;
  detail?: string;
  dir?: string;
  /** Brokers with the KRaft authorizer lines. */
  authorizer?: boolean;
  /** Clients in super.users. */
  admin?: boolean;
  /** Clients: the grants last applied with samctl acl --apply. */
  acl?: AclAsk;
  /** Identities: the broker's principal under the PKI's mapping rules; null when the broker refuses the DN. */
  principal?: string | null;
  /** Why there is no principal (no rule matches). */
  principalError?: string;
  /** SASL identities: how they authenticate on the SASL_SSL listener (`GSSAPI as User:alice`, broker: `SASL_SSL :9093 GSSAPI`). */
  sasl?: string;
}

/** Every active CA and identity, as the inventory lists it and as the files on disk say. */
export async function collectStatus(layout: PkiLayout, inventory: Inventory, now: Date, threshold: Threshold): Promise<StatusEntry[]> {
  const entries: StatusEntry[] = [];
  const caPem = await readFile(layout.caCert, 'utf8').catch(() => undefined);
  for (const ca of inventory.cas.filter((record) => record.status === 'active')) {
    const cert = caPem === undefined ? undefined : parseCaCertificateText(caPem, layout.caCert, `restore it from ${layout.backups}/ca-*/ or your own copy of the CA`);
    const base = { kind: 'ca' as const, name: 'ca', subject: ca.subject, sans: [], serial: ca.serial, notAfter: ca.notAfter, daysLeft: daysLeft(new Date(ca.notAfter), now) };
    if (!cert) entries.push({ ...base, state: 'missing', detail: 'ca/ca.crt is missing' });
    else if (fingerprintSha256(cert) !== ca.sha256) entries.push({ ...base, state: 'drifted', detail: 'ca/ca.crt differs from the inventory' });
    else entries.push({ ...base, state: expiryState(cert.validity, now, threshold) });
  }

  const active = inventory.identities.filter((record) => record.status === 'active');
  const limit = pLimit(2);
  const rules = principalRulesOf(inventory, layout.inventory);
  const identityEntries = await Promise.all(active.map((record) => limit(() => identityStatus(layout, record, now, threshold, rules, brokerKerberosRealms(inventory)))));
  return [...entries, ...(await crlStatus(layout, inventory, now)), ...identityEntries, ...revokedStatus(inventory, rules, now)];
}

/** The published CRL: due when its next update is near (samctl crl re-signs it), missing when ca/crl.pem is gone. */
async function crlStatus(layout: PkiLayout, inventory: Inventory, now: Date): Promise<StatusEntry[]> {
  if (!inventory.crl) return [];
  const { number, nextUpdate } = inventory.crl;
  const base = { kind: 'crl' as const, name: `crl #${number}`, subject: '', sans: [], serial: String(number), notAfter: nextUpdate, daysLeft: daysLeft(new Date(nextUpdate), now) };
  const present = await readFile(layout.caCrl, 'utf8').then(() => true, () => false);
  if (!present) return [{ ...base, state: 'missing', detail: 'ca/crl.pem is missing: samctl crl publishes it anew' }];
  const state = crlState(new Date(nextUpdate), now);
  return [{ ...base, state, ...(state === 'ok' ? {} : { detail: 'next update near or past: run samctl crl' }) }];
}

/** Revoked identities, newest revocation per name (a name revoked is not reused). */
function revokedStatus(inventory: Inventory, rules: PrincipalRules, now: Date): StatusEntry[] {
  return inventory.identities
    .filter((record) => record.status === 'revoked')
    .map((record) => ({
      kind: record.kind,
      name: record.name,
      subject: record.subject,
      sans: record.sans,
      serial: record.serial,
      notAfter: record.notAfter,
      daysLeft: daysLeft(new Date(record.notAfter), now),
      dir: record.dir,
      state: 'revoked' as const,
      detail: `revoked ${record.revokedAt!.slice(0, 10)}${record.revocationReason ? ` (${record.revocationReason})` : ''}`,
      principal: (saslPrincipal(record, brokerKerberosRealms(inventory)) ?? principalFor(rules, record.subject)).principal,
    }));
}

async function identityStatus(layout: PkiLayout, record: IdentityRecord, now: Date, threshold: Threshold, rules: PrincipalRules, realms: KerberosRealms | undefined): Promise<StatusEntry> {
  const disk = await readIdentityOnDisk(layout, record, { keystore: true });
  // The DN the broker sees is the certificate's (an inventory written before samctl printed DNs as
  // Java does may hold another spelling); the inventory's when the certificate cannot be read.
  const subject = disk.cert ? subjectRfc2253(disk.cert) : record.subject;
  // A SASL client's principal is its SASL one (what ACLs name); everything else: the DN under the mapping rules.
  const principal = (record.kind === 'client' ? saslPrincipal(record, realms) : undefined) ?? principalFor(rules, subject);
  const base = {
    kind: record.kind,
    name: record.name,
    subject,
    sans: record.sans,
    serial: record.serial,
    notAfter: record.notAfter,
    daysLeft: daysLeft(new Date(record.notAfter), now),
    dir: record.dir,
    ...(record.authorizer ? { authorizer: true } : {}),
    ...(record.admin ? { admin: true } : {}),
    ...(record.acl ? { acl: record.acl } : {}),
    principal: principal.principal,
    ...(principal.error ? { principalError: principal.error } : {}),
    ...(record.sasl ? { sasl: saslSummary(record) } : {}),
  };
  const missing = [...disk.missing, ...(await missingKeytab(layout, record))];
  if (missing.length > 0) return { ...base, state: 'missing', detail: `missing ${missing.join(', ')}` };
  const drift = driftOf(record, disk) ?? disk.problems[0];
  if (drift) return { ...base, state: 'drifted', detail: drift };
  return { ...base, state: expiryState(disk.cert!.validity, now, threshold) };
}

/** 1 when something is broken (missing, drifted), 3 when something is due or expired, else 0. */
export function statusExitCode(entries: StatusEntry[]): number {
  if (entries.some((entry) => entry.state === 'missing' || entry.state === 'drifted')) return 1;
  if (entries.some((entry) => entry.state === 'due' || entry.state === 'expired')) return 3;
  return 0;
}

export interface RotationStatus {
  phase: 1 | 2;
  description: string;
  retiring: string[];
  /** Identities still holding a certificate from a retiring CA. */
  pending: string[];
}

/** Where a CA rotation stands: phase 1 done (renew --all pending) or phase 2 done (ready to retire). */
export function rotationStatus(inventory: Inventory): RotationStatus | undefined {
  const retiring = inventory.cas.filter((record) => record.status === 'retiring');
  if (retiring.length === 0) return undefined;
  const old = new Set(retiring.map((record) => record.sha256));
  const pending = inventory.identities.filter((record) => record.status === 'active' && old.has(record.issuerSha256)).map((record) => `${record.kind} ${record.name}`);
  return pending.length > 0
    ? { phase: 1, description: `CA rotation: phase 1 done (both CAs trusted); ${pending.length} identities still on the old CA: run samctl renew --all`, retiring: retiring.map((r) => r.subject), pending }
    : { phase: 2, description: 'CA rotation: phase 2 done (every identity on the new CA): run samctl ca retire', retiring: retiring.map((r) => r.subject), pending };
}

/** How a SASL identity authenticates: the broker's listener and mechanisms, or the client's mechanism and Kafka user. */
function saslSummary(record: IdentityRecord): string {
  const sasl = record.sasl!;
  const mechanisms = saslMechanisms(sasl).map(kafkaMechanismName).join(',');
  if (record.kind === 'broker') return `SASL_SSL :${sasl.port ?? 9093} ${mechanisms}`;
  return sasl.kerberos ? `${mechanisms} as ${sasl.kerberos.principal}` : `${mechanisms} as user ${record.name}`;
}

/** A GSSAPI identity without its keytab cannot log in: reported like a missing key. */
async function missingKeytab(layout: PkiLayout, record: IdentityRecord): Promise<string[]> {
  if (!record.sasl?.kerberos) return [];
  const name = identityFileNames(record.kind, record.storeType, { sasl: record.sasl }).keytab!;
  try {
    await readFile(layout.identityFile(record.kind, record.name, name));
    return [];
  } catch {
    return [name];
  }
}
