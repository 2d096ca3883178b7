import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ExitCode, SamctlError } from '../errors.js';

/**
 * One HTTP(S) request to the engine with node:http / node:https: Node 20's global fetch cannot
 * take a CA without the separate `undici` package, and https.request's `ca` is what Vault's
 * own VAULT_CACERT means (trust exactly that CA for the engine's certificate).
 */
export interface EngineHttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** PEM of the CA(s) that signed the engine's certificate (VAULT_CACERT / BAO_CACERT); absent: the system's roots. */
  ca?: Buffer;
  timeoutMs: number;
}

export interface EngineHttpAnswer {
  status: number;
  text: string;
}

export class EngineTransportError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export function engineRequest(input: EngineHttpRequest): Promise<EngineHttpAnswer> {
  const url = new URL(input.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: input.method,
        headers: { ...input.headers, ...(input.body === undefined ? {} : { 'Content-Length': Buffer.byteLength(input.body) }) },
        ...(url.protocol === 'https:' && input.ca ? { ca: input.ca } : {}),
        timeout: input.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err: NodeJS.ErrnoException) => reject(new EngineTransportError(err.message, err.code)));
      },
    );
    req.on('timeout', () => req.destroy(new EngineTransportError(`no answer within ${Math.round(input.timeoutMs / 1000)} s`, 'ETIMEDOUT')));
    req.on('error', (err: NodeJS.ErrnoException) => reject(err instanceof EngineTransportError ? err : new EngineTransportError(err.message, err.code)));
    if (input.body !== undefined) req.write(input.body);
    req.end();
  });
}

/** Node's codes for a server certificate the client does not trust. */
const UNTRUSTED = new Set(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_SIGNATURE_FAILURE', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/** A failed request as one line naming the engine and the fix. */
export function unreachable(address: string, err: unknown, caFile: string | undefined): SamctlError {
  const code = err instanceof EngineTransportError ? err.code : (err as NodeJS.ErrnoException).code;
  if (code && UNTRUSTED.has(code)) {
    const fix = caFile
      ? `${caFile} (VAULT_CACERT / BAO_CACERT) is not the CA that signed the engine's certificate for this address: point VAULT_CACERT at that CA's PEM file`
      : "set VAULT_CACERT (or BAO_CACERT) to the PEM file of the CA that signed the engine's certificate, e.g. export VAULT_CACERT=/etc/samctl/bao-ca.pem";
    return new SamctlError(`the engine at ${address} presents a TLS certificate this host does not trust (${code})`, { hint: fix, exitCode: ExitCode.usage });
  }
  if (code === 'EPROTO' || /wrong version number|packet length too long/i.test((err as Error).message)) {
    return new SamctlError(`the engine at ${address} does not speak ${address.startsWith('https:') ? 'TLS' : 'plain HTTP'} there`, {
      hint: `give the address with the scheme the engine listens with (http:// or https://) in BAO_ADDR / VAULT_ADDR`,
      exitCode: ExitCode.usage,
    });
  }
  const why = code === 'ETIMEDOUT' ? 'no answer within 60 s' : code === 'ECONNREFUSED' ? 'connection refused' : (code ?? (err as Error).message);
  return new SamctlError(`cannot reach the engine at ${address}: ${why}`, {
    hint: 'start OpenBao / Vault there, or point BAO_ADDR / VAULT_ADDR at the engine (the PKI directory records the address given to ca init)',
    exitCode: ExitCode.failed,
  });
}
