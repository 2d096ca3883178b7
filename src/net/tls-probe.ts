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

/**
 * Why no TLS session came about. 'tls-alert': the peer ended the handshake with an alert
 * (named in `alert`); 'not-tls': the peer accepted the connection, then closed it or answered
 * something that is not TLS; 'silent': it accepted the connection and said nothing.
 */
export type ProbeFailure = { kind: 'refused' | 'timeout' | 'silent' | 'not-tls' | 'tls-alert' | 'network'; message: string; alert?: string };

/** What became of one ApiVersions request sent over an established TLS session. */
export type KafkaExchange =
  | { kind: 'answered' }
  /** Only when asked for: the server issued a TLS 1.3 session ticket before anything else happened. */
  | { kind: 'ticket' }
  | { kind: 'alert'; alert: string; message: string }
  | { kind: 'closed' | 'timeout' | 'garbage'; message: string };

export interface ClientCertificateDemand {
  state: 'required' | 'not-required' | 'unknown';
  /** What was seen, for the report: the alert, the completed handshake, the ticket, or why it stays open. */
  evidence: string;
}

// A TLS handshake is two round trips of small messages; this is an idle timeout, so a slow but
// progressing handshake still completes. A peer silent for this long is not a TLS listener.
const HANDSHAKE_TIMEOUT_MS = 5_000;

function describeName(fields: Record<string, string | string[]> | undefined): string {
  return Object.entries(fields ?? {})
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : value}`)
    .join(',');
}

/**
 * One TLS handshake as a Kafka client would make it, with verification done by hand so all of it can be reported.
 * `sessionIssued` settles when the server hands out a session (TLS 1.2: at the end of the handshake;
 * TLS 1.3: a NewSessionTicket, which comes after the server has read our Finished).
 */
export function handshake(
  host: string,
  port: number,
  identity: TlsIdentity | { ca: Buffer },
): Promise<{ socket: TLSSocket; report: HandshakeReport; sessionIssued: Promise<void> }> {
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
    // Listening from the start, so that no session event is missed between the handshake and what follows it.
    const sessionIssued = new Promise<void>((issued) => socket.once('session', () => issued()));
    let connected = false;
    socket.once('connect', () => (connected = true));
    socket.once('timeout', () => {
      socket.destroy();
      reject(
        connected
          ? failure('silent', `${host}:${port} accepted the connection but did not answer the TLS handshake within ${HANDSHAKE_TIMEOUT_MS / 1000} s`)
          : failure('timeout', `no connection to ${host}:${port} within ${HANDSHAKE_TIMEOUT_MS / 1000} s`),
      );
    });
    socket.once('error', (err) => reject(classify(err, host, port, 'handshake')));
    socket.once('secureConnect', () => {
      socket.setTimeout(0);
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
        sessionIssued,
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
// listener that accepted the TLS session answers it, even one that does not support v0
// (it then answers UNSUPPORTED_VERSION, still with our correlation id).
const API_VERSIONS_REQUEST = Buffer.from([0, 0, 0, 14, 0, 18, 0, 0, 0, 0, 0, 1, 0, 4, 0x70, 0x72, 0x6f, 0x62]);
const CORRELATION_ID = 1;

/** A Kafka response starts with its int32 size, then the request's int32 correlation id. */
function isKafkaResponse(head: Buffer): boolean {
  const size = head.readInt32BE(0);
  return head.readInt32BE(4) === CORRELATION_ID && size >= 6 && size < 1 << 24;
}

function preview(bytes: Buffer): string {
  return JSON.stringify(bytes.subarray(0, 32).toString('latin1').replace(/[^\x20-\x7e]/g, '.'));
}

/**
 * Sends ApiVersions and reports what comes back. Under TLS 1.3 the server checks the client
 * certificate after the client considers the handshake done, so a refusal arrives here as
 * an alert, not at connect time. With `stopAt`, whichever of it and an outcome comes first wins.
 */
export function exchangeApiVersions(socket: TLSSocket, host: string, port: number, waitMs = 5_000, stopAt?: Promise<void>): Promise<KafkaExchange> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    let error: (ProbeFailure & Error) | undefined;
    const finish = (outcome: KafkaExchange) => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      socket.destroy();
      resolve(outcome);
    };
    // Bytes that came but do not make a Kafka response outweigh how the exchange ended.
    const unanswered = (kind: 'closed' | 'timeout', message: string): KafkaExchange =>
      received.length > 0 ? { kind: 'garbage', message: `it answered ${received.length} bytes that are not a Kafka response: ${preview(received)}` } : { kind, message };
    const timer = setTimeout(() => finish(unanswered('timeout', `no answer to ApiVersions within ${waitMs / 1000} s`)), waitMs);
    stopAt?.then(() => finish({ kind: 'ticket' }));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 8) finish(isKafkaResponse(received) ? { kind: 'answered' } : unanswered('closed', ''));
    });
    socket.on('error', (err) => (error ??= classify(err, host, port, 'session')));
    // 'close' comes last, after an alert's 'error' and the 'end': decide there.
    socket.once('close', () => {
      if (error?.alert) finish({ kind: 'alert', alert: error.alert, message: error.message });
      else finish(unanswered('closed', error ? error.message : 'it closed the connection without answering ApiVersions'));
    });
    if (socket.destroyed) finish(unanswered('closed', 'it closed the connection without answering ApiVersions'));
    else socket.write(API_VERSIONS_REQUEST);
  });
}

// Alerts a server sends when it insists on a client certificate and gets none: certificate_required
// (116) under TLS 1.3 (RFC 8446 §4.4.2.4); under TLS 1.2 OpenSSL sends handshake_failure (40) and
// Java (Kafka) bad_certificate (42).
const NO_CERTIFICATE_ALERTS = new Set(['certificate_required', 'bad_certificate', 'handshake_failure']);

/**
 * Whether the broker insists on a client certificate, decided by a session without one:
 * refused with one of the alerts above → required; accepted (a Kafka answer, a completed
 * TLS 1.2 handshake or a TLS 1.3 session ticket) → not required; anything else → unknown.
 */
export async function probeClientCertificateDemand(host: string, port: number, ca: Buffer, waitMs = 3_000): Promise<ClientCertificateDemand> {
  let session: Awaited<ReturnType<typeof handshake>>;
  try {
    session = await handshake(host, port, { ca });
  } catch (err) {
    const { alert, message } = err as ProbeFailure;
    if (alert && NO_CERTIFICATE_ALERTS.has(alert)) return { state: 'required', evidence: `without one the handshake ends with TLS alert "${alert}"` };
    return { state: 'unknown', evidence: `a handshake without one failed otherwise: ${message}` };
  }
  const { socket, report, sessionIssued } = session;
  if (report.protocol !== 'TLSv1.3') {
    // Before TLS 1.3 the server sends its Finished only after reading our (empty) Certificate
    // and our Finished: a completed handshake is the server's acceptance.
    socket.destroy();
    return { state: 'not-required', evidence: `a ${report.protocol} handshake without one completes` };
  }
  // A server that asked for a certificate sends its tickets only after reading our Finished
  // (RFC 8446 §4.6.1), i.e. after it judged our empty Certificate; refusing, it alerts instead.
  const outcome = await exchangeApiVersions(socket, host, port, waitMs, sessionIssued);
  switch (outcome.kind) {
    case 'answered':
      return { state: 'not-required', evidence: 'Kafka answers a session without one' };
    case 'ticket':
      return { state: 'not-required', evidence: 'a TLSv1.3 session without one is accepted (the server issued a session ticket)' };
    case 'alert':
      return NO_CERTIFICATE_ALERTS.has(outcome.alert)
        ? { state: 'required', evidence: `without one the session ends with TLS alert "${outcome.alert}"` }
        : { state: 'unknown', evidence: `without one the session ends with TLS alert "${outcome.alert}", which does not say why` };
    default:
      return { state: 'unknown', evidence: `a session without one neither failed nor got a Kafka answer: ${outcome.message}` };
  }
}

function failure(kind: ProbeFailure['kind'], message: string, alert?: string): ProbeFailure & Error {
  return Object.assign(new Error(message), { kind, message, ...(alert ? { alert } : {}) });
}

// OpenSSL's reasons when the bytes that came back are not TLS records at all (an HTTP or plain Kafka port).
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_RECORD_LENGTH_MISMATCH', 'ERR_SSL_HTTP_REQUEST']);

function classify(err: NodeJS.ErrnoException & { reason?: string }, host: string, port: number, during: 'handshake' | 'session'): ProbeFailure & Error {
  if (err.code === 'ECONNREFUSED') return failure('refused', `connection refused by ${host}:${port}: nothing listens there`);
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return failure('network', `cannot resolve ${host}`);
  // Node names a received alert ERR_SSL_<SSLV3|TLSV1|TLSV13>_ALERT_<NAME>, e.g. ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED
  // with reason "tlsv13 alert certificate required" (measured with Node 20.20 / OpenSSL 3.0).
  const alert = /(?:tlsv1|sslv3|tlsv13) alert ([a-z ]+)/i.exec(err.reason ?? err.message)?.[1].trim().replace(/ /g, '_').toLowerCase();
  if (alert) return failure('tls-alert', `TLS alert "${alert}" from ${host}:${port}`, alert);
  if (during === 'handshake' && err.code && NOT_TLS.has(err.code)) return failure('not-tls', `${host}:${port} does not speak TLS: it answered with something else (${err.reason ?? err.code})`);
  if (during === 'handshake' && (err.code === 'ECONNRESET' || err.code === 'EPIPE'))
    return failure('not-tls', `${host}:${port} closed the connection during the TLS handshake, without a TLS alert`);
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return failure('network', `it reset the connection without a TLS alert`);
  if (err.code?.startsWith('ERR_SSL')) return failure('network', `TLS failure with ${host}:${port}: ${err.message.replace(/^.*routines::?/, '')}`);
  return failure('network', `${host}:${port}: ${err.message}`);
}
