import { readFileSync } from 'node:fs';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { SamctlError } from '../../src/errors.js';
import { kafkaPrincipal, rfc2253 } from '../../src/pki/inspect.js';
import { subjectRfc2253 } from '../../src/pki/rfc2253.js';
import { collectSubjectAltNames, dnsNameProblem, parseSubjectAltName } from '../../src/pki/names.js';

const field = (shortName: string, value: string) => ({ shortName, value }) as forge.pki.CertificateField;

function usageErrorOf(run: () => unknown): { message: string; hint?: string; exitCode: number } {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(SamctlError);
    const { message, hint, exitCode } = err as SamctlError;
    return { message, hint, exitCode };
  }
  throw new Error('expected a usage error, got none');
}

describe('rfc2253: the DN as Kafka names the principal', () => {
  it('reverses the order: O first in the certificate, CN first in the principal', () => {
    expect(rfc2253([field('O', 'Ynformed'), field('OU', 'Analytics'), field('CN', 'prediction-service')])).toBe('CN=prediction-service,OU=Analytics,O=Ynformed');
    expect(rfc2253([field('CN', 'only')])).toBe('CN=only');
  });

  it.each([
    ['a,b', 'a\\,b'],
    ['a+b', 'a\\+b'],
    ['say "hi"', 'say \\"hi\\"'],
    ['back\\slash', 'back\\\\slash'],
    ['<tag>', '\\<tag\\>'],
    ['a;b', 'a\\;b'],
    ['#ops', '\\#ops'],
    // Java escapes = and # anywhere (OpenSSL's RFC 2253 output does not): checked against
    // X500Principal.getName() in test/principal-mapper-java.test.ts.
    ['mid#dle', 'mid\\#dle'],
    [' lead', '\\ lead'],
    ['trail ', 'trail\\ '],
    // Java escapes every leading and trailing space (OpenSSL only the first and the last).
    ['  two  ', '\\ \\ two\\ \\ '],
    ['in side', 'in side'],
    ['a=b', 'a\\=b'],
    ['\r', '\\\r'],
  ])('escapes %j as %j', (value, escaped) => {
    expect(rfc2253([field('CN', value)])).toBe(`CN=${escaped}`);
  });

  it('matches OpenSSL on a certificate OpenSSL made with an awkward subject', () => {
    // fixtures/odd-subject.pem: openssl req -x509 -subj '/O=Ynformed, B.V./OU=#ops/CN=a\+b "c" <d>;e\\f '
    // `openssl x509 -noout -subject -nameopt RFC2253` printed:
    //   subject=CN=a\+b \"c\" \<d\>\;e\\f\ ,OU=\#ops,O=Ynformed\, B.V.
    const cert = forge.pki.certificateFromPem(readFileSync(new URL('fixtures/odd-subject.pem', import.meta.url), 'utf8'));
    expect(subjectRfc2253(cert)).toBe('CN=a\\+b \\"c\\" \\<d\\>\\;e\\\\f\\ ,OU=\\#ops,O=Ynformed\\, B.V.');
  });

  it('gives the principal of the fixture client certificate (openssl -nameopt RFC2253: CN=prediction-service,OU=Analytics,O=Ynformed)', () => {
    const der = readFileSync(new URL('fixtures/client.der', import.meta.url));
    const cert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(der.toString('binary')));
    expect(kafkaPrincipal(cert)).toBe('User:CN=prediction-service,OU=Analytics,O=Ynformed');
  });
});

describe('parseSubjectAltName', () => {
  it.each([
    ['sam01.ynformed.nl', { type: 'dns', value: 'sam01.ynformed.nl' }],
    ['SAM01.Ynformed.NL', { type: 'dns', value: 'sam01.ynformed.nl' }],
    ['  sam01  ', { type: 'dns', value: 'sam01' }],
    ['localhost', { type: 'dns', value: 'localhost' }],
    ['xn--bcher-kva.example', { type: 'dns', value: 'xn--bcher-kva.example' }],
    ['kafka-0.kafka-headless.svc', { type: 'dns', value: 'kafka-0.kafka-headless.svc' }],
    ['10.0.0.11', { type: 'ip', value: '10.0.0.11' }],
    ['2001:db8::11', { type: 'ip', value: '2001:db8::11' }],
    ['[2001:db8::11]', { type: 'ip', value: '2001:db8::11' }],
    ['::1', { type: 'ip', value: '::1' }],
  ])('%j → %j', (raw, expected) => {
    expect(parseSubjectAltName(raw)).toEqual(expected);
  });

  const DNS_HINT = 'use a DNS name such as sam01.ynformed.nl or an IP address such as 10.0.0.11';
  const IP_HINT = 'give the address as 10.0.0.11 or 2001:db8::11';
  it.each([
    ['fe80::1%eth0', 'invalid host "fe80::1%eth0": an IPv6 zone index (%…) cannot be part of a certificate', IP_HINT],
    ['[fe80::1%eth0]', 'invalid host "[fe80::1%eth0]": an IPv6 zone index (%…) cannot be part of a certificate', IP_HINT],
    ['::ffff:10.0.0.1', 'invalid host "::ffff:10.0.0.1": IPv6 with an embedded IPv4 address is not supported (give the IPv4 address itself)', IP_HINT],
    ['*.ynformed.nl', 'invalid host "*.ynformed.nl": wildcards are not issued (name every broker)', DNS_HINT],
    ['sam01.ynformed.nl.', 'invalid host "sam01.ynformed.nl.": it ends with a dot', DNS_HINT],
    ['0x7f.0.0.1', 'invalid host "0x7f.0.0.1": it looks like an IP address but is not a valid one', DNS_HINT],
    ['10.0.0.256', 'invalid host "10.0.0.256": it looks like an IP address but is not a valid one', DNS_HINT],
    ['010.0.0.1', 'invalid host "010.0.0.1": it looks like an IP address but is not a valid one', DNS_HINT],
    ['host.123', 'invalid host "host.123": it looks like an IP address but is not a valid one', DNS_HINT],
    ['a'.repeat(300), `invalid host "${'a'.repeat(37)}...": it is 300 characters long (at most 253)`, DNS_HINT],
    [`${'a'.repeat(64)}.nl`, `invalid host "${'a'.repeat(37)}...": the label "${'a'.repeat(20)}…" is longer than 63 characters`, DNS_HINT],
    ['bücher.example', 'invalid host "b?cher.example": it contains spaces or non-ASCII characters (give internationalised names in punycode, xn--…)', DNS_HINT],
    ['sam 01', 'invalid host "sam 01": it contains spaces or non-ASCII characters (give internationalised names in punycode, xn--…)', DNS_HINT],
    ['sam..01', 'invalid host "sam..01": it has an empty label (two dots in a row or a leading dot)', DNS_HINT],
    ['-sam01', 'invalid host "-sam01": the label "-sam01" may hold only letters, digits and inner hyphens', DNS_HINT],
    ['sam_01', 'invalid host "sam_01": the label "sam_01" may hold only letters, digits and inner hyphens', DNS_HINT],
    ['', 'invalid host "": it is empty', DNS_HINT],
  ])('refuses %j', (raw, message, hint) => {
    expect(usageErrorOf(() => parseSubjectAltName(raw))).toEqual({ message, hint, exitCode: 2 });
  });

  it('names the flag it was given for', () => {
    expect(usageErrorOf(() => parseSubjectAltName('sam01.', '--san')).message).toBe('invalid --san "sam01.": it ends with a dot');
  });
});

describe('dnsNameProblem', () => {
  it('accepts a 63-character label and a 253-character name, refuses one more', () => {
    const label63 = `a${'b'.repeat(61)}c`;
    expect(dnsNameProblem(`${label63}.nl`)).toBeUndefined();
    expect(dnsNameProblem(`${label63}d.nl`)).toBe(`the label "a${'b'.repeat(19)}…" is longer than 63 characters`);
    const name253 = [label63, label63, label63, 'a'.repeat(61)].join('.');
    expect(name253.length).toBe(253);
    expect(dnsNameProblem(name253)).toBeUndefined();
    expect(dnsNameProblem(`${name253}a`)).toBe('it is 254 characters long (at most 253)');
  });
});

describe('collectSubjectAltNames', () => {
  it('puts the host first and drops duplicates after lowercasing and unbracketing', () => {
    expect(collectSubjectAltNames('SAM01.ynformed.nl', ['sam01', '10.0.0.11', 'sam01.ynformed.nl', '[2001:db8::11]', '2001:db8::11', 'SAM01', '10.0.0.11'])).toEqual([
      { type: 'dns', value: 'sam01.ynformed.nl' },
      { type: 'dns', value: 'sam01' },
      { type: 'ip', value: '10.0.0.11' },
      { type: 'ip', value: '2001:db8::11' },
    ]);
  });

  it('a host given as an address comes first too', () => {
    expect(collectSubjectAltNames('10.0.0.11', ['sam01.ynformed.nl'])).toEqual([
      { type: 'ip', value: '10.0.0.11' },
      { type: 'dns', value: 'sam01.ynformed.nl' },
    ]);
  });

  it('refuses a bad --san by its flag, a bad host by "host"', () => {
    expect(usageErrorOf(() => collectSubjectAltNames('sam01.ynformed.nl', ['*.ynformed.nl'])).message).toBe(
      'invalid --san "*.ynformed.nl": wildcards are not issued (name every broker)',
    );
    expect(usageErrorOf(() => collectSubjectAltNames('fe80::1%eth0', [])).message).toBe(
      'invalid host "fe80::1%eth0": an IPv6 zone index (%…) cannot be part of a certificate',
    );
  });
});
