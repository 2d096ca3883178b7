import { readFile } from 'node:fs/promises';
import { principalFor, type PrincipalResult, type PrincipalRules } from '../pki/principal.js';
import { subjectRfc2253 } from '../pki/rfc2253.js';
import type { Inventory, IdentityRecord } from '../store/inventory.js';
import { identityFileNames, type PkiLayout } from '../store/layout.js';
import { parseLeafCertificateText } from '../store/read.js';

export interface IdentityPrincipal {
  kind: IdentityRecord['kind'];
  name: string;
  /** The subject DN as the broker reads it (X500Principal.getName()). */
  subject: string;
  principal: PrincipalResult;
}

/**
 * The principal of every active identity under `rules`. The DN comes from the certificate on
 * disk (exactly what the broker sees); when that cannot be read, from the inventory record.
 */
export async function identityPrincipals(layout: PkiLayout, inventory: Inventory, rules: PrincipalRules): Promise<IdentityPrincipal[]> {
  const active = inventory.identities.filter((record) => record.status === 'active');
  return Promise.all(
    active.map(async (record) => {
      const subject = (await subjectOnDisk(layout, record)) ?? record.subject;
      return { kind: record.kind, name: record.name, subject, principal: principalFor(rules, subject) };
    }),
  );
}

/** The certificate's subject DN, or undefined when the file is missing or damaged (status reports that). */
async function subjectOnDisk(layout: PkiLayout, record: IdentityRecord): Promise<string | undefined> {
  const file = identityFileNames(record.kind, record.storeType).cert;
  try {
    const text = await readFile(layout.identityFile(record.kind, record.name, file), 'utf8');
    return subjectRfc2253(parseLeafCertificateText(text, file, ''));
  } catch {
    return undefined;
  }
}
