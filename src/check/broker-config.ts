import { getProperties } from 'properties-file';
import { usageError } from '../errors.js';
import type { Properties } from './config-providers.js';
import { error, type Finding } from './finding.js';

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
const PROTOCOLS: readonly string[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

/** Kafka's default listener.security.protocol.map: each protocol maps a listener of its own name. */
const DEFAULT_PROTOCOL_MAP = 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL';

// Keys only a Kafka server config has; a file with none of them is not one.
const BROKER_KEYS = /^(listeners|advertised\.listeners|process\.roles|node\.id|broker\.id|log\.dirs?|zookeeper\.connect|controller\.quorum\.(voters|bootstrap\.servers)|listener\.security\.protocol\.map|inter\.broker\.listener\.name|ssl\..+|listener\.name\..+)$/;

/**
 * server.properties as Kafka reads it: java.util.Properties.load(InputStream), i.e. ISO-8859-1
 * with \uXXXX escapes (Kafka's Utils.loadProps). Binary content or a file without a single
 * broker setting is bad input (exit 2), not a finding.
 */
export function parseBrokerProperties(content: Buffer, file: string): Properties {
  // NUL and other C0 controls never appear in a text config (a keystore, a binary, random bytes do).
  if (/[\x00-\x08\x0e-\x1a\x1c-\x1f]/.test(content.subarray(0, 65536).toString('latin1'))) {
    throw usageError(`${file} is not a properties file: it holds binary data`, 'pass the broker\'s server.properties (the file kafka-server-start.sh is given)');
  }
  const props = getProperties(content.toString('latin1'));
  if (!Object.keys(props).some((key) => BROKER_KEYS.test(key))) {
    throw usageError(`${file} is not a Kafka broker config: it sets no listeners, process.roles, node.id or ssl.* key`, 'pass the broker\'s server.properties (the file kafka-server-start.sh is given)');
  }
  return props;
}

export interface Endpoint {
  /** Normalised as Kafka's ListenerName.normalised: upper case. */
  name: string;
  /** '' when the entry names no host (Kafka then binds/advertises the canonical host name). */
  host: string;
  port: number;
}

export interface Listener {
  name: string;
  protocol?: SecurityProtocol;
  bind: Endpoint;
  /** The endpoint clients are told to use, and the key it came from. */
  advertised?: Endpoint & { from: 'advertised.listeners' | 'listeners' };
  controller: boolean;
  interBroker: boolean;
}

export interface ListenerModel {
  listeners: Listener[];
  /** The inter-broker listener name and the key that chose it (or the default). */
  interBroker?: { name: string; key: string };
  findings: Finding[];
}

// Kafka's Endpoint parser: NAME://host:port, an IPv6 host in brackets, an empty host allowed.
const ENDPOINT = /^(.*):\/\/\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$/;

/** A comma-separated list as Kafka's Csv.parseCsvList reads it: trimmed, empty entries dropped. */
export function csvList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0);
}

export function parseEndpoints(key: string, value: string | undefined): { endpoints: Endpoint[]; findings: Finding[] } {
  const endpoints: Endpoint[] = [];
  const findings: Finding[] = [];
  for (const entry of csvList(value)) {
    const match = ENDPOINT.exec(entry);
    if (!match) {
      findings.push(error(key, `${key} entry "${entry}" is not NAME://host:port: Kafka refuses to start`, `write it as e.g. SSL://broker1.example.com:9093`));
      continue;
    }
    const name = match[1].toUpperCase();
    if (endpoints.some((endpoint) => endpoint.name === name)) {
      findings.push(error(key, `${key} names the listener ${name} twice: Kafka refuses to start`, 'give each listener its own name and map it in listener.security.protocol.map'));
      continue;
    }
    endpoints.push({ name, host: match[2], port: Number(match[3]) });
  }
  return { endpoints, findings };
}

/**
 * listener.security.protocol.map, or Kafka's default when it is absent. In KRaft mode with the map
 * absent and no SSL/SASL listener, Kafka maps the controller listeners to PLAINTEXT itself
 * (KafkaConfig.effectiveListenerSecurityProtocolMap).
 */
export function protocolMap(props: Properties): { map: Map<string, SecurityProtocol>; findings: Finding[] } {
  const key = 'listener.security.protocol.map';
  const explicit = props[key] !== undefined;
  const map = new Map<string, SecurityProtocol>();
  const findings: Finding[] = [];
  for (const entry of csvList(explicit ? props[key] : DEFAULT_PROTOCOL_MAP)) {
    const colon = entry.indexOf(':');
    const name = entry.slice(0, colon).trim().toUpperCase();
    const protocol = entry.slice(colon + 1).trim().toUpperCase();
    if (colon < 1 || !PROTOCOLS.includes(protocol)) {
      findings.push(error(key, `${key} entry "${entry}" is not NAME:PROTOCOL with PROTOCOL one of ${PROTOCOLS.join(', ')}: Kafka refuses to start`, `write it as e.g. INTERNAL:SSL,EXTERNAL:SASL_SSL`));
      continue;
    }
    map.set(name, protocol as SecurityProtocol);
  }
  if (!explicit && props['process.roles'] !== undefined) {
    const controllers = csvList(props['controller.listener.names']).map((name) => name.toUpperCase());
    const sslOrSasl = (name: string) => ['SSL', 'SASL_SSL', 'SASL_PLAINTEXT'].includes(name);
    const listenerNames = csvList(props.listeners).map((entry) => entry.split('://')[0].toUpperCase());
    if (!controllers.some(sslOrSasl) && !listenerNames.some(sslOrSasl)) {
      for (const name of controllers) if (!map.has(name)) map.set(name, 'PLAINTEXT');
    }
  }
  return { map, findings };
}

/**
 * Every listener with its protocol, the endpoint it advertises and its role. Advertised endpoints
 * follow KafkaConfig: advertised.listeners when set, else listeners; a controller listener missing
 * from advertised.listeners falls back to its listeners entry.
 */
export function resolveListeners(props: Properties): ListenerModel {
  const bound = parseEndpoints('listeners', props.listeners);
  const advertisedSet = props['advertised.listeners'] !== undefined;
  const advertised = parseEndpoints('advertised.listeners', props['advertised.listeners']);
  const { map, findings: mapFindings } = protocolMap(props);
  const findings = [...bound.findings, ...advertised.findings, ...mapFindings];
  const controllers = new Set(csvList(props['controller.listener.names']).map((name) => name.toUpperCase()));
  const roles = csvList(props['process.roles']);
  const brokerRole = roles.length === 0 || roles.includes('broker');

  for (const endpoint of advertised.endpoints) {
    if (!bound.endpoints.some((listener) => listener.name === endpoint.name)) {
      findings.push(error('advertised.listeners', `advertised.listeners names ${endpoint.name}, which listeners does not define: Kafka refuses to start`, `add ${endpoint.name}://host:port to listeners, or drop it from advertised.listeners`));
    }
  }

  const interBroker = brokerRole ? interBrokerListener(props, findings) : undefined;
  const listeners: Listener[] = bound.endpoints.map((bind) => {
    const protocol = map.get(bind.name);
    if (!protocol) {
      findings.push(error('listener.security.protocol.map', `listener.security.protocol.map does not cover the listener ${bind.name}: Kafka refuses to start`, `add ${bind.name}:SSL (or its protocol) to listener.security.protocol.map`));
    }
    const controller = controllers.has(bind.name);
    const fromAdvertised = advertised.endpoints.find((endpoint) => endpoint.name === bind.name);
    let advertisedEndpoint: Listener['advertised'];
    if (fromAdvertised) advertisedEndpoint = { ...fromAdvertised, from: 'advertised.listeners' };
    else if (!advertisedSet || controller) advertisedEndpoint = { ...bind, from: 'listeners' };
    return { name: bind.name, protocol, bind, advertised: advertisedEndpoint, controller, interBroker: bind.name === interBroker?.name };
  });

  if (interBroker && !listeners.some((listener) => listener.interBroker && listener.advertised && !listener.controller)) {
    const known = listeners.filter((listener) => listener.advertised && !listener.controller).map((listener) => listener.name);
    findings.push(error(interBroker.key, `${interBroker.key} names ${interBroker.name}, which is not an advertised broker listener: Kafka refuses to start`, known.length > 0 ? `set inter.broker.listener.name to one of ${known.join(', ')}` : 'define the inter-broker listener in listeners and advertised.listeners'));
  }
  return { listeners, interBroker, findings };
}

/** inter.broker.listener.name, else the listener named after security.inter.broker.protocol (default PLAINTEXT). */
function interBrokerListener(props: Properties, findings: Finding[]): { name: string; key: string } | undefined {
  const byName = props['inter.broker.listener.name'];
  const byProtocol = props['security.inter.broker.protocol'];
  if (byName !== undefined && byProtocol !== undefined) {
    findings.push(error('security.inter.broker.protocol', 'inter.broker.listener.name and security.inter.broker.protocol are both set: Kafka refuses to start', 'keep inter.broker.listener.name and remove security.inter.broker.protocol'));
  }
  if (byName !== undefined) return { name: byName.trim().toUpperCase(), key: 'inter.broker.listener.name' };
  if (byProtocol !== undefined) return { name: byProtocol.trim().toUpperCase(), key: 'security.inter.broker.protocol' };
  return { name: 'PLAINTEXT', key: 'inter.broker.listener.name' };
}

/** The prefix Kafka gives per-listener settings: listener.name.<lower-case name>. (ListenerName.configPrefix). */
export function listenerPrefix(listener: string): string {
  return `listener.name.${listener.toLowerCase()}.`;
}

/** A setting as Kafka resolves it for one listener, and the key that supplied it. */
export interface Setting {
  key: string;
  value?: string;
  /** The key was not set: `value` is Kafka's default, or undefined. */
  defaulted?: boolean;
}

/** A listener-prefixed key wins over the plain one (Kafka's valuesWithPrefixOverride). */
export function listenerSetting(props: Properties, listener: string, name: string, fallback?: string): Setting {
  const prefixed = listenerPrefix(listener) + name;
  if (props[prefixed] !== undefined) return { key: prefixed, value: props[prefixed] };
  if (props[name] !== undefined) return { key: name, value: props[name] };
  return { key: name, value: fallback, defaulted: true };
}

export interface SslSettings {
  keystoreType: Setting;
  keystoreLocation: Setting;
  keystorePassword: Setting;
  keyPassword: Setting;
  keystoreKey: Setting;
  keystoreChain: Setting;
  truststoreType: Setting;
  truststoreLocation: Setting;
  truststorePassword: Setting;
  truststoreCertificates: Setting;
  clientAuth: Setting;
}

/** The ssl.* settings one listener runs with (an empty value is a value to Kafka, not an unset key). */
export function sslSettingsFor(props: Properties, listener: string): SslSettings {
  const get = (name: string, fallback?: string) => listenerSetting(props, listener, name, fallback);
  return {
    keystoreType: get('ssl.keystore.type', 'JKS'),
    keystoreLocation: get('ssl.keystore.location'),
    keystorePassword: get('ssl.keystore.password'),
    keyPassword: get('ssl.key.password'),
    keystoreKey: get('ssl.keystore.key'),
    keystoreChain: get('ssl.keystore.certificate.chain'),
    truststoreType: get('ssl.truststore.type', 'JKS'),
    truststoreLocation: get('ssl.truststore.location'),
    truststorePassword: get('ssl.truststore.password'),
    truststoreCertificates: get('ssl.truststore.certificates'),
    clientAuth: get('ssl.client.auth', 'none'),
  };
}
