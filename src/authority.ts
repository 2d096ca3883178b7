import forge from 'node-forge';
import { SamctlError, ExitCode } from './errors.js';
import { createCaCertificate, type CertificateAuthority, type DistinguishedName } from './pki/certificates.js';
import { summarizeCertificate } from './pki/inspect.js';
import { decryptPrivateKey, encryptedKeyDigest, encryptPrivateKey, generateKeyPair, keyMatchesCertificate } from './pki/keys.js';
import { randomSerialHex } from './pki/serial.js';
import { validityWindow } from './pki/validity.js';
import { generateStorePassword } from './secrets.js';
import type { CaRecord } from './store/inventory.js';
import { PUBLIC, SECRET, type FileSpec } from './store/layout.js';
import type { CaFiles } from './store/ca-store.js';

export interface LoadedAuthority extends CertificateAuthority {
  certPem: string;
  truststorePassword: string;
}

/** A new CA: key, self-signed certificate, encrypted key file and the PKI-wide truststore password. */
export async function createAuthority(input: {
  dn: DistinguishedName;
  days: number;
  keySize: number;
  passphrase: string;
  now: Date;
}): Promise<{ files: FileSpec[]; record: CaRecord; cert: forge.pki.Certificate }> {
  const keyPair = await generateKeyPair(input.keySize);
  const cert = createCaCertificate({ keyPair, dn: input.dn, validity: validityWindow(input.now, input.days), serialHex: randomSerialHex() });
  const summary = summarizeCertificate(cert);
  const keyPem = encryptPrivateKey(keyPair.privateKey, input.passphrase);
  const files: FileSpec[] = [
    { name: 'ca.crt', content: forge.pki.certificateToPem(cert), mode: PUBLIC },
    { name: 'ca.key', content: keyPem, mode: SECRET },
    // Truststores hold only public CA certificates; one password for all of them lets a run
    // build the truststore once and copy it (a keytool launch saved per identity).
    { name: 'truststore.password', content: `${generateStorePassword()}\n`, mode: SECRET },
  ];
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
  return { files, record, cert };
}

/** Parses and checks the CA files: the certificate must be a CA and the key must match it. */
export function openAuthority(files: CaFiles, passphrase: string, paths: { cert: string; key: string }): LoadedAuthority {
  const cert = parseCaCertificate(files.certPem, paths.cert);
  const key = decryptPrivateKey(files.keyPem, passphrase, paths.key, files.keyDigest);
  if (!keyMatchesCertificate(key, cert)) {
    throw new SamctlError(`${paths.key} does not belong to ${paths.cert}`, {
      hint: 'restore the matching pair from a backup',
      exitCode: ExitCode.failed,
    });
  }
  return { cert, key, certPem: files.certPem, truststorePassword: files.truststorePassword };
}

export function parseCaCertificate(pem: string, path: string): forge.pki.Certificate {
  let cert: forge.pki.Certificate;
  try {
    cert = forge.pki.certificateFromPem(pem);
  } catch (err) {
    throw new SamctlError(`${path} is not a readable PEM certificate (${(err as Error).message})`, {
      hint: 'restore ca/ca.crt from a backup',
      exitCode: ExitCode.failed,
    });
  }
  const constraints = cert.getExtension('basicConstraints') as { cA?: boolean } | null;
  if (!constraints?.cA) {
    throw new SamctlError(`${path} is not a CA certificate (basicConstraints CA:TRUE missing)`, {
      hint: 'samctl signs only with a CA certificate; restore ca/ca.crt from a backup',
      exitCode: ExitCode.failed,
    });
  }
  return cert;
}
