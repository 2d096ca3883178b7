import forge from 'node-forge';
import { SamctlError, ExitCode } from '../errors.js';
import { createCaCertificate, dnToAttributes, requestedSans, signCsr, type DistinguishedName } from '../pki/certificates.js';
import { rfc2253, summarizeCertificate } from '../pki/inspect.js';
import { decryptPrivateKey, encryptedKeyDigest, encryptPrivateKey, generateKeyPair, keyMatchesCertificate } from '../pki/keys.js';
import { sanToString } from '../pki/names.js';
import { randomSerialHex } from '../pki/serial.js';
import { validityWindow } from '../pki/validity.js';
import { generateStorePassword } from '../secrets.js';
import type { CaRecord } from '../store/inventory.js';
import type { PkiLayout } from '../store/layout.js';
import { currentCaFiles, type CaFiles } from './ca-files.js';
import type { CrlEntry, LeafProfile, Signer } from './signer.js';

/** A new CA: key, self-signed certificate, its encrypted key and the inventory record. */
export async function createFileCa(input: {
  dn: DistinguishedName;
  days: number;
  keySize: number;
  passphrase: string;
  now: Date;
}): Promise<{ certPem: string; keyPem: string; record: CaRecord; cert: forge.pki.Certificate }> {
  const keyPair = await generateKeyPair(input.keySize);
  const cert = createCaCertificate({ keyPair, dn: input.dn, validity: validityWindow(input.now, input.days), serialHex: randomSerialHex() });
  const summary = summarizeCertificate(cert);
  const keyPem = encryptPrivateKey(keyPair.privateKey, input.passphrase);
  const record: CaRecord = {
    serial: summary.serial,
    subject: summary.subject,
    sha256: summary.sha256,
    notBefore: summary.notBefore,
    notAfter: summary.notAfter,
    keySize: input.keySize,
    keyDigest: encryptedKeyDigest(keyPem),
    createdAt: input.now.toISOString(),
    status: 'active',
  };
  return { certPem: forge.pki.certificateToPem(cert), keyPem, record, cert };
}

/**
 * ca/ for a brand-new CA. Truststores hold only public CA certificates; one password for all
 * of them lets a run build the truststore once and copy it (a keytool launch saved per identity).
 */
export function newCaDirectory(ca: { certPem: string; keyPem: string }) {
  return currentCaFiles({ ...ca, truststorePassword: generateStorePassword() });
}

/** The CA whose key is the encrypted PKCS#8 file in ca/: it signs in this process. */
export class FileCa implements Signer {
  readonly issuer: { cert: forge.pki.Certificate; pem: string };

  private constructor(
    cert: forge.pki.Certificate,
    pem: string,
    private readonly key: forge.pki.rsa.PrivateKey,
  ) {
    this.issuer = { cert, pem };
  }

  /** Decrypts ca/ca.key and checks it belongs to ca/ca.crt. */
  static unlock(files: CaFiles & { cert: forge.pki.Certificate }, passphrase: string, layout: PkiLayout): FileCa {
    const key = decryptPrivateKey(files.keyPem, passphrase, layout.caKey, files.keyDigest);
    if (!keyMatchesCertificate(key, files.cert)) {
      throw new SamctlError(`${layout.caKey} does not belong to ${layout.caCert}`, {
        hint: `restore the matching pair from ${layout.backups}/ca-*/`,
        exitCode: ExitCode.failed,
      });
    }
    return new FileCa(files.cert, files.certPem, key);
  }

  async sign(csr: forge.pki.CertificateSigningRequest, profile: LeafProfile): Promise<forge.pki.Certificate> {
    // The profile is ours; signCsr copies subject and SANs from the CSR, so the CSR must ask for exactly it.
    const asked = { dn: rfc2253(csr.subject.attributes), sans: requestedSans(csr).map(sanToString).join(',') };
    const wanted = { dn: rfc2253(dnToAttributes(profile.dn)), sans: profile.sans.map(sanToString).join(',') };
    if (asked.dn !== wanted.dn || asked.sans !== wanted.sans) {
      throw new SamctlError(`the certificate request asks for ${asked.dn} [${asked.sans}], not the profile's ${wanted.dn} [${wanted.sans}]`, { exitCode: ExitCode.failed });
    }
    return signCsr({ csr, ca: { cert: this.issuer.cert, key: this.key }, role: profile.role, validity: profile.validity, serialHex: randomSerialHex() });
  }

  async signCrl(_entries: CrlEntry[], _window: { thisUpdate: Date; nextUpdate: Date }): Promise<string> {
    throw new SamctlError('CRLs are not built yet', { exitCode: ExitCode.failed });
  }
}
