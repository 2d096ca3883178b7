import { operationError } from '../errors.js';
import forge from 'node-forge';
import './native-rsa.js';
import type { KeyPair } from './keys.js';
import type { SubjectAltName } from './names.js';
import { caExtensions, leafExtensions, subjectAltNameExtension, type LeafRole } from './profiles.js';
import { nameAttributes, subjectName } from './rfc2253.js';

/** A subject DN, most significant first (O, OU, CN): Kafka's principal reads it reversed. */
export interface DistinguishedName {
  cn: string;
  o?: string;
  ou?: string;
}

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

export interface CertificateAuthority {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

export function dnToAttributes(dn: DistinguishedName): forge.pki.CertificateField[] {
  const attributes: forge.pki.CertificateField[] = [];
  if (dn.o) attributes.push(textAttribute('O', dn.o));
  if (dn.ou) attributes.push(textAttribute('OU', dn.ou));
  attributes.push(textAttribute('CN', dn.cn));
  return attributes;
}

// PrintableString's alphabet (X.680 §41.4). forge writes PrintableString unless told otherwise,
// and wrote "Jürgen" as a PrintableString holding the byte 0xFC, which Java reads as "J\uFFFDrgen".
const PRINTABLE_STRING = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** PrintableString where the value fits it (as before), UTF8String (RFC 5280 §4.1.2.6) where it does not. */
function textAttribute(shortName: string, value: string): forge.pki.CertificateField {
  return PRINTABLE_STRING.test(value) ? { shortName, value } : ({ shortName, value, valueTagClass: forge.asn1.Type.UTF8 } as unknown as forge.pki.CertificateField);
}

/** A self-signed CA certificate. */
export function createCaCertificate(input: { keyPair: KeyPair; dn: DistinguishedName; validity: Validity; serialHex: string }): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = input.keyPair.publicKey;
  cert.serialNumber = input.serialHex;
  cert.validity.notBefore = input.validity.notBefore;
  cert.validity.notAfter = input.validity.notAfter;
  const attributes = dnToAttributes(input.dn);
  cert.setSubject(attributes);
  cert.setIssuer(attributes);
  cert.setExtensions(caExtensions());
  cert.sign(input.keyPair.privateKey, forge.md.sha256.create());
  return cert;
}

/** A PKCS#10 request carrying the subject and, as an extensionRequest, the SANs. */
export function createCsr(input: { keyPair: KeyPair; dn: DistinguishedName; sans: readonly SubjectAltName[] }): forge.pki.CertificateSigningRequest {
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = input.keyPair.publicKey;
  csr.setSubject(dnToAttributes(input.dn));
  if (input.sans.length > 0) {
    csr.setAttributes([{ name: 'extensionRequest', extensions: [subjectAltNameExtension(input.sans)] }]);
  }
  csr.sign(input.keyPair.privateKey, forge.md.sha256.create());
  return csr;
}

/**
 * Signs a CSR with the CA. The SANs come from the CSR's extensionRequest and are copied
 * into the certificate (`openssl x509 -req` drops them, the classic Kafka SAN failure);
 * everything else comes from the role's profile, never from the request.
 */
export function signCsr(input: {
  csr: forge.pki.CertificateSigningRequest;
  ca: CertificateAuthority;
  role: LeafRole;
  validity: Validity;
  serialHex: string;
}): forge.pki.Certificate {
  const { csr, ca } = input;
  if (!csr.verify()) throw operationError('the certificate request is not signed by its own key', 'issue the identity again; if it repeats, report it with SAMCTL_DEBUG=1');
  const cert = forge.pki.createCertificate();
  cert.publicKey = csr.publicKey as forge.pki.rsa.PublicKey;
  cert.serialNumber = input.serialHex;
  cert.validity.notBefore = input.validity.notBefore;
  cert.validity.notAfter = input.validity.notAfter;
  cert.setSubject(csr.subject.attributes);
  // From the CA certificate's DER: forge's parsed attribute list holds UTF-8 values as bytes and
  // would encode them a second time, and the issuer must equal the CA's subject.
  cert.setIssuer(nameAttributes(subjectName(ca.cert)));
  cert.setExtensions(leafExtensions(input.role, requestedSans(csr), caKeyIdentifier(ca.cert)));
  cert.sign(ca.key, forge.md.sha256.create());
  return cert;
}

export function requestedSans(csr: forge.pki.CertificateSigningRequest): SubjectAltName[] {
  const request = csr.getAttribute({ name: 'extensionRequest' }) as { extensions?: Array<{ name: string; altNames?: AltName[] }> } | null;
  const sanExtension = request?.extensions?.find((extension) => extension.name === 'subjectAltName');
  return altNamesToSans(sanExtension?.altNames ?? []);
}

interface AltName {
  type: number;
  value?: string;
  ip?: string;
}

export function altNamesToSans(altNames: readonly AltName[]): SubjectAltName[] {
  return altNames.flatMap((alt): SubjectAltName[] => {
    if (alt.type === 2 && alt.value) return [{ type: 'dns', value: alt.value }];
    if (alt.type === 7 && alt.ip) return [{ type: 'ip', value: alt.ip }];
    return [];
  });
}

/** The CA's own subjectKeyIdentifier when it has one, else the RFC 5280 method-1 hash forge computes. */
export function caKeyIdentifier(caCert: forge.pki.Certificate): string {
  const ski = caCert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null;
  if (ski?.subjectKeyIdentifier) return forge.util.hexToBytes(ski.subjectKeyIdentifier);
  return caCert.generateSubjectKeyIdentifier().getBytes();
}
