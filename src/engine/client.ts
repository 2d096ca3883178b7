import { ExitCode, SamctlError } from '../errors.js';
import { engineRequest, unreachable } from './http.js';

/**
 * OpenBao / Vault over its HTTP API with Node's fetch: one request shape (X-Vault-Token, JSON),
 * and every way it can fail turned into one line naming the engine's address and the fix.
 * The token never appears in a message, a log or --json.
 */
export class EngineClient {
  constructor(
    readonly address: string,
    private readonly token: string,
    private readonly tls: EngineTls = {},
  ) {}

  /**
   * Calls `path` (below /v1/). Answers with a status in `accept` come back as they are (the
   * caller decides what 400 or 404 means there); 403, a sealed engine and anything else that is
   * not 2xx become a SamctlError.
   */
  async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'LIST', path: string, body?: unknown, accept: number[] = []): Promise<EngineAnswer> {
    const answer = await sendToEngine(this.address, this.tls, method, path, { 'X-Vault-Token': this.token }, body);
    if ((answer.status >= 200 && answer.status < 300) || accept.includes(answer.status)) return answer;
    throw engineError(this.address, method, path, answer);
  }
}

/** The engine's own TLS: the CA file named by VAULT_CACERT / BAO_CACERT, read. */
export interface EngineTls {
  ca?: Buffer;
  caFile?: string;
}

/** One request, its JSON answer taken apart as Vault's API shapes it. */
export async function sendToEngine(address: string, tls: EngineTls, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<EngineAnswer> {
  let response: { status: number; text: string };
  try {
    response = await engineRequest({
      method,
      url: `${address}/v1/${path}`,
      headers: { ...headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      ca: tls.ca,
      timeoutMs: 60_000,
    });
  } catch (err) {
    throw unreachable(address, err, tls.caFile);
  }
  if (response.status === 400 && /HTTP request to an HTTPS server/i.test(response.text)) {
    throw new SamctlError(`the engine at ${address} speaks HTTPS, not plain HTTP`, {
      hint: `give BAO_ADDR / VAULT_ADDR as ${address.replace(/^http:/, 'https:')} and set VAULT_CACERT (or BAO_CACERT) to the CA of the engine's certificate`,
      exitCode: ExitCode.usage,
    });
  }
  let data: any;
  try {
    data = response.text ? JSON.parse(response.text) : undefined;
  } catch {
    data = undefined;
  }
  return { status: response.status, data: data?.data, errors: Array.isArray(data?.errors) ? data.errors.map(String) : [], warnings: data?.warnings ?? [], raw: data };
}

export interface EngineAnswer {
  status: number;
  /** The answer's `data` (what Vault's API documents per endpoint). */
  data: any;
  errors: string[];
  warnings: string[];
  raw: any;
}

const LOGIN_HINT = 'get a valid token (bao login / vault login) and give it through BAO_TOKEN or VAULT_TOKEN, or a token file (--token-file, SAMCTL_ENGINE_TOKEN_FILE)';

/**
 * Exit codes: 2 when what the user gave must change (a token the engine refuses, a mount of the
 * wrong kind: nothing was written), 1 when the engine cannot be used right now (down, sealed, failing).
 */
export function engineError(address: string, method: string, path: string, answer: EngineAnswer): SamctlError {
  const said = answer.errors.join('; ').replace(/\s+/g, ' ').slice(0, 300);
  if (answer.status === 403) {
    // Vault answers 403 "permission denied" alike for a wrong, expired or revoked token and for a
    // valid token whose policy lacks the path: the message names all of them.
    return new SamctlError(`the engine at ${address} refused the token for ${method} ${path} (${said || 'permission denied'}): it is wrong, expired, revoked, or its policy does not allow this`, {
      hint: LOGIN_HINT,
      exitCode: ExitCode.usage,
    });
  }
  if (answer.status === 503 && /sealed/i.test(said)) {
    return new SamctlError(`the engine at ${address} is sealed`, { hint: 'unseal it (bao operator unseal) and run the command again', exitCode: ExitCode.failed });
  }
  return new SamctlError(`the engine at ${address} answered ${answer.status} to ${method} ${path}${said ? `: ${said}` : ''}`, {
    hint: 'check the engine\'s log and the mount named in the PKI directory\'s settings; run the command again once it is fixed',
    exitCode: ExitCode.failed,
  });
}
