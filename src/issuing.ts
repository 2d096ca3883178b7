import { cpus } from 'node:os';
import { relative } from 'node:path';
import { readFile, rename, rm } from 'node:fs/promises';
import type forge from 'node-forge';
import { openAuthority, type Authority } from './authority/authority.js';
import type { Signer } from './authority/signer.js';
import { usageError } from './errors.js';
import { issueIdentity, type IdentityRequest, type IssuedIdentity } from './identity.js';
import { generateKeyPair, type KeyPair } from './pki/keys.js';
import type { PrimeScheduler } from './pki/rsa-keygen.js';
import type { StoreType } from './keystore/stores.js';
import { subjectField } from './pki/inspect.js';
import { validityWindow } from './pki/validity.js';
import { exists, removeLeftovers, writeDirectoryAtomically } from './store/files.js';
import type { PrincipalRules } from './pki/principal.js';
import { superUsers } from './render/authorizer.js';
import { loadInventory, principalRulesOf, recordIdentities, saveInventory } from './store/inventory.js';
import { backupStamp, type PkiLayout } from './store/layout.js';
import { withPkiLock } from './store/lock.js';
import { openEngineState } from './store/engine-state.js';
import { cachedTruststore } from './store/truststores.js';

export interface IssueOptions {
  layout: PkiLayout;
  force: boolean;
  now: Date;
  /** Asked only after every cheap check has passed, so bad input never prompts. */
  passphrase: () => Promise<string>;
  /** Called as each identity is ready (progress on a terminal). */
  onIssued?: (identity: IssuedIdentity) => void;
}

/** Refuses to replace identities that exist unless --force: checked before any work is done. */
export async function assertReplaceable(layout: PkiLayout, requests: IdentityRequest[], force: boolean): Promise<void> {
  // A revoked DN stays denied on the brokers (samctl revoke's DENY binds the principal): never issue it again, --force or not.
  const revoked = (await loadInventory(layout.inventory)).identities.filter((record) => record.status === 'revoked');
  for (const request of requests) {
    if (revoked.some((record) => record.kind === request.kind && record.name === request.name)) {
      throw usageError(`${request.kind} ${request.name} was revoked: its DN stays denied on the brokers`, `issue the replacement under a new name, e.g. samctl ${request.kind} issue ${request.name}-2`);
    }
  }
  if (force) return;
  for (const request of requests) {
    const dir = layout.identityDir(request.kind, request.name);
    if (await exists(dir)) {
      throw usageError(
        `${request.kind} ${request.name} already exists in ${relative(process.cwd(), dir) || dir}`,
        `pass --force to issue it anew (the current files are kept under ${relative(process.cwd(), layout.backups) || layout.backups}/), or use \`samctl renew\``,
      );
    }
  }
}

/**
 * Issues every request against the CA and writes them: all identities are built in memory
 * first (keys made in parallel, bounded by the cores), then each directory is swapped in
 * atomically and the inventory updated, all under the PKI lock.
 */
export async function issueAndSave(requests: IdentityRequest[], options: IssueOptions): Promise<IssuedIdentity[]> {
  const { layout, now } = options;
  const authority = await openAuthority(layout);
  await assertReplaceable(layout, requests, options.force);
  assertWithinCaLifetime(authority.issuer.cert, requests, now);
  // Keys are made on libuv's threads, a steady few at a time: the first ones while this thread
  // unlocks the CA key (600,000 PBKDF2 iterations), the next ones while it signs and encodes the
  // identities whose keys are ready. They start once the passphrase is there (a missing one fails
  // at once); a CA without one (an engine) starts them after its unlock.
  let started: ReturnType<typeof startKeys> | undefined;
  const start = () => (started ??= startKeys(requests));
  const signer = await authority
    .unlock(async () => {
      const passphrase = await options.passphrase();
      start();
      return passphrase;
    })
    .catch((err: unknown) => {
      started?.stop(); // a failed unlock must not leave queued keys being made before the process can exit
      throw err;
    });
  const { keys, stop } = start();

  try {
    return await withPkiLock(layout.root, async () => {
      await removeLeftovers(layout);
      await assertReplaceable(layout, requests, options.force);
      const inventory = await loadInventory(layout.inventory);
      const principalRules = principalRulesOf(inventory, layout.inventory);
      const issued = await buildAll(requests, authority, signer, options, principalRules, keys);
      const next = recordIdentities(inventory, issued.map((identity) => identity.record));
      // An authorizer broker's super.users names every broker and admin, this run's among them.
      const principals = superUsers(next.identities, principalRules);
      for (const identity of issued) if (identity.record.authorizer) identity.files = identity.withConfigs({ superUsers: principals });
      // With an engine's KV store the engine holds the truth: commit there first, then the local cache.
      await (await openEngineState(inventory.settings))?.publish(issued, options.force);
      const stamp = backupStamp(now);
      const swapped: Array<{ target: string; previous?: string }> = [];
      try {
        for (const identity of issued) {
          const { kind, name } = identity.record;
          const target = layout.identityDir(kind, name);
          const previous = await writeDirectoryAtomically(target, identity.files, layout.identityBackup(kind, name, stamp));
          swapped.push({ target, previous });
        }
        await saveInventory(layout.inventory, next);
      } catch (err) {
        // Without its inventory record a new directory would be unknown to status and renew:
        // put back what was there before, then report the failure.
        await restoreDirectories(swapped);
        throw err;
      }
      return issued;
    });
  } finally {
    stop(); // nothing is queued after a success; after a failure, the rest is dropped
  }
}

/** A leaf must not outlive the CA that signed it: clients would reject it the day the CA expires. */
function assertWithinCaLifetime(caCert: forge.pki.Certificate, requests: IdentityRequest[], now: Date): void {
  const caEnd = caCert.validity.notAfter;
  const tooLong = requests.find((request) => validityWindow(now, request.days).notAfter.getTime() > caEnd.getTime());
  if (tooLong) {
    const maxDays = Math.floor((caEnd.getTime() - now.getTime()) / 86_400_000);
    throw usageError(
      `--days ${tooLong.days} would outlive the CA, which expires ${caEnd.toISOString().slice(0, 10)}`,
      maxDays >= 1 ? `use --days ${maxDays} or less, or rotate the CA first (samctl ca rotate)` : 'the CA has (nearly) expired: rotate it with `samctl ca rotate`',
    );
  }
}

async function restoreDirectories(swapped: Array<{ target: string; previous?: string }>): Promise<void> {
  for (const { target, previous } of swapped.reverse()) {
    await rm(target, { recursive: true, force: true }).catch(() => undefined);
    if (previous) await rename(previous, target).catch(() => undefined);
  }
}

/**
 * Starts every identity's key (those renewed with --keep-key have one). A key is two primes,
 * made at most `primesInFlight()` at once across all keys, in order: enough to keep every core
 * busy (a key's two primes side by side, the next key's first prime as soon as either is done),
 * while one of libuv's four threads stays free for file I/O, which would otherwise queue behind
 * them. The first ones are handed to libuv before this returns (not a microtask later), so that
 * they run while the caller blocks this thread in the CA unlock.
 */
function startKeys(requests: IdentityRequest[]): { keys: Map<IdentityRequest, Promise<KeyPair>>; stop: () => void } {
  const waiting: Array<() => void> = [];
  const max = primesInFlight();
  let active = 0;
  const next = () => {
    while (active < max && waiting.length > 0) waiting.shift()!();
  };
  const schedule: PrimeScheduler = (job) =>
    new Promise((resolve, reject) => {
      waiting.push(() => {
        active++;
        job()
          .then(resolve, reject)
          .finally(() => {
            active--;
            next();
          });
      });
      next();
    });
  const keys = new Map<IdentityRequest, Promise<KeyPair>>();
  for (const request of requests) {
    if (request.keyPem) continue;
    const key = generateKeyPair(request.keySize, schedule);
    key.catch(() => undefined); // awaited in buildAll; a failed unlock must not leave it unhandled
    keys.set(request, key);
  }
  // Stopped: nothing queued starts; the primes being made finish (libuv cannot cancel them) and are dropped.
  return { keys, stop: () => void waiting.splice(0) };
}

function primesInFlight(): number {
  return Math.max(1, Math.min(cpus().length, 3));
}

async function buildAll(
  requests: IdentityRequest[],
  authority: Authority,
  signer: Signer,
  options: IssueOptions,
  principalRules: PrincipalRules,
  keys: Map<IdentityRequest, Promise<KeyPair>>,
): Promise<IssuedIdentity[]> {
  const crlPem = await readFile(options.layout.caCrl, 'utf8').catch(() => undefined);
  // During a CA rotation the truststores hold the new and the old CA.
  const truststores: Partial<Record<StoreType, Buffer>> = {};
  for (const type of new Set(requests.map((request) => request.storeType))) {
    truststores[type] = await cachedTruststore(options.layout, type, authority.trusted, authority.truststorePassword);
  }
  // No limit here: the keys pace the work, and signing and encoding run on this one thread.
  return Promise.all(
    requests.map((request) =>
      (async () => {
        // Identities carry the CA's organisation unless they name their own.
        const dn = { ...request.dn, o: request.dn.o ?? subjectField(authority.issuer.cert, 'O') };
        const identity = await issueIdentity({ ...request, dn }, {
          signer,
          truststores,
          truststorePassword: authority.truststorePassword,
          trustedCaPems: authority.trusted.map((ca) => ca.pem),
          now: options.now,
          layout: options.layout,
          principalRules,
          crlPem,
        }, keys.get(request));
        options.onIssued?.(identity);
        return identity;
      })(),
    ),
  );
}
