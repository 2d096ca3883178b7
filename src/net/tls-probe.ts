import { checkServerIdentity, connect, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';

export interface TlsIdentity {
  key: Buffer;
  cert: Buffer;
  ca: Buffer;
}

export interface HandshakeReport {
  protocol: string | null;
  /** Subjects of the chain the broker presented, leaf first. */
  chain: Array<{ subject: string; issuer: string; notAfter: string }>;
  /** null when the chain verifies against our ca.crt, else OpenSSL's reason. */
  chainError: string | null;
  sanMatches: boolean;
  sanError: string | null;
  sans: string;
  daysLeft: number;
}

export type ProbeFailure = { kind: 'refused' | 'timeout' | 'tls-alert' | 'network'; message: string };

const HANDSHAKE_TIMEOUT_MS = 10_000;

function describeName(fields: Record<string, string | string[]> | undefined): string {
  return Object.entries(fields ?? {})
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : value}`)
    .join(',');
}

/** One TLS handshake as a Kafka client would make it, with verification done by hand so all of it can be reported. */
export function handshake(host: string, port: number, identity: TlsIdentity | { ca: Buffer }): Promise<{ socket: TLSSocket; report: HandshakeReport }> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port,
      servername: isIP(host) ? undefined : host,
      ...identity,
      rejectUnauthorized: false,
      timeout: HANDSHAKE_TIMEOUT_MS,
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(failure('timeout', `no TLS handshake with ${host}:${port} within ${HANDSHAKE_TIMEOUT_MS / 1000} s`));
    });
    socket.once('error', (err) => reject(classify(err, host, port)));
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate(true);
      const chain: HandshakeReport['chain'] = [];
      let current: DetailedPeerCertificate | undefined = peer;
      const seen = new Set<string>();
      while (current && current.fingerprint256 && !seen.has(current.fingerprint256)) {
        seen.add(current.fingerprint256);
        chain.push({ subject: describeName(current.subject as never), issuer: describeName(current.issuer as never), notAfter: new Date(current.valid_to).toISOString() });
        current = current.issuerCertificate;
      }
      const sanError = checkServerIdentity(host, peer);
      resolve({
        socket,
        report: {
          protocol: socket.getProtocol(),
          chain,
          chainError: socket.authorized ? null : String(socket.authorizationError),
          sanMatches: !sanError,
          sanError: sanError ? sanError.message : null,
          sans: peer.subjectaltname ?? '',
          daysLeft: Math.floor((new Date(peer.valid_to).getTime() - Date.now()) / 86_400_000),
        },
      });
    });
  });
}

/**
 * Whether the broker insists on a client certificate: a handshake without one must be
 * refused (TLS 1.3 servers send that alert after the client thinks it is done, so wait a moment).
 */
export async function demandsClientCertificate(host: string, port: number, ca: Buffer): Promise<boolean> {
  try {
    const { socket } = await handshake(host, port, { ca });
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy();
        resolve(false);
      }, 2_000);
      socket.once('error', () => {
        clearTimeout(timer);
        resolve(true);
      });
      socket.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
      // A Kafka ApiVersions v0 request (api key 18): a server that accepted us must answer it.
      socket.write(Buffer.from([0, 0, 0, 14, 0, 18, 0, 0, 0, 0, 0, 1, 0, 4, 0x70, 0x72, 0x6f, 0x62]));
      socket.once('data', () => {
        clearTimeout(timer);
        socket.destroy();
        resolve(false);
      });
    });
  } catch {
    return true;
  }
}

function failure(kind: ProbeFailure['kind'], message: string): ProbeFailure & Error {
  return Object.assign(new Error(message), { kind, message });
}

function classify(err: NodeJS.ErrnoException & { reason?: string }, host: string, port: number): ProbeFailure & Error {
  if (err.code === 'ECONNREFUSED') return failure('refused', `connection refused by ${host}:${port}: nothing listens there`);
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return failure('network', `cannot resolve ${host}`);
  const alert = /alert (?:number )?(\d+)|SSL alert number (\d+)|tlsv1 alert ([a-z ]+)|sslv3 alert ([a-z ]+)/i.exec(err.message);
  if (alert || err.code?.startsWith('ERR_SSL')) return failure('tls-alert', `TLS alert from ${host}:${port}: ${err.message.replace(/^.*routines:/, '')}`);
  return failure('network', `${host}:${port}: ${err.message}`);
}
