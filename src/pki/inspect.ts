import forge from 'node-forge';
import { altNamesToSans } from './certificates.js';
import { sanToString } from './names.js';
import { principalFor, type PrincipalResult, type PrincipalRules } from './principal.js';
import { formatRfc2253, issuerRfc2253, rdnsOfAttributes, subjectAttribute, subjectRfc2253 } from './rfc2253.js';

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
    subject: subjectRfc2253(cert),
    issuer: issuerRfc2253(cert),
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
 * The DN of attributes given as text (as samctl builds them, one RDN each), in the RFC 2253 form
 * Java prints (see rfc2253.ts). For a certificate use subjectRfc2253, which reads its DER.
 */
export function rfc2253(attributes: forge.pki.CertificateField[]): string {
  return formatRfc2253(rdnsOfAttributes(attributes));
}

/** One attribute of a certificate's subject (CN, O, OU …) as text, if present. */
export function subjectField(cert: forge.pki.Certificate, name: string): string | undefined {
  return subjectAttribute(cert, name);
}

/** The principal under Kafka's default rules: User: and the subject DN. */
export function kafkaPrincipal(cert: forge.pki.Certificate): string {
  return `User:${subjectRfc2253(cert)}`;
}

/** The principal the broker gives this certificate under ssl.principal.mapping.rules, or why it refuses it. */
export function certificatePrincipal(cert: forge.pki.Certificate, rules: PrincipalRules): PrincipalResult {
  return principalFor(rules, subjectRfc2253(cert));
}

