import type { Command } from 'commander';
import { openAuthority } from '../authority/authority.js';
import { unlockCrlSigners, type CrlSigner } from '../authority/crl-signers.js';
import { summarizeCertificate } from '../pki/inspect.js';
import { openEngineState } from '../store/engine-state.js';
import { describeBinding, diffBindings } from '../kafka/acl-plan.js';
import { openAclSession } from '../kafka/acls.js';
import { readClientIdentity } from '../kafka/client-identity.js';
import { publishCrls } from '../lifecycle/crl-publish.js';
import { denyBindings, denyCommands, findRevocable, parseCrlReason, proposeReplacementName, recordRevocation, CRL_VALIDITY_DAYS } from '../lifecycle/revoke.js';
import { aclPrincipal } from '../lifecycle/principals.js';
import { deleteScramUser } from '../kafka/scram.js';
import { isScramMechanism } from '../pki/scram.js';
import { loadInventory, principalRulesOf, CRL_REASONS, type Inventory } from '../store/inventory.js';
import { hostPlacement } from '../store/layout.js';
import { withPkiLock } from '../store/lock.js';
import { defaultBootstrap, findAdmin, parseBootstrap } from './acl.js';
import { commandContext, passphraseReader, requireInventory, type CommandContext } from './context.js';
import { caPasswordFileOption } from './options.js';
import { refreshSuperUsers } from '../lifecycle/authorizer.js';
import { reportSuperUsersChange } from './report.js';
import { usageError } from '../errors.js';

interface RevokeOptions {
  reason?: string;
  apply?: boolean;
  bootstrap?: string;
  admin?: string;
  caPasswordFile?: string;
}

export function registerRevoke(program: Command): void {
  program
    .command('revoke')
    .description('stop an identity now, not at expiry: revoked in the inventory, listed on ca/crl.pem, denied by ACL')
    .argument('<name>', 'the broker or client to revoke')
    .option('--reason <reason>', `CRL reason: ${CRL_REASONS.join(', ')}`)
    .option('--apply', 'add the DENY entries on the cluster through the Admin API (as samctl acl --apply)')
    .option('--bootstrap <host:port>', 'a broker to talk to; needed by --apply')
    .option('--admin <client>', 'the identity to talk to the cluster as, issued with --admin (default: the only one)')
    .addOption(caPasswordFileOption())
    .addHelpText(
      'after',
      `
What happens:
  1. samctl.json        the identity becomes "revoked" (status shows it; renew skips it)
  2. ca/crl.pem         one CRL per trusted CA (two during a CA rotation), each signed by its CA
                        and listing the revoked certificates it issued, cRLNumber one higher, valid
                        ${CRL_VALIDITY_DAYS} days; a copy goes to every identity's directory (crl.pem;
                        client.crl.pem with --install-dir, in bundles too).
                        A CA in OpenBao / Vault: the serial is revoked at <mount>/revoke and ca/crl.pem
                        is the engine's CRL (its own number and dates, valid ${CRL_VALIDITY_DAYS} days, no reason codes)
    librdkafka.properties  ssl.crl.location=<that copy on the host>: confluent-kafka and kcat then
                        refuse a broker whose certificate is revoked (Java clients do not read it)
  3. DENY               All operations on topic *, group *, transactional-id * and the cluster for
                        the identity's principal: printed as kafka-acls.sh commands, or added with
                        --apply. DENY wins over every ALLOW in Kafka's authorizer, on the next request.
                        A SASL client's principal is its SASL one: User:<SCRAM user>, or
                        User:<Kerberos short name> (sasl.kerberos.principal.to.local.rules)
  4. SCRAM credential   a SCRAM client's credential is deleted on the cluster with --apply
                        (AlterUserScramCredentials through the admin identity)

A DENY binds a principal (the DN), not a certificate: the DN stays denied. Issue the
replacement under a new name (samctl proposes one, e.g. <name>-2).

Super users bypass ACLs, DENY included: revoking a broker or an --admin client does not
lock it out through ACLs. For those, the CRL is what clients that read one check, and the
identity must leave super.users: samctl renders the authorizer brokers' snippets without it and
prints the rolling restart (super.users is read at startup). Java brokers do not read the CRL.

The CRL must be re-signed before its next update (status shows "crl due" 2 days before and
exits 3): samctl crl, then ship the copies. librdkafka refuses every broker once the CRL it
reads is past its next update. Issuing or renewing an identity copies the current file and
names it in librdkafka.properties.

Examples:
  $ samctl revoke prediction-service --reason keyCompromise
  $ samctl revoke prediction-service --reason keyCompromise --apply --bootstrap sam01.ynformed.nl:9092 --admin ops
  $ samctl client issue prediction-service-2       # the replacement, a new DN

Exit codes:
  0  revoked (and, with --apply, denied on the cluster)
  1  the CA or the cluster failed; the revocation and the CRL are written before the cluster
     is asked, and the kafka-acls.sh commands are printed first: run them to finish
  2  bad usage: unknown name, already revoked, bad --reason (nothing was written)`,
    )
    .action(async (name: string, options: RevokeOptions, command: Command) => {
      const context = commandContext(command);
      const inventory = await requireInventory(context);
      const reason = parseCrlReason(options.reason);
      const target = findRevocable(inventory, name);
      const bootstrap = options.bootstrap === undefined ? undefined : parseBootstrap(options.bootstrap);
      if (options.apply && !bootstrap) throw usageError('--apply needs --bootstrap <host:port>', `for example: samctl revoke ${name} --apply --bootstrap sam01.ynformed.nl:9092`);
      const admin = findAdmin(inventory, options.admin, Boolean(options.apply));
      if (options.apply && admin?.name === name) throw usageError(`${name} cannot revoke itself through the cluster`, 'name another admin identity with --admin');
      const mapped = aclPrincipal(inventory, target, principalRulesOf(inventory, context.layout.inventory));
      const principal = mapped.principal;
      const replacement = proposeReplacementName(inventory, name);

      const { layout, out } = context;
      const signers = await unlockSigners(context, inventory, options.caPasswordFile);
      const published = await withPkiLock(layout.root, async () => {
        const current = await loadInventory(layout.inventory);
        const fresh = findRevocable(current, name);
        // With the inventory in the engine's KV, the shared record is revoked first: every PKI directory sees it.
        await (await openEngineState(current.settings))?.updateInventory((shared) => {
          const held = shared.identities.find((record) => record.status === 'active' && record.kind === fresh.kind && record.name === fresh.name && record.serial === fresh.serial);
          return held ? recordRevocation(shared, held, context.now, reason) : shared;
        }, [fresh]);
        return publishCrls(layout, recordRevocation(current, fresh, context.now, reason), signers, context.now);
      });

      // A revoked broker or admin leaves super.users: the authorizer brokers' snippets are rendered anew (a rolling restart).
      const superUsersChange = target.kind === 'broker' || target.admin ? await refreshSuperUsers(layout, context.now) : undefined;
      const denies = principal === null ? [] : denyBindings(principal);
      const commandConfig = admin ? hostPlacement(layout, admin).path('config') : 'admin-ssl.properties';
      const commands = principal === null ? [] : denyCommands(principal, { bootstrap: options.bootstrap ?? defaultBootstrap(inventory), commandConfig });
      if (principal !== null && !context.out.json) {
        out.line(`# DENY for ${principal}:`);
        for (const action of commands) out.line(action.command);
      }
      let applied: { added: number; kept: number; broker: string } | undefined;
      if (options.apply && principal !== null) {
        const session = await openAclSession(bootstrap!, await readClientIdentity(layout, admin!.name));
        try {
          const held = await session.describe(principal);
          const diff = diffBindings(principal, denies, held);
          await session.create(diff.add.length === 0 ? [] : denies.filter((binding) => diff.add.some((missing) => describeBinding(missing) === describeBinding(binding))));
          applied = { added: diff.add.length, kept: denies.length - diff.add.length, broker: session.broker };
        } finally {
          await session.close().catch(() => undefined);
        }
      }
      // A SCRAM client's credential goes too (the DENY already shuts it out): through the admin connection when one is given.
      const scramMechanism = target.kind === 'client' && target.sasl && isScramMechanism(target.sasl.mechanism) ? target.sasl.mechanism : undefined;
      let scramDeleted: boolean | undefined;
      if (scramMechanism && options.apply) {
        scramDeleted = (await deleteScramUser(options.bootstrap!.split(',').map((address) => address.trim()), await readClientIdentity(layout, admin!.name), target.name, scramMechanism)).deleted;
      }

      out.result({ command: 'revoke', kind: target.kind, name, serial: target.serial, principal, reason: reason ?? null, ...(scramMechanism ? { scramCredentialDeleted: scramDeleted ?? null } : {}), crl: published, denies, commands, applied: applied ?? null, replacement, superUser: Boolean(target.admin || target.kind === 'broker'), superUsersChange: superUsersChange ? { superUsers: superUsersChange.superUsers, restart: superUsersChange.restart.map((record) => record.name) } : null });
      out.line(`${out.style.green('✔')} ${target.kind} ${name} revoked (serial ${target.serial}${reason ? `, ${reason}` : ''})`);
      out.line(`  ${context.display(layout.caCrl)}: CRL #${published.number}, ${published.entries} revoked, next update ${published.nextUpdate.slice(0, 10)} (copied to ${published.copies} identities)`);
      if (target.kind === 'broker' || target.admin) {
        out.warn(`${target.kind} ${name} is a super user: ACLs (DENY included) do not bind it. It is out of super.users once the authorizer brokers run their new snippets (rolling restart below); clients that read the CRL refuse its certificate now.`);
      }
      if (principal === null) out.warn(`no principal for ${name} under the mapping rules (${mapped.error}): the brokers refuse it already; no DENY needed`);
      else if (applied) out.line(`  DENY on ${applied.broker} for ${principal}: ${applied.added} added, ${applied.kept} already there`);
      else out.line(`  DENY not applied: run the commands above with an admin's client-ssl.properties, or revoke with --apply`);
      if (scramMechanism && scramDeleted !== undefined) out.line(`  SCRAM user ${target.name}: ${scramDeleted ? 'credential deleted on the cluster' : 'the cluster held no credential for it'}`);
      else if (scramMechanism) out.line(`  SCRAM user ${target.name} keeps its credential on the cluster (the DENY shuts it out): revoke with --apply --bootstrap <host:port> to delete it too`);
      reportSuperUsersChange(context, superUsersChange);
      out.line(`A replacement needs a new DN: samctl ${target.kind} issue ${replacement}`);
    });
}

export function registerCrl(program: Command): void {
  program
    .command('crl')
    .description(`re-sign ca/crl.pem (number + 1, valid ${CRL_VALIDITY_DAYS} days) before its next update, and refresh every identity's copy`)
    .addOption(caPasswordFileOption())
    .addHelpText(
      'after',
      `
Writes ca/crl.pem (one CRL per trusted CA, each signed by its own CA: during a CA rotation the
retiring CA's key, ca/ca-<n>.key, signs its CRL), the copy in every identity's directory, and
each client's librdkafka.properties (ssl.crl.location names its copy).

Examples:
  $ samctl crl                      # weekly, or when samctl status shows "crl due"

Exit codes:
  0  signed and published
  1  the CA could not sign or a file could not be written
  2  bad usage`,
    )
    .action(async (options: { caPasswordFile?: string }, command: Command) => {
      const context = commandContext(command);
      const inventory = await requireInventory(context);
      const { layout, out } = context;
      const signers = await unlockSigners(context, inventory, options.caPasswordFile);
      const published = await withPkiLock(layout.root, async () => publishCrls(layout, await loadInventory(layout.inventory), signers, context.now));
      out.result({ command: 'crl', crl: published });
      out.line(`${out.style.green('✔')} ${context.display(layout.caCrl)}: CRL #${published.number}, ${published.entries} revoked, ${published.issuers} CA${published.issuers === 1 ? '' : 's'}, next update ${published.nextUpdate} (copied to ${published.copies} identities)`);
    });
}

/** The current CA and, during a rotation, the retiring ones: each signs its own CRL. */
async function unlockSigners(context: CommandContext, inventory: Inventory, caPasswordFile: string | undefined): Promise<CrlSigner[]> {
  if (inventory.settings.backend === 'openbao') {
    // The engine holds the keys and publishes the default issuer's CRL: no passphrase.
    const authority = await openAuthority(context.layout);
    return [{ caSha256: summarizeCertificate(authority.issuer.cert).sha256, signer: await authority.unlock(passphraseReader(context, caPasswordFile, 'existing')) }];
  }
  return unlockCrlSigners(context.layout, await passphraseReader(context, caPasswordFile, 'existing')(), inventory.cas);
}
