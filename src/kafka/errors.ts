/**
 * What went wrong talking to Kafka, as one line and a fix. @platformatic/kafka wraps the
 * cause in layers (MultipleErrors → NetworkError → the socket's error; ResponseError →
 * one ProtocolError per failed item, named from the library's protocol error table).
 */
export function describeKafkaError(err: unknown): { message: string; hint?: string } {
  const all = flatten(err);
  const refused = all.find((e) => e.apiId !== undefined);
  if (refused) return describeProtocolError(refused, all);
  const system = all.find((e) => typeof e.code === 'string' && !e.code.startsWith('PLT_KFK_'));
  if (system) return describeSystemError(system);
  const deepest = all.filter((e) => e.message).at(-1);
  return { message: deepest?.message ?? String(err) };
}

interface AnyError {
  message?: string;
  code?: unknown;
  apiId?: string;
  apiCode?: number;
  response?: { responses?: Array<{ errorCode: number; errorMessage: string | null }> };
  cause?: unknown;
  errors?: unknown[];
  address?: string;
  port?: number;
  /** Node's hostname check (ERR_TLS_CERT_ALTNAME_INVALID). */
  host?: string;
  cert?: { subjectaltname?: string };
}

/** The error and every error it carries (cause, AggregateError members), outermost first. */
function flatten(err: unknown, seen = new Set<unknown>()): AnyError[] {
  if (!err || typeof err !== 'object' || seen.has(err)) return [];
  seen.add(err);
  const e = err as AnyError;
  return [e, ...flatten(e.cause, seen), ...(Array.isArray(e.errors) ? e.errors.flatMap((inner) => flatten(inner, seen)) : [])];
}

// Kafka protocol errors (the names are Kafka's own, from the library's table): the fix for each.
const PROTOCOL_HINTS: Record<string, string> = {
  CLUSTER_AUTHORIZATION_FAILED: 'the --client identity may not alter broker configs: make its principal a super user (super.users) or grant it ALTER_CONFIGS on the cluster',
  INVALID_REQUEST: "the broker refused the change (a keystore whose subject or SANs changed is refused unless ssl.allow.dn.changes / ssl.allow.san.changes are set): see the broker's log",
  INVALID_CONFIG: "the broker refused the change: see the broker's log",
  POLICY_VIOLATION: "the cluster's alter-config policy refused the change",
  UNSUPPORTED_VERSION: 'the broker is too old for IncrementalAlterConfigs (Kafka 2.3+): use the printed kafka-configs.sh command',
};

function describeProtocolError(error: AnyError, all: AnyError[]): { message: string; hint?: string } {
  // The broker's own words for the failed resource, when it sent any.
  const detail = all
    .flatMap((e) => e.response?.responses ?? [])
    .find((response) => response.errorCode === error.apiCode && response.errorMessage)?.errorMessage;
  return { message: `${error.apiId} (Kafka error ${error.apiCode}): ${detail ?? error.message}`, hint: PROTOCOL_HINTS[error.apiId!] };
}

// Alerts that speak of our client certificate (RFC 8446 §6.2): Node reports them as ERR_SSL_…_ALERT_<NAME>.
const CERTIFICATE_ALERT = /ALERT_(BAD_CERTIFICATE|UNSUPPORTED_CERTIFICATE|CERTIFICATE_REVOKED|CERTIFICATE_EXPIRED|CERTIFICATE_UNKNOWN|UNKNOWN_CA|CERTIFICATE_REQUIRED|ACCESS_DENIED|HANDSHAKE_FAILURE)$/;

function describeSystemError(error: AnyError): { message: string; hint?: string } {
  const code = String(error.code);
  const where = error.address ? ` ${error.address}${error.port ? `:${error.port}` : ''}` : '';
  if (code === 'ECONNREFUSED') return { message: `connection refused by${where}`, hint: 'is the broker running, and is this its SSL listener port?' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { message: `cannot resolve ${(error as { hostname?: string }).hostname ?? 'the host'}`, hint: 'check the host name in --bootstrap and in advertised.listeners' };
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return { message: `${error.message}`, hint: 'is a firewall dropping the connection?' };
  const alert = /ALERT_([A-Z_]+)$/.exec(code)?.[1];
  if (alert) {
    return {
      message: `the broker refused the session: TLS alert "${alert.toLowerCase()}"`,
      hint: CERTIFICATE_ALERT.test(code) ? 'the broker refused the client certificate: is it from a CA the broker trusts, and still valid?' : 'check the TLS versions and cipher suites the broker accepts',
    };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const sans = error.cert?.subjectaltname?.replace(/IP Address:/g, 'IP:');
    return {
      message: `name mismatch: the broker's certificate does not cover ${error.host ?? 'the host connected to'}${sans ? ` (${sans})` : ''}`,
      hint: "connect by a name in the broker certificate's SAN; the brokers' advertised.listeners must name one too",
    };
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO/.test(code)) return { message: `the broker's certificate is not trusted (${error.message})`, hint: "check that the client's ca.crt holds the CA that signed the broker" };
  return { message: error.message ?? code };
}
