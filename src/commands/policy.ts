import type { Command } from 'commander';
import { join } from 'node:path';
import { connectEngine } from '../engine/connection.js';
import { cidrList, ensureAppRole, newSecretId, parseSecretIdTtl, readAppRoleLimits, readRoleId, writeAppRole, type AppRoleLimits } from '../engine/approle.js';
import { applyPolicy, hostPolicy, OPERATOR_POLICY, operatorPolicy, RENEWER_POLICY, renewerPolicy, type PolicyDocument } from '../engine/policies.js';
import { usageError } from '../errors.js';
import { openEngineState } from '../store/engine-state.js';
import { writeFileAtomically } from '../store/files.js';
import { PUBLIC, SECRET } from '../store/layout.js';
import { commandContext, requireInventory } from './context.js';
import { collect } from './options.js';

interface PolicyOptions {
  out?: string;
  apply?: boolean;
  approle?: boolean;
  credentials?: string;
  secretIdTtl?: string;
  cidr?: string[];
  renewerCidr?: string[];
}

export function registerPolicy(program: Command): void {
  program
    .command('policy')
    .description('least-privilege OpenBao / Vault policies for an engine-backed PKI: operator, CI renewer, one per host')
    .argument('[identity...]', 'hosts to write a policy for (default: every active identity in the inventory)')
    .option('--out <dir>', 'write each policy as <dir>/<name>.hcl for review')
    .option('--apply', 'install them in the engine (sys/policies/acl/<name>); needs an operator or root token')
    .option('--approle', 'with --apply: also an AppRole per policy but the operator\'s (auth/approle/role/<policy name>), AppRole auth enabled when missing')
    .option('--credentials <dir>', "with --approle: write each role's role_id and a new secret_id to <dir>/<role>.role-id and <role>.secret-id (0600)")
    .option('--secret-id-ttl <duration>', 'with --approle: secret_ids made from now on expire after this (90d, 720h; 0: never, the default for a new role)')
    .option('--cidr <network>', "with --approle and identities named: their hosts' roles log in and use tokens only from these addresses (10.0.0.11/32; repeatable; any: lift it)", collect)
    .option('--renewer-cidr <network>', "with --approle: the CI renewer's role logs in and uses tokens only from these addresses (repeatable; any: lift it)", collect)
    .addHelpText(
      'after',
      `
Policies (HCL, from the PKI directory's --pki-mount and --kv-mount):
  samctl-operator                   everything on the two mounts, enabling them, installing these policies
  samctl-ci-renewer                 sign/samctl-* (never sign-verbatim), read the CA certificate, revoke,
                                    read/write identities and the inventory in KV; no config/ca, no
                                    root/generate, no other mount
  samctl-host-<kind>-<name>         read <kv>/data/samctl/<pki>/<kind>s/<name> only (samctl pull)

With --approle, CI and each host log in with AppRole (role_id + secret_id from files:
SAMCTL_ENGINE_ROLE_ID_FILE / SAMCTL_ENGINE_SECRET_ID_FILE). Their credentials are never
printed: --credentials <dir> writes them 0600 for you to move to the machine; without it
fetch them yourself:
  bao read -field=role_id auth/approle/role/samctl-ci-renewer/role-id > renewer.role-id
  bao write -f -field=secret_id auth/approle/role/samctl-ci-renewer/secret-id > renewer.secret-id

Limits (each kept by the role until given again): --cidr binds the named hosts' roles to
their addresses, --renewer-cidr the CI renewer's, both for the login (secret_id_bound_cidrs)
and for the token (token_bound_cidrs): a copied secret_id is no use from another machine.
--secret-id-ttl makes new secret_ids expire (secret_id_ttl) for every role this call writes;
ones made before keep their lifetime. Give the addresses the engine sees (behind a proxy or
NAT, the proxy's).

Without --out or --apply the HCL is printed. Needs a PKI directory made by
samctl ca init --backend openbao --kv-mount <mount>.

Examples:
  $ samctl policy --out policies/
  $ samctl policy sam01.ynformed.nl --apply
  $ samctl policy --apply --json
  $ samctl policy --apply --approle --credentials /root/samctl-approle
  $ samctl policy sam01.ynformed.nl --apply --approle --cidr 10.0.0.11/32 --secret-id-ttl 90d --credentials /root/samctl-approle
  $ samctl policy --apply --approle --renewer-cidr 10.0.5.0/24

Files written: with --out <dir>/samctl-operator.hcl, samctl-ci-renewer.hcl, samctl-host-*.hcl (0644);
with --credentials <dir>/<role>.role-id and <dir>/<role>.secret-id (0600)

Exit codes:
  0  written / printed / installed
  1  the engine refused or failed (the line names it)
  2  bad usage: not an engine PKI with a KV mount, unknown identity, token not allowed to write policies`,
    )
    .action(async (names: string[], options: PolicyOptions, command: Command) => {
      const context = commandContext(command);
      const { out } = context;
      const inventory = await requireInventory(context);
      const engine = inventory.settings.engine;
      if (inventory.settings.backend !== 'openbao' || !engine?.kvMount) {
        throw usageError(`${context.layout.root} keeps no identities in an engine's KV store`, 'policies are for samctl ca init --backend openbao --kv-mount <mount> (hosts pull from KV)');
      }
      if ((options.approle || options.credentials) && !options.apply) throw usageError('--approle and --credentials act on the engine', 'add --apply');
      if (options.credentials && !options.approle) throw usageError('--credentials writes AppRole credentials', 'add --approle');
      const limited = [options.secretIdTtl && '--secret-id-ttl', options.cidr && '--cidr', options.renewerCidr && '--renewer-cidr'].filter(Boolean);
      if (limited.length > 0 && !options.approle) throw usageError(`${limited.join(' and ')} limit${limited.length > 1 ? '' : 's'} AppRoles`, 'add --apply --approle');
      if (options.cidr && names.length === 0) throw usageError("--cidr binds the named identities' roles to their hosts' addresses", 'name the identities whose host is at that address: samctl policy <name> --apply --approle --cidr <network>');
      const secretIdTtl = options.secretIdTtl === undefined ? undefined : parseSecretIdTtl(options.secretIdTtl);
      const hostCidrs = cidrList(options.cidr, '--cidr');
      const renewerCidrs = cidrList(options.renewerCidr, '--renewer-cidr');
      const mounts = { pkiMount: engine.pkiMount, kvMount: engine.kvMount };
      const state = await openEngineState(inventory.settings).catch(() => undefined);
      const shared = options.apply ? await state?.readInventory() : undefined;
      const identities = (shared?.inventory ?? inventory).identities.filter((record) => record.status === 'active');
      const wanted = names.length > 0 ? [...new Set(names)] : [...new Set(identities.map((record) => record.name))];
      const hosts = wanted.map((name) => {
        const record = identities.find((entry) => entry.name === name);
        if (!record) throw usageError(`no active identity named ${name}`, 'see `samctl status` for the names');
        return hostPolicy(mounts, record.kind, record.name);
      });
      const policies: PolicyDocument[] = [operatorPolicy(mounts), renewerPolicy(mounts), ...hosts];

      const written: string[] = [];
      if (options.out) {
        for (const policy of policies) {
          const path = join(options.out, `${policy.name}.hcl`);
          await writeFileAtomically(path, policy.hcl, PUBLIC);
          written.push(path);
        }
      }
      const roles: Array<{ role: string; policy: string; secretIdTtl: number; cidrs: string[]; roleIdFile?: string; secretIdFile?: string }> = [];
      if (options.apply) {
        const client = await connectEngine({ recordedAddress: engine.address });
        for (const policy of policies) await applyPolicy(client, policy);
        if (options.approle) {
          await ensureAppRole(client);
          for (const policy of policies.filter((entry) => entry.name !== OPERATOR_POLICY)) {
            const limits: AppRoleLimits = { secretIdTtl, cidrs: policy.name === RENEWER_POLICY ? renewerCidrs : hostCidrs };
            await writeAppRole(client, policy.name, policy.name, limits);
            const entry: (typeof roles)[number] = { role: policy.name, policy: policy.name, ...(await readAppRoleLimits(client, policy.name)) };
            if (options.credentials) {
              entry.roleIdFile = join(options.credentials, `${policy.name}.role-id`);
              entry.secretIdFile = join(options.credentials, `${policy.name}.secret-id`);
              await writeFileAtomically(entry.roleIdFile, `${await readRoleId(client, policy.name)}\n`, SECRET);
              await writeFileAtomically(entry.secretIdFile, `${await newSecretId(client, policy.name)}\n`, SECRET);
            }
            roles.push(entry);
          }
        }
      }
      out.result({ command: 'policy', pkiMount: mounts.pkiMount, kvMount: mounts.kvMount, applied: Boolean(options.apply), files: written, approles: roles, policies: policies.map((policy) => ({ name: policy.name, purpose: policy.purpose, hcl: policy.hcl })) });
      if (!options.out && !options.apply) {
        for (const policy of policies) out.line(`# --- ${policy.name} ---\n${policy.hcl}`);
        return;
      }
      for (const path of written) out.line(`${out.style.green('✔')} ${context.display(path)}`);
      if (options.apply) for (const policy of policies) out.line(`${out.style.green('✔')} installed policy ${policy.name}`);
      for (const role of roles) {
        const limits = [role.cidrs.length > 0 ? `from ${role.cidrs.join(', ')}` : 'from any address', role.secretIdTtl > 0 ? `new secret_ids expire after ${formatTtl(role.secretIdTtl)}` : 'secret_ids do not expire'].join('; ');
        out.line(`${out.style.green('✔')} AppRole ${role.role}${role.roleIdFile ? `: ${context.display(role.roleIdFile)}, ${context.display(role.secretIdFile!)} (0600)` : ''} (${limits})`);
      }
    });
}

/** Seconds as the largest whole unit: 7776000 → 90d. */
export function formatTtl(seconds: number): string {
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) if (seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}
