import type { Admin } from '@platformatic/kafka';
import { operationError } from '../errors.js';
import { handshake, type TlsIdentity } from '../net/tls-probe.js';
import { resolveListeners } from '../check/broker-config.js';
import { storeReloadSets, type BrokerConfigSet, type StoreReload } from './actions.js';
import { describeKafkaError } from './errors.js';

export interface KafkaAnswer {
  clusterId: string;
  brokers: Array<{ id: number; host: string; port: number }>;
}

// Loaded on demand: the client and its schema validators cost ~0.3 s of startup that no other command needs.
export async function connectAdmin(bootstrap: string[], identity: TlsIdentity, servername: string | undefined, clientId: string): Promise<Admin> {
  const { Admin } = await import('@platformatic/kafka');
  return new Admin({
    clientId,
    bootstrapBrokers: bootstrap,
    tls: { key: identity.key, cert: identity.cert, ca: identity.ca, rejectUnauthorized: true, servername },
    tlsServerName: servername ?? false,
    connectTimeout: 10_000,
    timeout: 10_000,
    retries: 1,
  });
}

export async function readMetadata(admin: Admin): Promise<KafkaAnswer> {
  const metadata = await admin.metadata({ topics: [] });
  return {
    clusterId: metadata.id,
    brokers: [...metadata.brokers.entries()].map(([id, broker]) => ({ id, host: broker.host, port: broker.port })),
  };
}

/**
 * One metadata round trip (ApiVersions first, as every Kafka client does) through a
 * maintained Kafka client: proof that Kafka, not just some TLS server, answers.
 */
export async function fetchClusterMetadata(bootstrap: string, identity: TlsIdentity, servername: string | undefined): Promise<KafkaAnswer> {
  const admin = await connectAdmin([bootstrap], identity, servername, 'samctl-probe');
  try {
    return await readMetadata(admin);
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/** Stores to reload on one broker, found in the cluster by the names it may be advertised under. */
export interface BrokerConfigTarget {
  broker: string;
  hosts: string[];
  reloads: StoreReload[];
  /** The TLS listeners to reload when the broker's own config does not name them (samctl's rendered ones). */
  listeners: string[];
  /** The certificate the broker must present once it applied the sets, when that can be seen (a keystore). */
  presents: Certificate | null;
}

interface Certificate {
  serial: string;
  sha256: string;
}

export interface BrokerConfigOutcome {
  broker: string;
  /** null when no broker, or more than one, in the metadata matches. */
  nodeId: number | null;
  sets: BrokerConfigSet[];
  /** The certificate the broker presented last (when one was expected): the expected one once it applied the change. */
  presented: Certificate | null;
  /** null when the broker accepted every set (and, for a keystore, presents the expected certificate). */
  error: { message: string; hint?: string } | null;
}

/**
 * Sets dynamic configs on brokers' own config resources: IncrementalAlterConfigs (resource
 * BROKER named by the node.id, operation SET) sent to that broker itself, as Java's
 * AdminClient does for a broker's own resource; the change goes through the metadata log
 * and the broker applies it a moment after the call returns (KIP-226).
 *
 * Accepted is not applied: Kafka 4 (KRaft) does not check a re-given path before accepting
 * it, and a broker that cannot load the file only logs "Validation of dynamic config update
 * of SSLFactory failed". So where the result can be seen from outside (a keystore: the
 * certificate the broker presents), it is waited for, bounded.
 *
 * Throws (exit 1) when the cluster cannot be reached at all; a broker that cannot be found
 * or refuses gets its own outcome, so the others still happen.
 */
export async function setBrokerConfigs(bootstrap: string[], identity: TlsIdentity, targets: BrokerConfigTarget[]): Promise<{ cluster: KafkaAnswer; outcomes: BrokerConfigOutcome[] }> {
  const kafka = await import('@platformatic/kafka');
  // No fixed TLS server name: each broker is checked against the host it is advertised under.
  const admin = await connectAdmin(bootstrap, identity, undefined, 'samctl-reload');
  // In TLS 1.3 a broker refuses a client certificate after the client's side of the handshake
  // is done: its alert reaches the connection's 'error' event, while the request only sees
  // "Connection closed". Keep the socket errors to name the refusal.
  const socketErrors: unknown[] = [];
  admin.on('client:broker:connect', ({ connection }: { connection: import('@platformatic/kafka').Connection }) => connection.on('error', (error) => socketErrors.push(error)));
  const describe = (err: unknown) => describeKafkaError(new AggregateError([err, ...socketErrors.splice(0)]));
  try {
    let cluster: KafkaAnswer;
    try {
      cluster = await readMetadata(admin);
    } catch (err) {
      const { message, hint } = describe(err);
      throw operationError(`cannot talk to the cluster at ${bootstrap.join(',')}: ${message}`, hint, err);
    }
    // The library's way (Admin's own methods): a connection to the broker, then the newest
    // version of the API that both the broker and the library speak.
    const getApi = <Api>(name: string) => new Promise<Api>((resolve, reject) => admin[kafka.kGetApi](name, (error, api) => (error ? reject(error) : resolve(api as Api))));
    const outcomes: BrokerConfigOutcome[] = [];
    for (const target of targets) {
      const found = findBroker(target.hosts, cluster.brokers);
      if (typeof found === 'string') {
        outcomes.push({ broker: target.broker, nodeId: null, sets: [], presented: null, error: { message: found, hint: "is --bootstrap this broker's cluster, and does its advertised.listeners name a host in its certificate?" } });
        continue;
      }
      let sets: BrokerConfigSet[] = [];
      let endpoints: TlsEndpoint[] = [];
      try {
        const connection = (await admin.connectToBrokers([found.id])).get(found.id);
        if (!connection) throw new Error(`node ${found.id} left the cluster's metadata`);
        // Every listener that speaks TLS keeps the store it loaded until its own prefixed
        // setting changes: the broker's config names them (SSL, SASL_SSL, any other name).
        const describeConfigs = await getApi<typeof kafka.describeConfigsV4.api>('DescribeConfigs');
        const described = await describeConfigs.async(connection, [{ resourceType: kafka.ConfigTypes.BROKER, resourceName: String(found.id), configurationKeys: [...LISTENER_KEYS] }], false, false);
        const values = Object.fromEntries((described.results[0]?.configs ?? []).filter((config) => config.value !== null).map((config) => [config.name, config.value as string]));
        endpoints = tlsEndpoints(values, found);
        const listeners = endpoints.length > 0 ? endpoints.map((endpoint) => endpoint.listener) : target.listeners;
        sets = target.reloads.flatMap((reload) => storeReloadSets(listeners, reload));
        const resource = {
          resourceType: kafka.ConfigTypes.BROKER,
          resourceName: String(found.id),
          configs: sets.map((set) => ({ name: set.key, configOperation: kafka.IncrementalAlterConfigTypes.SET, value: set.value })),
        };
        const alter = await getApi<typeof kafka.incrementalAlterConfigsV1.api>('IncrementalAlterConfigs');
        await alter.async(connection, [resource], false);
      } catch (err) {
        outcomes.push({ broker: target.broker, nodeId: found.id, sets, presented: null, error: describe(err) });
        continue;
      }
      const expected = target.presents;
      if (!expected) {
        outcomes.push({ broker: target.broker, nodeId: found.id, sets, presented: null, error: null });
        continue;
      }
      // The listener clients reached the broker on first (its metadata address), then the others.
      const checks = [
        { at: found, label: '' },
        ...endpoints.filter((endpoint) => !(endpoint.host === found.host && endpoint.port === found.port)).map((endpoint) => ({ at: endpoint, label: `its ${endpoint.listener.toUpperCase()} listener` })),
      ];
      let presented: Certificate | null = null;
      let error: BrokerConfigOutcome['error'] = null;
      for (const { at, label } of checks) {
        const seen = await awaitCertificate(at, identity, expected);
        presented ??= seen;
        if (seen.sha256 === expected.sha256) continue;
        const address = `${at.host}:${at.port}`;
        error = {
          message: seen.sha256
            ? `the broker accepted the change but ${label ? `${label} (${address}) ` : ''}still presents certificate serial ${seen.serial}, not ${expected.serial}, after ${APPLY_WITHIN_MS / 1000} s`
            : `the broker accepted the change but no TLS handshake with ${label ? `${label} (${address})` : address} succeeded within ${APPLY_WITHIN_MS / 1000} s`,
          hint: 'it could not load the new keystore (its log says "Validation of dynamic config update of SSLFactory failed"), or the renewed files are not at that path on the broker yet',
        };
        break;
      }
      outcomes.push({ broker: target.broker, nodeId: found.id, sets, presented, error });
    }
    return { cluster, outcomes };
  } finally {
    await admin.close().catch(() => undefined);
  }
}

// A KRaft broker applies a committed config change within a second or so; this bound leaves room for a busy cluster.
const APPLY_WITHIN_MS = 15_000;

/** What the broker's config says of its listeners (DescribeConfigs on its BROKER resource). */
const LISTENER_KEYS = ['listeners', 'advertised.listeners', 'listener.security.protocol.map', 'controller.listener.names', 'process.roles', 'inter.broker.listener.name'] as const;

/** A broker listener that speaks TLS, by its config prefix name, and where it is reached. */
export interface TlsEndpoint {
  listener: string;
  host: string;
  port: number;
}

/**
 * The broker's listeners that speak TLS (SSL or SASL_SSL; controller listeners left out, they
 * serve no client), at their advertised address. A listener advertised with no host or a
 * wildcard is reached under the host the cluster's metadata gave for the broker.
 */
export function tlsEndpoints(values: Record<string, string>, reached: { host: string }): TlsEndpoint[] {
  return resolveListeners(values)
    .listeners.filter((listener) => !listener.controller && (listener.protocol === 'SSL' || listener.protocol === 'SASL_SSL'))
    .map((listener) => {
      const at = listener.advertised ?? listener.bind;
      const host = !at.host || at.host === '0.0.0.0' || at.host === '::' ? reached.host : at.host;
      return { listener: listener.name.toLowerCase(), host, port: at.port };
    });
}

/**
 * The certificate the broker presents at its advertised address, polled until it is the
 * expected one or APPLY_WITHIN_MS passed (then the last one seen; empty when no handshake
 * succeeded). A failed handshake counts as "not yet": the broker may be swapping its SSL context.
 */
async function awaitCertificate(broker: { host: string; port: number }, identity: TlsIdentity, expected: Certificate): Promise<Certificate> {
  const deadline = Date.now() + APPLY_WITHIN_MS;
  let last: Certificate = { serial: '', sha256: '' };
  for (;;) {
    try {
      const { socket } = await handshake(broker.host, broker.port, identity);
      const peer = socket.getPeerCertificate();
      socket.destroy();
      last = { serial: peer.serialNumber.toLowerCase(), sha256: peer.fingerprint256 };
    } catch {
      // kept: the last certificate seen
    }
    if (last.sha256 === expected.sha256 || Date.now() >= deadline) return last;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/**
 * The one broker whose advertised host is one of `hosts` (case-insensitive, as DNS is), or
 * why there is none: no broker, or several (brokers advertised under one shared name).
 */
export function findBroker(hosts: string[], brokers: KafkaAnswer['brokers']): KafkaAnswer['brokers'][number] | string {
  const wanted = new Set(hosts.map((host) => host.toLowerCase()));
  const matches = brokers.filter((broker) => wanted.has(broker.host.toLowerCase()));
  if (matches.length === 1) return matches[0];
  const seen = brokers.map((broker) => `${broker.id}@${broker.host}:${broker.port}`).join(', ') || 'none';
  return matches.length === 0
    ? `no broker in the cluster is advertised as ${hosts.join(' or ')} (brokers seen: ${seen})`
    : `${matches.length} brokers in the cluster are advertised as ${hosts.join(' or ')}, cannot tell which one it is (brokers seen: ${seen})`;
}
