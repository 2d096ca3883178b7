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
      // The name is checked below, separately, so that authorizationError speaks of the chain only.
      checkServerIdentity: () => undefined,
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

// A Kafka ApiVersions v0 request (api key 18, correlation id 1, client id "prob"): any Kafka
// listener that accepted the TLS session answers it.
const API_VERSIONS_REQUEST = Buffer.from([0, 0, 0, 14, 0, 18, 0, 0, 0, 0, 0, 1, 0, 4, 0x70, 0x72, 0x6f, 0x62]);

/**
 * Sends ApiVersions and waits for the answer. Under TLS 1.3 the server checks the client
 * certificate after the client considers the handshake done, so a refusal arrives here as
 * an alert, not at connect time.
 */
export function awaitKafkaAnswer(socket: TLSSocket, host: string, port: number, waitMs = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(failure('timeout', `${host}:${port} completed TLS but sent no Kafka answer within ${waitMs / 1000} s`));
    }, waitMs);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    socket.once('data', () => finish());
    socket.once('error', (err) => finish(classify(err, host, port)));
    socket.once('close', () => finish(failure('tls-alert', `${host}:${port} closed the connection after the handshake (client certificate refused?)`)));
    socket.write(API_VERSIONS_REQUEST);
  });
}

/** Whether the broker insists on a client certificate: the same exchange without one must fail. */
export async function demandsClientCertificate(host: string, port: number, ca: Buffer): Promise<boolean> {
  try {
    const { socket } = await handshake(host, port, { ca });
    await awaitKafkaAnswer(socket, host, port, 3_000);
    return false;
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
  const alert = /(?:tlsv1|sslv3|tlsv13) alert ([a-z ]+)/i.exec(err.message);
  if (alert) return failure('tls-alert', `TLS alert "${alert[1].trim().replace(/ /g, '_')}" from ${host}:${port}`);
  if (err.code?.startsWith('ERR_SSL')) return failure('tls-alert', `TLS failure with ${host}:${port}: ${err.message.replace(/^.*routines::?/, '')}`);
  return failure('network', `${host}:${port}: ${err.message}`);
}
