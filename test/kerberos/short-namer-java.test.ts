import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { principalToLocalRules } from '../../src/pki/kerberos.js';
import { kerberosShortNameUnderRules } from '../../src/pki/sasl-principal.js';
import { javaAnswerLines, requireKafkaClientsJar } from '../helpers/java-table.js';
import { requireE2E } from '../kafka/harness.js';
import { SHORT_NAME_CASES } from '../unit/kerberos-short-name-cases.js';

/**
 * The principal samctl shows for a GSSAPI client is the one Kafka computes: every row of the
 * table is answered by Kafka's own KerberosShortNamer (kafka-clients from test/kafka/target/lib)
 * with the rules samctl renders into the broker snippet (principalToLocalRules), in one JVM
 * running test/kerberos/ShortNamer.java. samctl's answer must equal Kafka's, and the table's
 * expected value too (so test/unit/sasl-principal.test.ts checks against Kafka's behaviour).
 */

const e2e = requireE2E();

/** Kafka's short name for each request, or null on an exception (its class kept to assert NoMatchingRule). */
async function kafkaShortNames(jar: string, requests: Array<{ defaultRealm: string; rules: string; name: string }>): Promise<Array<{ name: string | null; exception?: string }>> {
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  const lines = await javaAnswerLines(jar, join(import.meta.dirname, 'ShortNamer.java'), requests.map((request) => `${b64(request.defaultRealm)}\t${b64(request.rules)}\t${b64(request.name)}`));
  expect(lines).toHaveLength(requests.length);
  return lines.map((line) => {
    const [status, value] = line.split('\t');
    return status === 'OK' ? { name: Buffer.from(value, 'base64').toString('utf8') } : { name: null, exception: value };
  });
}

describe.skipIf(!e2e)("GSSAPI principals: samctl's against Kafka's KerberosShortNamer", () => {
  let answers: Array<{ name: string | null; exception?: string }>;

  beforeAll(async () => {
    answers = await kafkaShortNames(
      await requireKafkaClientsJar(),
      SHORT_NAME_CASES.map((row) => ({ defaultRealm: row.defaultRealm, rules: principalToLocalRules(row.brokerRealm), name: row.name })),
    );
  }, 180_000);

  it.each(SHORT_NAME_CASES.map((row, index) => ({ ...row, index })))('$name (broker realm $brokerRealm, default $defaultRealm)', ({ name, brokerRealm, defaultRealm, expected, index }) => {
    const kafka = answers[index];
    expect(kafka.name).toBe(expected);
    if (expected === null) expect(kafka.exception).toBe('org.apache.kafka.common.security.kerberos.NoMatchingRule');
    expect(kerberosShortNameUnderRules(name, { brokerRealm, defaultRealm }).name).toBe(kafka.name);
  });
});
