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

/** One revoked certificate, as a CRL lists it. */
export interface CrlEntry {
  serialHex: string;
  revokedAt: Date;
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
  /** A CRL over `entries`, signed by the issuer, as PEM ("X509 CRL"). */
  signCrl(entries: CrlEntry[], window: { thisUpdate: Date; nextUpdate: Date }): Promise<string>;
}
