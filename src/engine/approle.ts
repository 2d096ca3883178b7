import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { ExitCode, SamctlError, usageError } from '../errors.js';
import { engineError, sendToEngine, type EngineClient, type EngineTls } from './client.js';

/**
 * AppRole for machines (CI, broker hosts): role_id and secret_id come from files, never from
 * argv or the environment's values, and are exchanged at auth/approle/login for a short token.
 */
export interface AppRoleFiles {
  roleIdFile: string;
  secretIdFile: string;
}

/** Logs in with the AppRole whose role_id and secret_id the files hold; answers the client token. */
export async function loginWithAppRole(address: string, tls: EngineTls, files: AppRoleFiles, mount = 'approle'): Promise<string> {
  const [roleId, secretId] = await Promise.all([readIdFile(files.roleIdFile, 'role_id'), readIdFile(files.secretIdFile, 'secret_id')]);
  const answer = await sendToEngine(address, tls, 'POST', `auth/${mount}/login`, {}, { role_id: roleId, secret_id: secretId });
  if (answer.status === 400 && answer.errors.some((error) => /invalid (role or secret id|role id|secret id)/i.test(error))) {
    throw new SamctlError(`the engine at ${address} refused the AppRole login (${answer.errors.join('; ').slice(0, 120)})`, {
      hint: `fetch a fresh secret_id into ${files.secretIdFile} (samctl policy --apply --approle --credentials <dir>, or bao write -f -field=secret_id auth/${mount}/role/<role>/secret-id)`,
      exitCode: ExitCode.usage,
    });
  }
  const unauthorizedSource = answer.errors.map((error) => /source address "[^"]*" unauthorized by CIDR restrictions on the [a-z ]+/.exec(error)?.[0]).find(Boolean);
  if (answer.status === 400 && unauthorizedSource) {
    throw new SamctlError(`the engine at ${address} refused the AppRole login from this machine: ${unauthorizedSource}`, {
      hint: `the role only admits the addresses samctl policy --cidr / --renewer-cidr bound it to: run this on the machine it was bound to, or bind it to the address the engine sees (samctl policy <name> --apply --approle --cidr <network>)`,
      exitCode: ExitCode.failed,
    });
  }
  if (answer.status !== 200) throw engineError(address, 'POST', `auth/${mount}/login`, answer);
  const token = answer.raw?.auth?.client_token;
  if (typeof token !== 'string' || !token) throw new SamctlError(`the engine at ${address} answered the AppRole login without a token`, { exitCode: ExitCode.failed });
  return token;
}

async function readIdFile(path: string, what: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw usageError(`cannot read the AppRole ${what} file ${path}: ${err.code ?? err.message}`, `give the file holding the ${what} (0600), as samctl policy --apply --approle --credentials <dir> writes it`);
  });
  const value = text.trim();
  if (!value || /[\s\x00-\x1f\x7f]/.test(value)) throw usageError(`the AppRole ${what} file ${path} is empty or holds spaces`, `put the ${what} alone on one line`);
  return value;
}

/** Enables AppRole auth at auth/approle when it is not there yet. */
export async function ensureAppRole(client: EngineClient): Promise<void> {
  const answer = await client.call('GET', 'sys/auth');
  const mounts = answer.data ?? answer.raw ?? {};
  if (!Object.keys(mounts).includes('approle/')) await client.call('POST', 'sys/auth/approle', { type: 'approle', description: 'samctl: CI renewer and broker hosts' });
}

/** How far a role's credentials reach; a limit left undefined keeps what the role has. */
export interface AppRoleLimits {
  /** Seconds a new secret_id lives (0: until destroyed). Secret_ids made before keep theirs. */
  secretIdTtl?: number;
  /** Source addresses (CIDR) that may log in with a secret_id and use its tokens; [] lifts the binding. */
  cidrs?: string[];
}

/**
 * An AppRole bound to one policy: tokens live 20 minutes (a pull or a renewal run). A new
 * role's secret_ids last until destroyed and log in from anywhere, unless `limits` say
 * otherwise; re-writing a role keeps the limits it has unless new ones are given. The token
 * gets the named policy plus `default` (lookup-self).
 */
export async function writeAppRole(client: EngineClient, role: string, policy: string, limits: AppRoleLimits = {}): Promise<void> {
  const body: Record<string, unknown> = { token_policies: [policy], token_ttl: '20m', token_max_ttl: '1h', token_no_default_policy: false };
  if (limits.secretIdTtl !== undefined) body.secret_id_ttl = limits.secretIdTtl;
  if (limits.cidrs !== undefined) {
    body.secret_id_bound_cidrs = limits.cidrs;
    body.token_bound_cidrs = limits.cidrs;
  }
  await client.call('POST', `auth/approle/role/${role}`, body);
}

/** What a role's limits are now (auth/approle/role/<role>), as writeAppRole takes them. */
export async function readAppRoleLimits(client: EngineClient, role: string): Promise<Required<AppRoleLimits>> {
  const data = (await client.call('GET', `auth/approle/role/${role}`)).data ?? {};
  return { secretIdTtl: Number(data.secret_id_ttl ?? 0), cidrs: Array.isArray(data.secret_id_bound_cidrs) ? data.secret_id_bound_cidrs.map(String) : [] };
}

const TTL_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const MAX_SECRET_ID_TTL = 3650 * 86_400;

/** --secret-id-ttl: 90d, 720h, 30m, 45s, or 0 (until destroyed), in seconds. */
export function parseSecretIdTtl(raw: string): number {
  const value = raw.trim();
  const match = /^(\d{1,10})([smhd])?$/.exec(value);
  const seconds = match ? Number(match[1]) * TTL_UNITS[match[2] ?? 's']! : NaN;
  if (!match || (match[1] !== '0' && match[2] === undefined) || seconds > MAX_SECRET_ID_TTL) {
    throw usageError(`invalid --secret-id-ttl "${printable(value)}": give a number with a unit, s m h or d, up to 3650d (0 for no expiry)`, 'e.g. --secret-id-ttl 90d: renew the secret_id files before then (samctl policy --apply --approle --credentials <dir>)');
  }
  return seconds;
}

/** --cidr / --renewer-cidr: an IPv4 or IPv6 network (a bare address is itself alone), or "any" to lift the binding. */
export function parseCidr(raw: string): string | 'any' {
  const value = raw.trim();
  if (value.toLowerCase() === 'any') return 'any';
  const [address = '', prefix, extra] = value.split('/');
  const family = isIP(address);
  const bits = family === 4 ? 32 : 128;
  if (family === 0 || extra !== undefined || (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) || Number(prefix ?? 0) > bits) {
    throw usageError(`invalid CIDR "${printable(value)}": give an IPv4 or IPv6 network such as 10.0.0.11/32 or 10.0.0.0/24`, 'the addresses the machine logs in to the engine from, as the engine sees them; "any" lifts a binding');
  }
  return `${address}/${prefix ?? bits}`;
}

/** The CIDR list a repeatable option gives writeAppRole: undefined when not given, [] for "any". */
export function cidrList(raws: string[] | undefined, option: string): string[] | undefined {
  if (!raws || raws.length === 0) return undefined;
  const parsed = raws.map(parseCidr);
  if (parsed.includes('any')) {
    if (parsed.length > 1) throw usageError(`${option} any lifts the binding, and cannot go with networks`, `give either ${option} any or the networks`);
    return [];
  }
  return [...new Set(parsed)];
}

function printable(value: string): string {
  return value.slice(0, 60).replace(/[^\x20-\x7e]/g, '?');
}

export async function readRoleId(client: EngineClient, role: string): Promise<string> {
  return String((await client.call('GET', `auth/approle/role/${role}/role-id`)).data.role_id);
}

/** A new secret_id for the role (older ones stay valid until destroyed). */
export async function newSecretId(client: EngineClient, role: string): Promise<string> {
  return String((await client.call('POST', `auth/approle/role/${role}/secret-id`, {})).data.secret_id);
}
