import { readFile } from 'node:fs/promises';
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

/**
 * An AppRole bound to one policy: tokens live 20 minutes (a pull or a renewal run), a
 * secret_id lasts until rotated. The token gets the named policy plus `default` (lookup-self).
 */
export async function writeAppRole(client: EngineClient, role: string, policy: string): Promise<void> {
  await client.call('POST', `auth/approle/role/${role}`, { token_policies: [policy], token_ttl: '20m', token_max_ttl: '1h', secret_id_ttl: '0', token_no_default_policy: false });
}

export async function readRoleId(client: EngineClient, role: string): Promise<string> {
  return String((await client.call('GET', `auth/approle/role/${role}/role-id`)).data.role_id);
}

/** A new secret_id for the role (older ones stay valid until destroyed). */
export async function newSecretId(client: EngineClient, role: string): Promise<string> {
  return String((await client.call('POST', `auth/approle/role/${role}/secret-id`, {})).data.secret_id);
}
