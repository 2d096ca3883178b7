import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { usageError } from '../errors.js';
import { loginWithAppRole, type AppRoleFiles } from './approle.js';
import { EngineClient, type EngineTls } from './client.js';

/**
 * Where the engine is and who we are to it, the way Vault's own CLI decides: the address from
 * BAO_ADDR / VAULT_ADDR (else the one recorded at ca init), the token from BAO_TOKEN /
 * VAULT_TOKEN, else a token file (--token-file, SAMCTL_ENGINE_TOKEN_FILE), else ~/.vault-token
 * (what `bao login` / `vault login` leave behind). Never from a flag value: argv is public.
 */
export async function connectEngine(input: { recordedAddress?: string; tokenFile?: string; appRole?: Partial<AppRoleFiles>; env?: NodeJS.ProcessEnv }): Promise<EngineClient> {
  const env = input.env ?? process.env;
  const address = parseEngineAddress(env.BAO_ADDR || env.VAULT_ADDR || input.recordedAddress || '');
  const tls = await readEngineTls(env);
  const appRole = appRoleFiles(env, input.appRole);
  // A token in the environment wins (as for Vault's CLI); then an AppRole named by files; then token files.
  if (!(env.BAO_TOKEN || env.VAULT_TOKEN) && appRole) return new EngineClient(address, await loginWithAppRole(address, tls, appRole), tls);
  return new EngineClient(address, await readEngineToken(env, input.tokenFile), tls);
}

/**
 * AppRole credentials from files: --role-id-file / --secret-id-file, else
 * SAMCTL_ENGINE_ROLE_ID_FILE / SAMCTL_ENGINE_SECRET_ID_FILE. Both or neither.
 */
function appRoleFiles(env: NodeJS.ProcessEnv, given: Partial<AppRoleFiles> | undefined): AppRoleFiles | undefined {
  const roleIdFile = given?.roleIdFile ?? env.SAMCTL_ENGINE_ROLE_ID_FILE;
  const secretIdFile = given?.secretIdFile ?? env.SAMCTL_ENGINE_SECRET_ID_FILE;
  if (!roleIdFile && !secretIdFile) return undefined;
  if (!roleIdFile || !secretIdFile) {
    throw usageError(`an AppRole login needs both files: ${roleIdFile ? 'no secret_id file' : 'no role_id file'} given`, 'set SAMCTL_ENGINE_ROLE_ID_FILE and SAMCTL_ENGINE_SECRET_ID_FILE (or --role-id-file and --secret-id-file)');
  }
  return { roleIdFile, secretIdFile };
}

/** VAULT_CACERT / BAO_CACERT: the CA that signed the engine's own certificate (for an https:// address). */
async function readEngineTls(env: NodeJS.ProcessEnv): Promise<EngineTls> {
  const caFile = env.BAO_CACERT || env.VAULT_CACERT;
  if (!caFile) return {};
  const ca = await readFile(caFile).catch((err: NodeJS.ErrnoException) => {
    throw usageError(`cannot read the engine's CA certificate ${caFile} (${env.BAO_CACERT ? 'BAO_CACERT' : 'VAULT_CACERT'}): ${err.code ?? err.message}`, "point VAULT_CACERT (or BAO_CACERT) at the PEM file of the CA that signed the engine's certificate");
  });
  if (!ca.toString('utf8').includes('-----BEGIN CERTIFICATE-----')) {
    throw usageError(`${caFile} (${env.BAO_CACERT ? 'BAO_CACERT' : 'VAULT_CACERT'}) holds no PEM certificate`, "point VAULT_CACERT (or BAO_CACERT) at the PEM file of the CA that signed the engine's certificate");
  }
  return { ca, caFile };
}

/** An engine address as given: http(s)://host[:port], no path; trailing slashes dropped. */
export function parseEngineAddress(raw: string): string {
  const text = raw.trim();
  if (!text) throw usageError('no engine address: BAO_ADDR and VAULT_ADDR are unset', 'set BAO_ADDR (or VAULT_ADDR) to the engine, e.g. export BAO_ADDR=http://127.0.0.1:8200');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`invalid engine address "${text.slice(0, 80)}"`, 'give it as http(s)://host:port, e.g. BAO_ADDR=https://bao.example:8200');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw usageError(`invalid engine address "${text.slice(0, 80)}": only http(s)://host:port, no path, credentials or query`, 'give it as http(s)://host:port, e.g. BAO_ADDR=https://bao.example:8200');
  }
  return `${url.protocol}//${url.host}`;
}

async function readEngineToken(env: NodeJS.ProcessEnv, tokenFile: string | undefined): Promise<string> {
  const fromEnv = env.BAO_TOKEN || env.VAULT_TOKEN;
  if (fromEnv) return checkToken(fromEnv, env.BAO_TOKEN ? 'BAO_TOKEN' : 'VAULT_TOKEN');
  const named = tokenFile ?? env.SAMCTL_ENGINE_TOKEN_FILE;
  if (named) {
    const text = await readFile(named, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw usageError(`cannot read the token file ${named}: ${err.code ?? err.message}`, 'give the path of a file holding the engine token (0600)');
    });
    return checkToken(text, named);
  }
  const helper = join(env.HOME || homedir(), '.vault-token');
  const text = await readFile(helper, 'utf8').catch(() => undefined);
  if (text !== undefined) return checkToken(text, helper);
  throw usageError('no engine token: BAO_TOKEN and VAULT_TOKEN are unset and no token file was given', 'log in (bao login) or set BAO_TOKEN / VAULT_TOKEN, or pass --token-file / SAMCTL_ENGINE_TOKEN_FILE');
}

function checkToken(raw: string, source: string): string {
  const token = raw.trim();
  // An HTTP header value cannot hold control characters; a token never does.
  if (!token || /[\x00-\x1f\x7f\s]/.test(token)) throw usageError(`the engine token from ${source} is empty or holds spaces or control characters`, 'put the token alone on one line');
  return token;
}
