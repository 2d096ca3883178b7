import { usageError } from '../errors.js';
import type { CrlEntry, CrlReason, CrlWindow } from '../authority/signer.js';
import { shellLine, type AclBinding } from '../kafka/acl-plan.js';
import type { KafkaAction } from '../kafka/actions.js';
import { CRL_REASONS, type IdentityRecord, type Inventory } from '../store/inventory.js';

/**
 * Revocation, planned without the CA key or a broker: which record becomes revoked, what the
 * CRL lists, the DENY entries that shut the principal out, and a name for the replacement.
 */

/** How long a CRL is valid: a relying party that checks nextUpdate treats an older one as stale. */
export const CRL_VALIDITY_DAYS = 7;
/** status calls the CRL due this long before its nextUpdate: re-sign it with `samctl crl`. */
export const CRL_DUE_DAYS = 2;

export function parseCrlReason(raw: string | undefined): CrlReason | undefined {
  if (raw === undefined) return undefined;
  const reason = CRL_REASONS.find((candidate) => candidate.toLowerCase() === raw.trim().toLowerCase());
  if (!reason) throw usageError(`invalid --reason "${raw.slice(0, 40).replace(/[^\x20-\x7e]/g, '?')}"`, `one of ${CRL_REASONS.join(', ')}`);
  return reason;
}

/** The active identity called `name`; a usage error when there is none or it is revoked already. */
export function findRevocable(inventory: Inventory, name: string): IdentityRecord {
  const active = inventory.identities.filter((record) => record.status === 'active' && record.name === name);
  if (active.length > 1) throw usageError(`${name} is both a broker and a client`, 'samctl cannot tell which to revoke; rename one of them');
  if (active.length === 1) return active[0];
  const revoked = inventory.identities.find((record) => record.status === 'revoked' && record.name === name);
  if (revoked) throw usageError(`${revoked.kind} ${name} is revoked already (${revoked.revokedAt})`, `issue a replacement under a new name: samctl ${revoked.kind} issue ${proposeReplacementName(inventory, name)}`);
  throw usageError(`no identity named ${name}`, 'see `samctl status` for the names');
}

/** The inventory with the identity's active record revoked. */
export function recordRevocation(inventory: Inventory, target: IdentityRecord, now: Date, reason: CrlReason | undefined): Inventory {
  return {
    ...inventory,
    identities: inventory.identities.map((record) =>
      record.status === 'active' && record.kind === target.kind && record.name === target.name
        ? { ...record, status: 'revoked' as const, revokedAt: now.toISOString(), ...(reason ? { revocationReason: reason } : {}) }
        : record,
    ),
  };
}

/** Every revoked certificate the CA `issuerSha256` issued: a CRL lists only its own issuer's serials (RFC 5280 §5). */
export function crlEntries(inventory: Inventory, issuerSha256: string): CrlEntry[] {
  return inventory.identities
    .filter((record) => record.status === 'revoked' && record.issuerSha256 === issuerSha256)
    .map((record) => ({ serialHex: record.serial, revokedAt: new Date(record.revokedAt!), ...(record.revocationReason ? { reason: record.revocationReason } : {}) }));
}

/** The next CRL's window: number one above the last published, valid CRL_VALIDITY_DAYS from now. */
export function nextCrlWindow(inventory: Inventory, now: Date): CrlWindow {
  return { thisUpdate: now, nextUpdate: new Date(now.getTime() + CRL_VALIDITY_DAYS * 86_400_000), number: (inventory.crl?.number ?? 0) + 1 };
}

/** ok, due (within CRL_DUE_DAYS of nextUpdate) or expired (past it). */
export function crlState(nextUpdate: Date, now: Date): 'ok' | 'due' | 'expired' {
  const left = nextUpdate.getTime() - now.getTime();
  if (left <= 0) return 'expired';
  return left <= CRL_DUE_DAYS * 86_400_000 ? 'due' : 'ok';
}

/**
 * A DENY of every operation on every resource for the principal. DENY wins over any ALLOW in
 * StandardAuthorizer (and AclAuthorizer before it); it binds the principal, not a certificate.
 */
export function denyBindings(principal: string): AclBinding[] {
  const deny = (resourceType: string, resourceName: string): AclBinding => ({ resourceType, resourceName, patternType: 'LITERAL', principal, host: '*', operation: 'ALL', permission: 'DENY' });
  return [deny('TOPIC', '*'), deny('GROUP', '*'), deny('TRANSACTIONAL_ID', '*'), deny('CLUSTER', 'kafka-cluster')];
}

/** The same DENY entries as kafka-acls.sh commands. */
export function denyCommands(principal: string, target: { bootstrap: string; commandConfig: string }): KafkaAction[] {
  const base = ['kafka-acls.sh', '--bootstrap-server', target.bootstrap, '--command-config', target.commandConfig, '--add', '--deny-principal', principal, '--operation', 'All'];
  return [
    { summary: 'deny every topic', command: shellLine([...base, '--topic', '*']) },
    { summary: 'deny every group', command: shellLine([...base, '--group', '*']) },
    { summary: 'deny every transactional id', command: shellLine([...base, '--transactional-id', '*']) },
    { summary: 'deny the cluster', command: shellLine([...base, '--cluster']) },
  ];
}

/** A name no identity has had: `<name>-2`, `<name>-3`, … (a revoked DN stays denied, so the replacement needs a new one). */
export function proposeReplacementName(inventory: Inventory, name: string): string {
  const taken = new Set(inventory.identities.map((record) => record.name));
  const stem = name.replace(/-\d+$/, '');
  for (let n = 2; ; n++) if (!taken.has(`${stem}-${n}`)) return `${stem}-${n}`;
}
