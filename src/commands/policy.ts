import type { Command } from 'commander';
import { join } from 'node:path';
import { connectEngine } from '../engine/connection.js';
import { applyPolicy, hostPolicy, operatorPolicy, renewerPolicy, type PolicyDocument } from '../engine/policies.js';
import { usageError } from '../errors.js';
import { openEngineState } from '../store/engine-state.js';
import { writeFileAtomically } from '../store/files.js';
import { PUBLIC } from '../store/layout.js';
import { commandContext, requireInventory } from './context.js';

interface PolicyOptions {
  out?: string;
  apply?: boolean;
}

export function registerPolicy(program: Command): void {
  program
    .command('policy')
    .description('least-privilege OpenBao / Vault policies for an engine-backed PKI: operator, CI renewer, one per host')
    .argument('[identity...]', 'hosts to write a policy for (default: every active identity in the inventory)')
    .option('--out <dir>', 'write each policy as <dir>/<name>.hcl for review')
    .option('--apply', 'install them in the engine (sys/policies/acl/<name>); needs an operator or root token')
    .addHelpText(
      'after',
      `
Policies (HCL, from the PKI directory's --pki-mount and --kv-mount):
  samctl-operator                   everything on the two mounts, enabling them, installing these policies
  samctl-ci-renewer                 sign/samctl-* (never sign-verbatim), read the CA certificate, revoke,
                                    read/write identities and the inventory in KV; no config/ca, no
                                    root/generate, no other mount
  samctl-host-<kind>-<name>         read <kv>/data/samctl/<pki>/<kind>s/<name> only (samctl pull)

Without --out or --apply the HCL is printed. Needs a PKI directory made by
samctl ca init --backend openbao --kv-mount <mount>.

Examples:
  $ samctl policy --out policies/
  $ samctl policy sam01.ynformed.nl --apply
  $ samctl policy --apply --json

Files written (with --out): <dir>/samctl-operator.hcl, samctl-ci-renewer.hcl, samctl-host-*.hcl (0644)

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
      if (options.apply) {
        const client = await connectEngine({ recordedAddress: engine.address });
        for (const policy of policies) await applyPolicy(client, policy);
      }
      out.result({ command: 'policy', pkiMount: mounts.pkiMount, kvMount: mounts.kvMount, applied: Boolean(options.apply), files: written, policies: policies.map((policy) => ({ name: policy.name, purpose: policy.purpose, hcl: policy.hcl })) });
      if (!options.out && !options.apply) {
        for (const policy of policies) out.line(`# --- ${policy.name} ---\n${policy.hcl}`);
        return;
      }
      for (const path of written) out.line(`${out.style.green('✔')} ${context.display(path)}`);
      if (options.apply) for (const policy of policies) out.line(`${out.style.green('✔')} installed policy ${policy.name}`);
    });
}
