import forge from 'node-forge';
import { X509Certificate } from 'node:crypto';
import { SamctlError, ExitCode } from '../errors.js';
import { caKeyIdentifier, createCaCertificate, dnToAttributes, requestedSans, signCsr, type DistinguishedName } from '../pki/certificates.js';
import { rfc2253, summarizeCertificate } from '../pki/inspect.js';
import { decryptPrivateKey, encryptedKeyDigest, generateKeyPair, keyMatchesCertificate, sealPrivateKey, startKeySealing } from '../pki/keys.js';
import { sanToString } from '../pki/names.js';
import { randomSerialHex } from '../pki/serial.js';
import { validityWindow } from '../pki/validity.js';
import { generateStorePassword } from '../secrets.js';
import type { CaRecord } from '../store/inventory.js';
import type { PkiLayout } from '../store/layout.js';
import { currentCaFiles, type CaFiles } from './ca-files.js';
import type { CrlEntry, CrlReason, CrlWindow, LeafProfile, Signer } from './signer.js';

/** A new CA: key, self-signed certificate, its encrypted key and the inventory record. */
export async function createFileCa(input: {
  dn: DistinguishedName;
  days: number;
  keySize: number;
  passphrase: string;
  now: Date;
}): Promise<{ certPem: string; keyPem: string; record: CaRecord; cert: forge.pki.Certificate }> {
  // The key's protection (600,000 PBKDF2 iterations) is derived while the key is made, both on libuv's threads.
  const sealing = startKeySealing(input.passphrase);
  sealing.catch(() => undefined); // awaited below; a failed keygen must not leave it unhandled
  const keyPair = await generateKeyPair(input.keySize);
  const cert = createCaCertificate({ keyPair, dn: input.dn, validity: validityWindow(input.now, input.days), serialHex: randomSerialHex() });
  const summary = summarizeCertificate(cert);
  const keyPem = sealPrivateKey(keyPair.privateKey, await sealing);
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

  /** Decrypts ca/ca.key (or a retiring CA's ca-<n>.key, given `paths`) and checks it belongs to its certificate. */
  static async unlock(files: CaFiles & { cert: forge.pki.Certificate }, passphrase: string, layout: PkiLayout, paths: { cert: string; key: string } = { cert: layout.caCert, key: layout.caKey }): Promise<FileCa> {
    const key = await decryptPrivateKey(files.keyPem, passphrase, paths.key, files.keyDigest);
    if (!keyMatchesCertificate(key, files.cert)) {
      throw new SamctlError(`${paths.key} does not belong to ${paths.cert}`, {
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

  async signCrl(entries: CrlEntry[], window: CrlWindow): Promise<string> {
    checkCrlInput(entries, window);
    // Loaded here, not at the top: only CRL commands pay for pkijs (node-forge has no CRL API).
    const [pkijs, asn1js] = await Promise.all([import('pkijs'), import('asn1js')]);
    // RFC 4055 §5: sha256WithRSAEncryption's parameters MUST be NULL, as forge writes them in every
    // certificate samctl signs; pkijs leaves them out, so its engine is told to put them in.
    const engine = new (class extends pkijs.CryptoEngine {
      override async getSignatureParameters(privateKey: CryptoKey, hashAlgorithm?: string) {
        const parameters = await super.getSignatureParameters(privateKey, hashAlgorithm);
        parameters.signatureAlgorithm.algorithmParams = new asn1js.Null();
        return parameters;
      }
    })({ name: 'node', crypto: globalThis.crypto });
    const extensions = (list: Array<{ id: string; value: { toBER(): ArrayBuffer } }>) =>
      new pkijs.Extensions({ extensions: list.map(({ id, value }) => new pkijs.Extension({ extnID: id, critical: false, extnValue: value.toBER() })) });
    const keyIdentifier = new asn1js.OctetString({ valueHex: Buffer.from(caKeyIdentifier(this.issuer.cert), 'binary') });

    const crl = new pkijs.CertificateRevocationList({
      version: 1, // v2 (RFC 5280 §5.1.2.1): the extensions below need it
      // The issuer's subject as the certificate's own bytes, so name matching cannot differ by encoding.
      issuer: pkijs.Certificate.fromBER(new X509Certificate(this.issuer.pem).raw).subject,
      thisUpdate: crlTime(pkijs, window.thisUpdate),
      nextUpdate: crlTime(pkijs, window.nextUpdate),
      // RFC 5280 §5.1.2.6: an empty list is left out, not written as an empty SEQUENCE.
      ...(entries.length > 0 && {
        revokedCertificates: entries.map(
          (entry) =>
            new pkijs.RevokedCertificate({
              // forge writes a serial's hex as the INTEGER's bytes; the same bytes here make the entry match the certificate.
              userCertificate: new asn1js.Integer({ valueHex: Buffer.from(entry.serialHex, 'hex') }),
              revocationDate: crlTime(pkijs, entry.revokedAt),
              ...(entry.reason && { crlEntryExtensions: extensions([{ id: pkijs.id_CRLReason, value: new asn1js.Enumerated({ value: CRL_REASON_CODES[entry.reason] }) }]) }),
            }),
        ),
      }),
      // RFC 5280 §5.2: conforming CRL issuers MUST include both.
      crlExtensions: extensions([
        { id: pkijs.id_AuthorityKeyIdentifier, value: new pkijs.AuthorityKeyIdentifier({ keyIdentifier }).toSchema() },
        { id: pkijs.id_CRLNumber, value: new asn1js.Integer({ value: window.number }) },
      ]),
    });
    const pkcs8 = forge.asn1.toDer(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(this.key))).getBytes();
    const key = await globalThis.crypto.subtle.importKey('pkcs8', Buffer.from(pkcs8, 'binary'), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
    await crl.sign(key, 'SHA-256', engine);
    return forge.pem.encode({ type: 'X509 CRL', body: Buffer.from(crl.toSchema().toBER()).toString('binary') });
  }
}

/** RFC 5280 §5.3.1 CRLReason values. */
const CRL_REASON_CODES: Record<CrlReason, number> = {
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  privilegeWithdrawn: 9,
};

/** UTCTime through 2049, GeneralizedTime from 2050, whole seconds (RFC 5280 §5.1.2.4, §4.1.2.5). */
function crlTime(pkijs: typeof import('pkijs'), date: Date) {
  const value = new Date(Math.floor(date.getTime() / 1000) * 1000);
  return new pkijs.Time({ type: value.getUTCFullYear() < 2050 ? pkijs.TimeType.UTCTime : pkijs.TimeType.GeneralizedTime, value });
}

function checkCrlInput(entries: CrlEntry[], window: CrlWindow): void {
  const bad = entries.find((entry) => !/^(?:[0-9a-f]{2})+$/i.test(entry.serialHex) || Number.isNaN(entry.revokedAt.getTime()));
  if (bad) throw new SamctlError(`cannot list serial '${bad.serialHex}' revoked at ${bad.revokedAt} in a CRL`, { exitCode: ExitCode.failed });
  if (!(window.nextUpdate.getTime() > window.thisUpdate.getTime())) {
    throw new SamctlError(`a CRL's nextUpdate (${window.nextUpdate}) must come after its thisUpdate (${window.thisUpdate})`, { exitCode: ExitCode.failed });
  }
  // cRLNumber is an INTEGER 0..MAX of at most 20 octets (RFC 5280 §5.2.3); a JS safe integer always fits.
  if (!Number.isSafeInteger(window.number) || window.number < 0) {
    throw new SamctlError(`a CRL number must be a whole number ≥ 0, not ${window.number}`, { exitCode: ExitCode.failed });
  }
}
