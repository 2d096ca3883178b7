import { usageError } from '../errors.js';
import { principalFor, type PrincipalRules } from '../pki/principal.js';
import type { IdentityRecord } from '../store/inventory.js';

/**
 * The principals Kafka's StandardAuthorizer lets do anything (super.users): every active
 * broker (brokers replicate, register with the controllers and vote) and every client issued
 * with --admin (it applies ACLs, reloads keystores, creates topics). Sorted, so that a snippet
 * only changes when the set does.
 */
export function superUsers(identities: IdentityRecord[], rules: PrincipalRules): string[] {
  const principals = identities
    .filter((record) => record.status === 'active' && (record.kind === 'broker' || record.admin))
    // Under ssl.principal.mapping.rules the broker knows each one by its mapped name; a DN no
    // rule matches is refused at the handshake, so it has no principal to list.
    .flatMap((record) => principalFor(rules, record.subject).principal ?? []);
  return [...new Set(principals)].sort();
}

/**
 * The super.users value, escaped for a .properties file but left readable (User:CN=…, the
 * string people copy into ACLs): only backslashes (RFC 2253's `\,`) and non-ASCII characters
 * are escaped, as Kafka reads server.properties as ISO-8859-1. Kafka splits the value on ';'
 * (StandardAuthorizer.getConfiguredSuperUsers) because DNs hold commas; a principal that
 * contains ';' (even escaped as `\;`) would be cut in two, so it cannot be a super user.
 */
export function superUsersValue(principals: string[]): string {
  const cut = principals.find((principal) => principal.includes(';'));
  if (cut) throw usageError(`${cut} contains ';', which Kafka's super.users cannot hold (it splits the list on ';')`, 'issue the identity with a CN/OU without \';\'');
  return principals
    .join(';')
    .replace(/\\/g, '\\\\')
    .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
