import { principalToLocalRules } from './kerberos.js';
import type { PrincipalResult } from './principal.js';

/**
 * The principal a SASL client gets on a broker's SASL_SSL listener, as Kafka's
 * DefaultKafkaPrincipalBuilder computes it:
 * - SCRAM: User:<username> (samctl's SCRAM user is named as the client);
 * - GSSAPI: User:<short name>, the Kerberos name after sasl.kerberos.principal.to.local.rules
 *   (KerberosShortNamer). samctl renders exactly one rule set, principalToLocalRules(realm):
 *     RULE:[1:$1@$0](.*@<broker realm>)s/@.* //,DEFAULT   (no space after the star)
 *   and this evaluates exactly that set, no other: the RULE turns a one-part name of the
 *   broker's realm into its primary; DEFAULT (KerberosRule with isDefault) gives the first
 *   component of any name (one or two parts) whose realm is the JVM's default realm; any
 *   other name matches no rule (NoMatchingRule), and the broker refuses the login.
 * Checked against Kafka's own KerberosShortNamer in test/kerberos/short-namer-java.test.ts.
 */

/** Kafka's KerberosName.parse: `service[/host]@REALM`; a name without '@' is already short. */
const KERBEROS_NAME = /^([^/@]*)(\/([^/@]*))?@([^/@]*)$/;

export interface KerberosRealms {
  /** The realm the rendered RULE names: the broker's (from its --kerberos-principal). */
  brokerRealm: string;
  /** The broker JVM's default realm (default_realm of the krb5.conf it is given). */
  defaultRealm: string;
}

/** The short name Kafka gives `principal` under principalToLocalRules(realms.brokerRealm), or why it refuses it. */
export function kerberosShortNameUnderRules(principal: string, realms: KerberosRealms): { name: string; error?: undefined } | { name: null; error: string } {
  const rules = principalToLocalRules(realms.brokerRealm);
  const parsed = KERBEROS_NAME.exec(principal);
  if (!parsed) {
    if (principal.includes('@')) return { name: null, error: `Malformed Kerberos name: ${principal}` };
    return { name: principal };
  }
  const [, primary, , instance, realm] = parsed;
  // RULE:[1:$1@$0](.*@REALM)s/@.*//: one component; "$1@$0" must match the whole pattern; the first "@…" removed.
  if (instance === undefined && realm === realms.brokerRealm) return { name: primary };
  // DEFAULT: the first component when the realm is the default realm, whatever the count of components.
  if (realm === realms.defaultRealm) return { name: primary };
  return { name: null, error: `no rule of ${rules} applies to ${principal} (its realm is neither ${realms.brokerRealm} as a one-part name nor the brokers' default realm ${realms.defaultRealm}): the broker refuses the login` };
}

export interface SaslIdentity {
  name: string;
  sasl?: { mechanism: string; kerberos?: { principal: string } };
}

/** The principal on the SASL_SSL listener, or undefined for an identity that is not a SASL client. */
export function saslPrincipal(identity: SaslIdentity, realms: KerberosRealms | undefined): PrincipalResult | undefined {
  if (!identity.sasl) return undefined;
  const kerberos = identity.sasl.kerberos;
  if (!kerberos) return { principal: `User:${identity.name}` };
  const own = kerberos.principal.slice(kerberos.principal.lastIndexOf('@') + 1);
  const short = kerberosShortNameUnderRules(kerberos.principal, realms ?? { brokerRealm: own, defaultRealm: own });
  return short.name === null ? { principal: null, error: short.error } : { principal: `User:${short.name}` };
}
