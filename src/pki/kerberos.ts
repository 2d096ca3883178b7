import { usageError } from '../errors.js';

/**
 * Kerberos names and the settings Kafka's GSSAPI login needs: the principal given with
 * --kerberos-principal, the JAAS line around a keytab, the service name and the
 * principal-to-local rules. Pure: the keytab itself is read in sasl/gssapi-input.ts.
 */

export interface KerberosPrincipal {
  /** `primary[/instance]@REALM` */
  name: string;
  components: string[];
  realm: string;
}

/** The service name clients ask tickets for when the broker's principal does not say otherwise: kafka/<host>@REALM. */
export const DEFAULT_KERBEROS_SERVICE_NAME = 'kafka';

// No quote, backslash, space or '=': the name goes between double quotes in a JAAS line and
// into librdkafka's kinit command line (sasl.kerberos.kinit.cmd) unquoted.
const COMPONENT = /^[A-Za-z0-9._-]+$/;
const REALM = /^[A-Za-z0-9._-]+$/;

/** --kerberos-principal: `primary[/instance]@REALM`, the realm required (a keytab holds realm-qualified names). */
export function parseKerberosPrincipal(raw: string): KerberosPrincipal {
  const value = raw.trim();
  const shown = value.slice(0, 80).replace(/[^\x20-\x7e]/g, '?');
  const at = value.lastIndexOf('@');
  if (at < 0) {
    throw usageError(`--kerberos-principal "${shown}" has no realm`, `give it as in the keytab (klist -k <keytab>), e.g. kafka/sam01.ynformed.nl@YNFORMED.NL or alice@YNFORMED.NL`);
  }
  const realm = value.slice(at + 1);
  const components = value.slice(0, at).split('/');
  if (!REALM.test(realm) || components.length > 2 || !components.every((part) => COMPONENT.test(part))) {
    throw usageError(`invalid --kerberos-principal "${shown}": use primary[/instance]@REALM of letters, digits, . _ -`, 'give it as in the keytab (klist -k <keytab>), e.g. kafka/sam01.ynformed.nl@YNFORMED.NL');
  }
  return { name: value, components, realm };
}

/** The JAAS line of a keytab login (broker and Java clients alike). The path and name hold no double quote. */
export function krb5JaasConfig(keytabPath: string, principal: string): string {
  if (keytabPath.includes('"')) throw usageError(`the keytab path ${keytabPath} cannot appear in a JAAS line (it holds a double quote)`, 'choose an --install-dir without "');
  return `com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true storeKey=true keyTab="${keytabPath}" principal="${principal}";`;
}

/**
 * sasl.kerberos.principal.to.local.rules: one-part names of the broker's realm lose the realm
 * (alice@REALM → alice), whatever the JVM's default realm is; anything else falls to Kafka's
 * DEFAULT rule (realm stripped only in the default realm). Kafka's rule syntax takes a regex in
 * parentheses: the realm's dots are written [.] so that no backslash needs escaping.
 */
export function principalToLocalRules(realm: string): string {
  return `RULE:[1:$1@$0](.*@${realm.replace(/\./g, '[.]')})s/@.*//,DEFAULT`;
}

/** The Kafka user a client's Kerberos name becomes under those rules (User:<this>): its first component. */
export function kerberosShortName(principal: string): string {
  return principal.slice(0, principal.lastIndexOf('@')).split('/')[0]!;
}

/** The service name a broker's principal implies: its primary (kafka of kafka/host@REALM). */
export function kerberosServiceName(principal: string): string {
  return kerberosShortName(principal);
}
