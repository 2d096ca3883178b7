import type { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { usageError } from '../errors.js';
import { daysLeft, type Threshold } from '../lifecycle/threshold.js';
import { parseBrokerProperties, resolveListeners, sslSettingsFor, type Listener, type Setting, type SslSettings } from './broker-config.js';
import { resolveConfigProviders, type FileRead, type ResolvedConfig } from './config-providers.js';
import { checkExitCode, error, notice, uniqueFindings, type Finding } from './finding.js';
import { kerberosFindings } from './kerberos.js';
import { advertisedHostFindings, clientAuthFindings, keyUsageFindings, sansOf, subjectOf, trustFindings, validityFindings } from './findings.js';
import { openKeystore, openTruststore, type KeystoreSettings, type OpenedKeystore, type OpenedTruststore, type StoreSetting, type TruststoreSettings } from './stores.js';

export interface ListenerReport {
  name: string;
  protocol: string | null;
  listen: string;
  advertised: { host: string; port: number; from: string } | null;
  interBroker: boolean;
  controller: boolean;
  clientAuth?: string;
  keystore?: { source: string | null; type: string; certificates: Array<{ alias: string; subject: string; issuer: string; sans: string[]; notAfter: string; daysLeft: number }> };
  truststore?: { source: string | null; type: string; cas: string[] };
}

export interface CheckReport {
  file: string;
  listeners: ListenerReport[];
  findings: Finding[];
  exitCode: 0 | 1 | 3;
}

const KEYSTORE_KEYS = ['keystoreType', 'keystoreLocation', 'keystorePassword', 'keyPassword', 'keystoreKey', 'keystoreChain'] as const;
const TRUSTSTORE_KEYS = ['truststoreType', 'truststoreLocation', 'truststorePassword', 'truststoreCertificates'] as const;

/**
 * Checks a broker's own server.properties: every SSL/SASL_SSL listener's keystore and truststore
 * open with their passwords, the advertised host is in the certificate, the chain reaches the
 * truststore, mTLS is on, and the certificate is not about to expire. Needs no samctl PKI directory.
 */
export async function checkBrokerConfig(file: string, options: { now: Date; threshold: Threshold }): Promise<CheckReport> {
  const props = parseBrokerProperties(await readConfigFile(file), file);
  const resolved = resolveConfigProviders(props, readSecretFile);
  const model = resolveListeners(resolved.values);
  const findings: Finding[] = [...resolved.findings, ...model.findings];
  const secured = model.listeners.filter((listener) => listener.protocol === 'SSL' || listener.protocol === 'SASL_SSL');
  if (model.listeners.length > 0 && secured.length === 0) {
    findings.push(error('listeners', 'no listener uses SSL or SASL_SSL: nothing the broker serves is encrypted', 'add an SSL listener, e.g. listeners=SSL://:9093 with listener.security.protocol.map and the ssl.* keys (samctl broker issue writes them)'));
  }

  const stores: StoreCache = { keystores: new Map(), truststores: new Map() };
  const listeners: ListenerReport[] = [];
  for (const listener of model.listeners) {
    const report = describeListener(listener);
    listeners.push(report);
    if (secured.includes(listener)) findings.push(...(await checkSslListener(listener, report, resolved, stores, options)));
  }
  findings.push(...(await kerberosFindings(model.listeners, resolved.values)));
  const unique = uniqueFindings(findings);
  return { file, listeners, findings: unique, exitCode: checkExitCode(unique) };
}

interface StoreCache {
  keystores: Map<string, Promise<OpenedKeystore>>;
  truststores: Map<string, Promise<OpenedTruststore>>;
}

/** One SSL or SASL_SSL listener: its stores opened with its own settings, then every check on them. */
async function checkSslListener(listener: Listener, report: ListenerReport, resolved: ResolvedConfig, stores: StoreCache, options: { now: Date; threshold: Threshold }): Promise<Finding[]> {
  const ssl = sslSettingsFor(resolved.values, listener.name);
  const findings = [...clientAuthFindings(listener, ssl.clientAuth), ...relativePathNotices(ssl)];
  report.clientAuth = ssl.clientAuth.value;

  const at = (setting: Setting) => storeSetting(setting, resolved);
  const keystoreSettings: KeystoreSettings = { type: at(ssl.keystoreType), location: at(ssl.keystoreLocation), password: at(ssl.keystorePassword), keyPassword: at(ssl.keyPassword), key: at(ssl.keystoreKey), chain: at(ssl.keystoreChain) };
  const truststoreSettings: TruststoreSettings = { type: at(ssl.truststoreType), location: at(ssl.truststoreLocation), password: at(ssl.truststorePassword), certificates: at(ssl.truststoreCertificates) };
  const keystoreUnchecked = uncheckable(KEYSTORE_KEYS.map((name) => ssl[name]), resolved, findings);
  const truststoreUnchecked = uncheckable(TRUSTSTORE_KEYS.map((name) => ssl[name]), resolved, findings);
  const [keystore, truststore] = await Promise.all([
    keystoreUnchecked ? UNCHECKED : cached(stores.keystores, keystoreSettings, () => openKeystore(keystoreSettings)),
    truststoreUnchecked ? { ...UNCHECKED, cas: [] } : cached(stores.truststores, truststoreSettings, () => openTruststore(truststoreSettings)),
  ]);
  findings.push(...keystore.findings, ...truststore.findings);
  report.keystore = { source: keystore.source ?? null, type: ssl.keystoreType.value ?? 'JKS', certificates: keystore.entries.map((entry) => describeEntry(entry.alias, entry.chain[0], options.now)) };
  report.truststore = { source: truststore.source ?? null, type: ssl.truststoreType.value ?? 'JKS', cas: truststore.cas.map(subjectOf) };

  const keystoreKey = ssl.keystoreKey.value !== undefined ? ssl.keystoreChain.key : ssl.keystoreLocation.key;
  const truststoreKey = ssl.truststoreCertificates.value !== undefined ? ssl.truststoreCertificates.key : ssl.truststoreLocation.key;
  const clientAuthRequired = listener.protocol === 'SSL' && ssl.clientAuth.value?.trim().toLowerCase() === 'required';
  if (!keystoreUnchecked && keystore.source === undefined && keystore.findings.length === 0) {
    findings.push(error(ssl.keystoreLocation.key, `the ${listener.name} listener has no keystore: the broker has no certificate to present`, `set ${ssl.keystoreLocation.key} (and its password), as samctl broker issue writes in server-ssl.properties`));
  }
  if (!truststoreUnchecked && truststore.source === undefined && truststore.findings.length === 0 && (clientAuthRequired || listener.interBroker || listener.controller)) {
    findings.push(error(ssl.truststoreLocation.key, `the ${listener.name} listener has no truststore: Java's default cacerts cannot verify certificates from your CA`, `set ${ssl.truststoreLocation.key} to a truststore holding your CA`));
  }
  const keystoreName = keystore.source ?? 'the keystore';
  return [
    ...findings,
    ...advertisedHostFindings(listener, keystore.entries, keystoreName),
    ...keyUsageFindings(listener, keystore.entries, keystoreKey, keystoreName, clientAuthRequired),
    ...trustFindings(listener, keystore.entries, truststore.cas, truststoreKey, truststore.source ?? 'the truststore'),
    ...validityFindings(keystore.entries, keystoreKey, keystoreName, options.now, options.threshold),
  ];
}

const UNCHECKED: OpenedKeystore = { entries: [], findings: [] };

/**
 * A store samctl cannot open as Kafka would: a value from the broker's environment (a notice), or
 * a broken ${…} reference, whose finding is already there (Kafka would use the text itself).
 */
function uncheckable(settings: Setting[], resolved: ResolvedConfig, findings: Finding[]): boolean {
  const unresolved = settings.filter((setting) => resolved.unresolved[setting.key]);
  for (const setting of unresolved) findings.push(notice(setting.key, `${setting.key} is not checked: ${resolved.unresolved[setting.key]}`, 'check that key by hand on the broker'));
  return unresolved.length > 0 || settings.some((setting) => resolved.failed.includes(setting.key));
}

async function readConfigFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw usageError(`no such file: ${file}`, 'pass the path of the broker\'s server.properties');
    if (code === 'EISDIR') throw usageError(`${file} is a directory`, 'pass the path of the broker\'s server.properties');
    if (code === 'EACCES') throw usageError(`cannot read ${file}: permission denied`, 'run samctl check as the broker\'s user, or as root');
    throw err;
  }
}

/** Files named by ${file:…} references, read as FileConfigProvider reads them (UTF-8). */
function readSecretFile(path: string): FileRead {
  try {
    return { text: readFileSync(path, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a directory' : String(code) };
  }
}

/** A setting with its resolved value and a label naming where a ${…} value came from. */
function storeSetting(setting: Setting, resolved: ResolvedConfig): StoreSetting {
  const via = resolved.via[setting.key];
  return { key: setting.key, label: via ? `${setting.key} (from ${via})` : setting.key, value: setting.value };
}

/** One open per distinct store configuration (a plain ssl.* keystore shared by listeners opens once). */
function cached<T>(cache: Map<string, Promise<T>>, settings: object, open: () => Promise<T>): Promise<T> {
  const id = JSON.stringify(settings);
  let opened = cache.get(id);
  if (!opened) cache.set(id, (opened = open()));
  return opened;
}

function relativePathNotices(ssl: SslSettings): Finding[] {
  return [ssl.keystoreLocation, ssl.truststoreLocation]
    .filter((setting) => setting.value !== undefined && setting.value !== '' && !isAbsolute(setting.value))
    .map((setting) => notice(setting.key, `${setting.key} is a relative path: samctl read it from the current directory, Kafka reads it from its working directory`, `use an absolute path in ${setting.key}`));
}

function describeListener(listener: Listener): ListenerReport {
  const { advertised } = listener;
  return {
    name: listener.name,
    protocol: listener.protocol ?? null,
    listen: `${listener.bind.host}:${listener.bind.port}`,
    advertised: advertised ? { host: advertised.host, port: advertised.port, from: advertised.from } : null,
    interBroker: listener.interBroker,
    controller: listener.controller,
  };
}

function describeEntry(alias: string, leaf: X509Certificate, now: Date) {
  const notAfter = new Date(leaf.validTo);
  return { alias, subject: subjectOf(leaf), issuer: leaf.issuer.split('\n').join(', '), sans: sansOf(leaf), notAfter: notAfter.toISOString(), daysLeft: daysLeft(notAfter, now) };
}
