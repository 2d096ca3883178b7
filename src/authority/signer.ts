import type forge from 'node-forge';
import type { DistinguishedName, Validity } from '../pki/certificates.js';
import type { SubjectAltName } from '../pki/names.js';
import type { LeafRole } from '../pki/profiles.js';

/**
 * What a leaf certificate will be, decided on samctl's side before anyone signs: the subject
 * DN (Kafka's principal), the role (EKUs and key usage), the SANs and the validity (already
 * capped to the CA's lifetime). A signer may refuse a profile; it never widens one.
 */
export interface LeafProfile {
  role: LeafRole;
  dn: DistinguishedName;
  sans: SubjectAltName[];
  validity: Validity;
}

/**
 * Why a certificate was revoked: the CRLReason values of RFC 5280 §5.3.1 that fit a leaf samctl
 * issues. No 'unspecified' (the RFC wants the extension left out instead) and no certificateHold
 * (samctl revokes for good).
 */
export type CrlReason = 'keyCompromise' | 'affiliationChanged' | 'superseded' | 'cessationOfOperation' | 'privilegeWithdrawn';

/** One revoked certificate, as a CRL lists it. */
export interface CrlEntry {
  /** The certificate's serial as forge gives it (`cert.serialNumber`, the inventory's `serial`): the DER INTEGER's bytes in hex. */
  serialHex: string;
  revokedAt: Date;
  /** Written as the entry's reasonCode extension; none when absent. */
  reason?: CrlReason;
}

/**
 * What a CRL covers: it is valid from `thisUpdate` until `nextUpdate` (a relying party treats
 * it as stale after that), and `number` is its cRLNumber, which RFC 5280 §5.2.3 requires to
 * grow with every CRL this issuer publishes: the caller keeps the count.
 */
export interface CrlWindow {
  thisUpdate: Date;
  nextUpdate: Date;
  number: number;
}

/**
 * The seam between samctl and whoever holds the CA key. The first implementation is the
 * encrypted PKCS#8 key in the PKI directory (file-ca.ts); a secrets engine's PKI mount signs
 * the same CSRs without the key ever leaving it. Callers above authority/ see only this.
 */
export interface Signer {
  /** The issuing CA certificate: new leaves chain to it. */
  readonly issuer: { cert: forge.pki.Certificate; pem: string };
  /** Signs a CSR (its key is the leaf's) with exactly the given profile. */
  sign(csr: forge.pki.CertificateSigningRequest, profile: LeafProfile): Promise<forge.pki.Certificate>;
  /**
   * A v2 CRL over `entries`, signed by the issuer, as PEM ("X509 CRL"): issuer = the issuing CA's
   * subject, authorityKeyIdentifier = its subjectKeyIdentifier, cRLNumber = `window.number`.
   */
  signCrl(entries: CrlEntry[], window: CrlWindow): Promise<string>;
}
