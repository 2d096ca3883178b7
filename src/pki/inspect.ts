import forge from 'node-forge';
import { altNamesToSans } from './certificates.js';
import { sanToString } from './names.js';

export interface CertificateSummary {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  sans: string[];
  sha256: string;
}

export function summarizeCertificate(cert: forge.pki.Certificate): CertificateSummary {
  const san = cert.getExtension('subjectAltName') as { altNames?: Array<{ type: number; value?: string; ip?: string }> } | null;
  return {
    subject: rfc2253(cert.subject.attributes),
    issuer: rfc2253(cert.issuer.attributes),
    serial: cert.serialNumber,
    notBefore: cert.validity.notBefore.toISOString(),
    notAfter: cert.validity.notAfter.toISOString(),
    sans: altNamesToSans(san?.altNames ?? []).map(sanToString),
    sha256: fingerprintSha256(cert),
  };
}

export function fingerprintSha256(cert: forge.pki.Certificate): string {
  const der = forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes();
  const digest = forge.md.sha256.create().update(der).digest().toHex().toUpperCase();
  return digest.match(/.{2}/g)!.join(':');
}

/**
 * The DN as RFC 2253 prints it, least significant first (CN=…,O=…): the form Kafka's
 * default principal builder uses for `User:` principals.
 */
export function rfc2253(attributes: forge.pki.CertificateField[]): string {
  return [...attributes]
    .reverse()
    .map((attribute) => `${attribute.shortName ?? attribute.type}=${escapeRfc2253(String(attribute.value))}`)
    .join(',');
}

// RFC 2253 §2.4: escape ,+"\<>; anywhere, # at the start, a space at either end.
function escapeRfc2253(value: string): string {
  return value
    .replace(/[,+"\\<>;]/g, (c) => `\\${c}`)
    .replace(/^([# ])/, '\\$1')
    .replace(/ $/, '\\ ');
}

/** One attribute of a certificate's subject (CN, O, OU …), if present. */
export function subjectField(cert: forge.pki.Certificate, name: string): string | undefined {
  return (cert.subject.getField(name) as { value?: string } | null)?.value ?? undefined;
}

export function kafkaPrincipal(cert: forge.pki.Certificate): string {
  return principalOfSubject(rfc2253(cert.subject.attributes));
}

/** The principal Kafka's default SSL principal builder makes of an RFC 2253 subject (no mapping rules). */
export function principalOfSubject(subject: string): string {
  return `User:${subject}`;
}
