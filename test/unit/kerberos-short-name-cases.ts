/**
 * Kerberos names × realms for the principal a GSSAPI client gets under the
 * sasl.kerberos.principal.to.local.rules samctl renders (principalToLocalRules(brokerRealm)).
 * `expected`: the short name, or null when Kafka's KerberosShortNamer finds no rule.
 * The unit test checks samctl against `expected`; test/kerberos/short-namer-java.test.ts checks
 * `expected` against Kafka's own class, so the table cannot drift from Kafka.
 */
export interface ShortNameCase {
  name: string;
  brokerRealm: string;
  defaultRealm: string;
  expected: string | null;
}

export const SHORT_NAME_CASES: ShortNameCase[] = [
  { name: 'alice@YNFORMED.NL', brokerRealm: 'YNFORMED.NL', defaultRealm: 'YNFORMED.NL', expected: 'alice' },
  { name: 'prediction-service@YNFORMED.NL', brokerRealm: 'YNFORMED.NL', defaultRealm: 'YNFORMED.NL', expected: 'prediction-service' },
  { name: 'svc_1.x@YNFORMED.NL', brokerRealm: 'YNFORMED.NL', defaultRealm: 'YNFORMED.NL', expected: 'svc_1.x' },
  // Two parts: only DEFAULT applies, the first component in the default realm.
  { name: 'kafka/sam01.ynformed.nl@YNFORMED.NL', brokerRealm: 'YNFORMED.NL', defaultRealm: 'YNFORMED.NL', expected: 'kafka' },
  { name: 'etl/batch@YNFORMED.NL', brokerRealm: 'YNFORMED.NL', defaultRealm: 'YNFORMED.NL', expected: 'etl' },
  // The broker's realm differs from the JVM's default realm: the RULE still strips a one-part name of the broker's realm ...
  { name: 'alice@YNFORMED.NL', brokerRealm: 'YNFORMED.NL', defaultRealm: 'OTHER.ORG', expected: 'alice' },
  // ... but a two-part name of the broker's realm has no rule then.
  { name: 'etl/batch@YNFORMED.NL', brokerRealm: 'YNFORMED.NL', defaultRealm: 'OTHER.ORG', expected: null },
  // Another realm: DEFAULT only when it is the default realm.
  { name: 'bob@OTHER.ORG', brokerRealm: 'YNFORMED.NL', defaultRealm: 'OTHER.ORG', expected: 'bob' },
  { name: 'bob@OTHER.ORG', brokerRealm: 'YNFORMED.NL', defaultRealm: 'YNFORMED.NL', expected: null },
  { name: 'etl/batch@OTHER.ORG', brokerRealm: 'YNFORMED.NL', defaultRealm: 'OTHER.ORG', expected: 'etl' },
  // Realm case and dots matter: the rule's realm is [.]-escaped and matched exactly.
  { name: 'alice@ynformed.nl', brokerRealm: 'YNFORMED.NL', defaultRealm: 'YNFORMED.NL', expected: null },
  { name: 'alice@YNFORMEDXNL', brokerRealm: 'YNFORMED.NL', defaultRealm: 'YNFORMED.NL', expected: null },
  { name: 'alice@SUB.YNFORMED.NL', brokerRealm: 'YNFORMED.NL', defaultRealm: 'YNFORMED.NL', expected: null },
  { name: 'alice@YNFORMED.NL', brokerRealm: 'SUB.YNFORMED.NL', defaultRealm: 'SUB.YNFORMED.NL', expected: null },
  { name: 'Alice.Smith@EXAMPLE-1.COM', brokerRealm: 'EXAMPLE-1.COM', defaultRealm: 'EXAMPLE-1.COM', expected: 'Alice.Smith' },
  { name: 'host/x-1.example.com@EXAMPLE-1.COM', brokerRealm: 'EXAMPLE-1.COM', defaultRealm: 'EXAMPLE-1.COM', expected: 'host' },
  { name: 'a@R', brokerRealm: 'R', defaultRealm: 'R', expected: 'a' },
];
