import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { usageError } from '../errors.js';
import { EngineClient } from './client.js';

/**
 * Where the engine is and who we are to it, the way Vault's own CLI decides: the address from
 * BAO_ADDR / VAULT_ADDR (else the one recorded at ca init), the token from BAO_TOKEN /
 * VAULT_TOKEN, else a token file (--token-file, SAMCTL_ENGINE_TOKEN_FILE), else ~/.vault-token
 * (what `bao login` / `vault login` leave behind). Never from a flag value: argv is public.
 */
export async function connectEngine(input: { recordedAddress?: string; tokenFile?: string; env?: NodeJS.ProcessEnv }): Promise<EngineClient> {
  const env = input.env ?? process.env;
  const address = parseEngineAddress(env.BAO_ADDR || env.VAULT_ADDR || input.recordedAddress || '');
  return new EngineClient(address, await readEngineToken(env, input.tokenFile));
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
