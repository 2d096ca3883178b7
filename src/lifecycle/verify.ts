import forge from 'node-forge';
import { altNamesToSans } from '../pki/certificates.js';
import { fingerprintSha256 } from '../pki/inspect.js';
import { sanToString } from '../pki/names.js';
import type { IdentityRecord } from '../store/inventory.js';
import { identityFileNames, type PkiLayout } from '../store/layout.js';
import { readIdentityOnDisk } from './on-disk.js';

export interface VerifyResult {
  kind: IdentityRecord['kind'];
  name: string;
  /** Broken: chain, key, keystore, SANs or EKUs wrong (exit 1). */
  failures: string[];
  /** Fixable by renewal: expired (exit 3). */
  expired: boolean;
  /** What to do about the first failure, when a file reader named it. */
  fix?: string;
}

const EXPECTED_EKU: Record<IdentityRecord['kind'], string[]> = {
  broker: ['serverAuth', 'clientAuth'],
  client: ['clientAuth'],
};

/**
 * Offline checks of one identity against the trusted CAs: chain, SANs, key/cert match,
 * keystore password and content, EKUs for the role, validity.
 */
export async function verifyIdentity(layout: PkiLayout, record: IdentityRecord, trusted: forge.pki.Certificate[], now: Date): Promise<VerifyResult> {
  const disk = await readIdentityOnDisk(layout, record, { keystore: true });
  const failures = [...disk.missing.map((file) => `${file} is missing`), ...disk.problems];
  const cert = disk.cert;
  const certFile = identityFileNames(record.kind, record.storeType).cert;
  let expired = false;
  if (cert) {
    const issuer = trusted.find((ca) => {
      try {
        return ca.verify(cert);
      } catch {
        return false;
      }
    });
    if (!issuer) failures.push(`${certFile} is not signed by a trusted CA`);

    const sans = altNamesToSans((cert.getExtension('subjectAltName') as { altNames?: [] } | null)?.altNames ?? []).map(sanToString);
    const lacking = record.sans.filter((san) => !sans.includes(san));
    if (lacking.length > 0) failures.push(`${certFile} lacks the SAN ${lacking.join(', ')}`);
    if (record.kind === 'broker' && sans.length === 0) failures.push(`${certFile} has no subject alternative name (clients verify the host against SANs)`);

    const eku = (cert.getExtension('extKeyUsage') ?? {}) as Record<string, unknown>;
    const lackingEku = EXPECTED_EKU[record.kind].filter((usage) => eku[usage] !== true);
    if (lackingEku.length > 0) failures.push(`${certFile} lacks the extended key usage ${lackingEku.join(', ')}`);

    if (disk.keystoreCert && fingerprintSha256(disk.keystoreCert) !== fingerprintSha256(cert)) {
      failures.push(`the keystore holds another certificate than ${certFile}`);
    }
    if (cert.validity.notBefore.getTime() > now.getTime()) failures.push(`${certFile} is not valid before ${cert.validity.notBefore.toISOString()}`);
    expired = cert.validity.notAfter.getTime() <= now.getTime();
  }
  return { kind: record.kind, name: record.name, failures, expired, ...(disk.missing.length === 0 && disk.fix ? { fix: disk.fix } : {}) };
}
