import { isIP } from 'node:net';
import { usageError } from '../errors.js';

export type SubjectAltName = { type: 'dns'; value: string } | { type: 'ip'; value: string };

const MAX_DNS_NAME = 253;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A host name as a broker certificate may carry it: LDH labels (RFC 1123), ASCII only
 * (IDNs must be given in punycode), no trailing dot, no wildcard, at most 253 characters.
 * Returns the reason it is invalid, or undefined when it is fine.
 */
export function dnsNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > MAX_DNS_NAME) return `it is ${name.length} characters long (at most ${MAX_DNS_NAME})`;
  if (/[^\x21-\x7e]/.test(name)) return 'it contains spaces or non-ASCII characters (give internationalised names in punycode, xn--…)';
  if (name.endsWith('.')) return 'it ends with a dot';
  if (name.includes('*')) return 'wildcards are not issued (name every broker)';
  for (const label of name.toLowerCase().split('.')) {
    if (label.length === 0) return 'it has an empty label (two dots in a row or a leading dot)';
    if (label.length > 63) return `the label "${label.slice(0, 20)}…" is longer than 63 characters`;
    if (!LABEL.test(label)) return `the label "${label}" may hold only letters, digits and inner hyphens`;
  }
  // RFC 3696 §2: a top-level label is never all digits; resolvers read such names as addresses (0x7f.0.0.1)
  if (/^[0-9.]+$/.test(name) || /(^|\.)[0-9]+$/.test(name)) return 'it looks like an IP address but is not a valid one';
  return undefined;
}

/** Classifies and validates one host or --san value; throws a usage error naming the fix. */
export function parseSubjectAltName(raw: string, what = 'host'): SubjectAltName {
  const value = raw.trim();
  const bare = value.replace(/^\[(.*)\]$/, '$1');
  const ipVersion = isIP(bare);
  if (ipVersion !== 0) {
    const problem = ipProblem(bare, ipVersion);
    if (problem) throw usageError(`invalid ${what} "${truncate(value)}": ${problem}`, 'give the address as 10.0.0.11 or 2001:db8::11');
    return { type: 'ip', value: bare };
  }
  const problem = dnsNameProblem(value);
  if (problem) {
    throw usageError(
      `invalid ${what} "${truncate(value)}": ${problem}`,
      'use a DNS name such as sam01.ynformed.nl or an IP address such as 10.0.0.11',
    );
  }
  return { type: 'dns', value: value.toLowerCase() };
}

/**
 * Addresses a certificate cannot carry as an iPAddress SAN: a zone index (fe80::1%eth0) is
 * local to one host, and the dotted IPv4 tail of an IPv6 address (::ffff:10.0.0.1) is not
 * something the certificate encoder takes.
 */
function ipProblem(address: string, version: number): string | undefined {
  if (version !== 6) return undefined;
  if (address.includes('%')) return 'an IPv6 zone index (%…) cannot be part of a certificate';
  if (address.includes('.')) return 'IPv6 with an embedded IPv4 address is not supported (give the IPv4 address itself)';
  return undefined;
}

/** The host first, then every extra SAN, without duplicates. */
export function collectSubjectAltNames(host: string, extra: readonly string[]): SubjectAltName[] {
  const all = [parseSubjectAltName(host, 'host'), ...extra.map((san) => parseSubjectAltName(san, '--san'))];
  const seen = new Set<string>();
  return all.filter((san) => {
    const key = `${san.type}:${san.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Client identity names become directory names and CNs: keep them tame. */
export function parseIdentityName(raw: string): string {
  const name = raw.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name) || name.includes('..')) {
    throw usageError(
      `invalid client name "${truncate(name)}": use 1-64 letters, digits, dots, dashes or underscores`,
      'for example: samctl client issue prediction-service',
    );
  }
  return name;
}

/** A DN attribute value given on the command line (--cn, --org, --ou). */
export function parseDnValue(raw: string, flag: string): string {
  const value = raw.trim();
  if (value.length === 0 || value.length > 64 || /[\x00-\x1f\x7f]/.test(value)) {
    throw usageError(`invalid ${flag} "${truncate(value)}": use 1-64 printable characters`);
  }
  return value;
}

export function sanToString(san: SubjectAltName): string {
  return `${san.type === 'dns' ? 'DNS' : 'IP'}:${san.value}`;
}

function truncate(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 40 ? `${printable.slice(0, 37)}...` : printable;
}
