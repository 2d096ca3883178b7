import { SamctlError, ExitCode } from '../errors.js';
import { summarizeCertificate } from '../pki/inspect.js';
import type { CaRecord } from '../store/inventory.js';
import type { PkiLayout } from '../store/layout.js';
import { readCaFiles, readOlderCaFiles } from './ca-files.js';
import { FileCa } from './file-ca.js';
import type { Signer } from './signer.js';

/** A trusted CA able to sign its own CRL: `caSha256` is the inventory's sha256 of its certificate. */
export interface CrlSigner {
  caSha256: string;
  signer: Signer;
}

/**
 * Every CA trusted now, unlocked: the current one (ca/ca.key) first and, during a rotation, each
 * retiring one (ca/ca-<n>.key, kept by `ca rotate` until `ca retire`). A CRL names one issuer
 * (RFC 5280 §5.1.2.3), so each signs its own. All keys share the passphrase: `ca rotate`
 * encrypts the new key with the one that unlocked the old.
 */
export async function unlockCrlSigners(layout: PkiLayout, passphrase: string, cas: CaRecord[]): Promise<CrlSigner[]> {
  const current = await readCaFiles(layout);
  const signers: CrlSigner[] = [{ caSha256: summarizeCertificate(current.cert).sha256, signer: await FileCa.unlock(current, passphrase, layout) }];
  for (const older of (await readOlderCaFiles(layout)).reverse()) {
    const caSha256 = summarizeCertificate(older.cert).sha256;
    if (older.keyPem === undefined) {
      // A rotation begun by a samctl that moved the old key to backups/ only.
      throw new SamctlError(`${older.keyPath} is missing: the retiring CA cannot sign its CRL, and clients that check CRLs need one from every CA they trust`, {
        hint: `copy ca.key from the ${layout.backups}/ca-*/ directory whose ca.crt equals ${older.certPath} to ${older.keyPath} (chmod 600), or finish the rotation first (samctl renew --all, samctl ca retire)`,
        exitCode: ExitCode.failed,
      });
    }
    const keyDigest = cas.find((record) => record.sha256 === caSha256)?.keyDigest;
    const files = { cert: older.cert, certPem: older.certPem, keyPem: older.keyPem, truststorePassword: current.truststorePassword, keyDigest };
    signers.push({ caSha256, signer: await FileCa.unlock(files, passphrase, layout, { cert: older.certPath, key: older.keyPath }) });
  }
  return signers;
}
