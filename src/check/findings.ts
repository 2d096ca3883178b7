import type { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { daysLeft, expiryState, type Threshold } from '../lifecycle/threshold.js';
import type { Listener, Setting } from './broker-config.js';
import { error, expiry, notice, type Finding } from './finding.js';
import type { KeyEntry } from './stores.js';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EKU = '2.5.29.37.0';

/** A certificate's subject on one line (node prints one RDN per line). */
export function subjectOf(cert: X509Certificate): string {
  return cert.subject.split('\n').join(', ');
}

/** The subject CN: the name samctl knows a broker by. */
export function commonName(cert: X509Certificate): string {
  return /^CN=(.*)$/m.exec(cert.subject)?.[1] ?? '<host>';
}

export function sansOf(cert: X509Certificate): string[] {
  return cert.subjectAltName ? cert.subjectAltName.split(', ') : [];
}

/**
 * Does the certificate cover the host a client dials? As TLS clients decide it: an IP needs an
 * IP SAN; a name needs a DNS SAN (case-insensitive, a wildcard only as the whole left label),
 * and the subject CN is never consulted (Kafka clients verify SANs since 2.0, KIP-294).
 */
export function coversHost(cert: X509Certificate, host: string): boolean {
  if (isIP(host)) return cert.checkIP(host) !== undefined;
  return cert.checkHost(host, { subject: 'never', partialWildcards: false }) !== undefined;
}

function issued(issuer: X509Certificate, cert: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** The chain from the leaf, through the keystore's own intermediates, reaches a certificate the truststore holds. */
export function chainReachesTrust(chain: X509Certificate[], trusted: X509Certificate[]): boolean {
  let current = chain[0];
  const pool = chain.slice(1);
  for (let depth = 0; current && depth <= pool.length; depth++) {
    const cert = current;
    if (trusted.some((ca) => ca.fingerprint256 === cert.fingerprint256 || issued(ca, cert))) return true;
    current = pool.find((candidate) => candidate !== cert && issued(candidate, cert))!;
  }
  return false;
}

/** The advertised host is one the keystore's certificate covers; an empty or 0.0.0.0 host is a finding of its own. */
export function advertisedHostFindings(listener: Listener, entries: KeyEntry[], keystore: string): Finding[] {
  const endpoint = listener.advertised;
  if (!endpoint) return [];
  const key = endpoint.from;
  const sans = entries.flatMap((entry) => sansOf(entry.chain[0])).filter((san) => san.startsWith('DNS:'));
  const example = sans[0]?.slice(4) ?? 'broker1.example.com';
  if (endpoint.host === '') {
    return [error(key, `the ${listener.name} listener advertises no host (${listener.name}://:${endpoint.port}): Kafka then advertises the machine's canonical host name, which may not be in the certificate`, `name the host in advertised.listeners, e.g. ${listener.name}://${example}:${endpoint.port}`)];
  }
  if (endpoint.host === '0.0.0.0') {
    return [error(key, `the ${listener.name} listener would advertise 0.0.0.0: Kafka refuses to start`, `set advertised.listeners, e.g. ${listener.name}://${example}:${endpoint.port}`)];
  }
  return entries
    .filter((entry) => !coversHost(entry.chain[0], endpoint.host))
    .map((entry) =>
      error(
        key,
        `the ${listener.name} listener advertises ${endpoint.host}, which the certificate in ${keystore} does not cover (${sansOf(entry.chain[0]).join(', ') || 'no SANs'}): clients fail hostname verification`,
        `advertise a host the certificate covers, or re-issue it with that name: samctl broker issue ${commonName(entry.chain[0])} --san ${endpoint.host} (and its other SANs) --force`,
      ),
    );
}

/** SSL listeners should demand client certificates (mTLS); SASL_SSL authenticates by SASL instead. */
export function clientAuthFindings(listener: Listener, clientAuth: Setting): Finding[] {
  if (listener.protocol !== 'SSL') return [];
  const value = (clientAuth.value ?? 'none').trim();
  if (value.toLowerCase() === 'required') return [];
  const known = ['requested', 'none'].includes(value.toLowerCase());
  const what = clientAuth.defaulted ? `not set (Kafka's default is none)` : known ? `"${value}"` : `"${value}", which Kafka does not know and treats as none`;
  return [error(clientAuth.key, `${clientAuth.key} is ${what} on the SSL listener ${listener.name}: clients may connect without a certificate`, `set ${clientAuth.key}=required`)];
}

/** serverAuth for every listener; clientAuth too where the broker is the client (inter-broker, controller). */
export function keyUsageFindings(listener: Listener, entries: KeyEntry[], keystoreKey: string, keystore: string, clientAuthRequired: boolean): Finding[] {
  const findings: Finding[] = [];
  for (const entry of entries) {
    const usages = entry.chain[0].keyUsage;
    if (!usages || usages.includes(ANY_EKU)) continue;
    if (!usages.includes(SERVER_AUTH)) {
      findings.push(error(keystoreKey, `the certificate in ${keystore} (${subjectOf(entry.chain[0])}) lacks the serverAuth extended key usage: clients refuse it`, 'issue a broker certificate: samctl broker issue <host>'));
    }
    if ((listener.interBroker || listener.controller) && clientAuthRequired && !usages.includes(CLIENT_AUTH)) {
      findings.push(error(keystoreKey, `the certificate in ${keystore} (${subjectOf(entry.chain[0])}) lacks the clientAuth extended key usage, which the ${listener.name} listener needs when the broker connects to its peers`, 'issue a broker certificate (serverAuth and clientAuth): samctl broker issue <host>'));
    }
  }
  return findings;
}

/**
 * The keystore's chain must reach a CA in the truststore: peers share the truststore, so for the
 * inter-broker and controller listeners a miss means brokers reject each other. Elsewhere it
 * only says this broker's CA differs from its clients' CA.
 */
export function trustFindings(listener: Listener, entries: KeyEntry[], cas: X509Certificate[], truststoreKey: string, truststore: string): Finding[] {
  if (cas.length === 0) return [];
  return entries
    .filter((entry) => !chainReachesTrust(entry.chain, cas))
    .map((entry) => {
      const message = `the ${listener.name} listener's certificate (issued by ${entry.chain[0].issuer.split('\n').join(', ')}) does not chain to a CA in ${truststore}`;
      const fix = 'import the CA that issued the keystore into the truststore, or issue the keystore from the CA the truststore holds';
      return listener.interBroker || listener.controller
        ? error(truststoreKey, `${message}: brokers using this truststore reject this broker`, fix)
        : notice(truststoreKey, `${message}: peers that use the same truststore would not trust this broker`, fix);
    });
}

/** Days left on each keystore leaf; inside --within (or expired) is an expiry finding, not yet valid an error. */
export function validityFindings(entries: KeyEntry[], keystoreKey: string, keystore: string, now: Date, threshold: Threshold): Finding[] {
  const findings: Finding[] = [];
  for (const entry of entries) {
    const leaf = entry.chain[0];
    const validity = { notBefore: new Date(leaf.validFrom), notAfter: new Date(leaf.validTo) };
    const what = `the certificate in ${keystore} (${subjectOf(leaf)})`;
    if (validity.notBefore.getTime() > now.getTime()) {
      findings.push(error(keystoreKey, `${what} is not valid before ${validity.notBefore.toISOString()}`, 'check the broker\'s clock, or re-issue the certificate'));
      continue;
    }
    const state = expiryState(validity, now, threshold);
    const date = validity.notAfter.toISOString().slice(0, 10);
    const fix = `renew it: samctl renew ${commonName(leaf)}, then reload the keystore`;
    if (state === 'expired') findings.push(expiry(keystoreKey, `${what} expired on ${date}`, fix));
    if (state === 'due') findings.push(expiry(keystoreKey, `${what} expires in ${daysLeft(validity.notAfter, now)} days (${date}), within ${threshold.text}`, fix));
  }
  return findings;
}
