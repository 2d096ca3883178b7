import type { EngineClient } from './client.js';

/**
 * Least-privilege ACL policies for an engine-backed PKI (issue 14), as HCL for review. Paths
 * are spelled from the mounts only here. Vault matches a path glob `*` only at the end, so
 * `<pki>/sign/samctl-*` never reaches `<pki>/sign-verbatim/…`: sign-verbatim ignores every
 * role limit (any subject, any extension, any TTL up to the mount's) and no policy but the
 * operator's may reach it.
 */
export interface PolicyMounts {
  pkiMount: string;
  kvMount: string;
}

export interface PolicyDocument {
  /** The policy's name in the engine (sys/policies/acl/<name>). */
  name: string;
  /** Who holds it, in a few words (a comment in the HCL). */
  purpose: string;
  hcl: string;
}

const ALL = '["create", "read", "update", "patch", "delete", "list", "sudo"]';

function rule(path: string, capabilities: string[] | string, why?: string): string {
  const caps = typeof capabilities === 'string' ? capabilities : `[${capabilities.map((cap) => `"${cap}"`).join(', ')}]`;
  return `${why ? `# ${why}\n` : ''}path "${path}" {\n  capabilities = ${caps}\n}\n`;
}

function document(name: string, purpose: string, rules: string[]): PolicyDocument {
  return { name, purpose, hcl: [`# samctl: ${purpose}`, '', rules.join('\n')].join('\n') };
}

export const OPERATOR_POLICY = 'samctl-operator';
export const RENEWER_POLICY = 'samctl-ci-renewer';

/** samctl-host-broker-sam01.ynformed.nl: the name a host's policy gets. */
export function hostPolicyName(kind: 'broker' | 'client', name: string): string {
  return `samctl-host-${kind}-${name}`;
}

/** Everything on samctl's two mounts, enabling and tuning them, and installing these policies and AppRoles. */
export function operatorPolicy(mounts: PolicyMounts): PolicyDocument {
  const { pkiMount: pki, kvMount: kv } = mounts;
  return document(OPERATOR_POLICY, 'the operator: ca init, issue, renew, migrate, policy --apply (everything on the two mounts)', [
    rule(`${pki}`, ALL),
    rule(`${pki}/*`, ALL),
    rule(`${kv}`, ALL),
    rule(`${kv}/*`, ALL),
    rule(`sys/mounts/${pki}`, ['create', 'read', 'update', 'delete'], 'enable the mounts (ca init) and tune the PKI lease cap'),
    rule(`sys/mounts/${pki}/tune`, ['create', 'read', 'update']),
    rule(`sys/mounts/${kv}`, ['create', 'read', 'update', 'delete']),
    rule('sys/policies/acl/samctl-*', ['create', 'read', 'update', 'delete', 'list'], 'samctl policy --apply'),
    rule('sys/auth/approle', ['create', 'read', 'update', 'sudo']),
    rule('sys/auth', ['read']),
    rule('auth/approle/role/samctl-*', ['create', 'read', 'update', 'delete', 'list']),
  ]);
}

/**
 * CI renews and issues: sign with samctl's roles (never sign-verbatim, never a role of its own
 * making), read the CA certificate, revoke what a failed run signed, read and write identity
 * paths and the inventory. No config/ca (CA import), no root/generate, no issuer or key
 * management, no other mount: everything not granted is denied.
 */
export function renewerPolicy(mounts: PolicyMounts): PolicyDocument {
  const { pkiMount: pki, kvMount: kv } = mounts;
  return document(RENEWER_POLICY, 'CI renewer: sign with the samctl roles, write identities and the inventory; no CA import, no sign-verbatim', [
    rule(`${pki}/sign/samctl-*`, ['create', 'update'], 'sign/<role> only: the role caps names, key usage and TTL (sign-verbatim is not matched)'),
    rule(`${pki}/roles/samctl-*`, ['read']),
    rule(`${pki}/issuer/default/json`, ['read'], 'the CA certificate (public)'),
    rule(`${pki}/revoke`, ['create', 'update'], 'revoke what a failed run signed'),
    rule(`${kv}/data/samctl/${pki}/*`, ['create', 'read', 'update', 'delete'], 'identity files and the shared inventory (check-and-set)'),
    rule(`${kv}/metadata/samctl/${pki}/*`, ['read', 'list']),
  ]);
}

/** A host reads its own identity and nothing else (not even the shared inventory). */
export function hostPolicy(mounts: PolicyMounts, kind: 'broker' | 'client', name: string): PolicyDocument {
  return document(hostPolicyName(kind, name), `the host of ${kind} ${name}: samctl pull reads this one identity`, [
    rule(`${mounts.kvMount}/data/samctl/${mounts.pkiMount}/${kind}s/${name}`, ['read']),
  ]);
}

/** Installs (creates or replaces) a policy: sys/policies/acl/<name>. */
export async function applyPolicy(client: EngineClient, policy: PolicyDocument): Promise<void> {
  await client.call('PUT', `sys/policies/acl/${policy.name}`, { policy: policy.hcl });
}
