import { readFile } from 'node:fs/promises';
import { saslPrincipal, type KerberosRealms } from '../pki/sasl-principal.js';
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

/**
 * The realms the brokers' rendered sasl.kerberos.principal.to.local.rules and JVM use: those
 * of the first active GSSAPI broker (its principal's realm; samctl assumes its krb5.conf's
 * default_realm is that realm too). Undefined without a GSSAPI broker.
 */
export function brokerKerberosRealms(inventory: Inventory): KerberosRealms | undefined {
  const broker = inventory.identities.find((record) => record.status !== 'revoked' && record.kind === 'broker' && record.sasl?.kerberos);
  if (!broker) return undefined;
  const principal = broker.sasl!.kerberos!.principal;
  const realm = principal.slice(principal.lastIndexOf('@') + 1);
  return { brokerRealm: realm, defaultRealm: realm };
}

/**
 * The principal ACLs and DENYs name for an identity: a SASL client's on the SASL_SSL listener
 * (User:<SCRAM user> or User:<Kerberos short name>), otherwise its certificate's DN under the
 * PKI's ssl.principal.mapping.rules.
 */
export function aclPrincipal(inventory: Inventory, record: IdentityRecord, rules: PrincipalRules): PrincipalResult {
  if (record.kind === 'client' && record.sasl) return saslPrincipal(record, brokerKerberosRealms(inventory))!;
  return principalFor(rules, record.subject);
}
