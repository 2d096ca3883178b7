import { type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SamctlError } from '../src/errors.js';
import { parsePrincipalRules, principalFor } from '../src/pki/principal.js';
import { subjectRfc2253 } from '../src/pki/rfc2253.js';
import { kafkaClientsJar, requireKafkaClientsJar, spawnJavaSource } from './helpers/java-table.js';
import { samctlOk, tempDir, tool } from './helpers/samctl.js';
import { KAFKA_TEST_DIR, requireE2E } from './kafka/harness.js';
import { MAPPING_CASES, MATCH_CASES, PATTERN_KINDS } from './unit/principal-cases.js';

/**
 * The principal samctl prints is the one Kafka computes: every row of the table below is
 * answered by Kafka's own SslPrincipalMapper (kafka-clients from test/kafka/target/lib) in one
 * JVM running test/kafka/Mapper.java, and the DNs come from real certificates read by Java
 * (X509Certificate.getSubjectX500Principal().getName(), what the broker hands the mapper):
 * identities samctl issued with awkward subjects, and certificates OpenSSL made with what
 * samctl cannot issue (multi-valued RDNs, DC/UID, an emailAddress). The rules Java uses are
 * read back from the broker config samctl rendered, with java.util.Properties as Kafka loads
 * server.properties, so the .properties escaping is part of what is proven.
 */

const e2e = requireE2E();

type JavaAnswer = { ok: true; value: string } | { ok: false; exception: string; message: string };

/** One JVM answering Mapper.java requests, a line each. */
class KafkaMapper {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: Array<(line: string) => void> = [];
  private stderr = '';

  constructor(jar: string) {
    this.child = spawnJavaSource(jar, join(KAFKA_TEST_DIR, 'Mapper.java'));
    this.child.stderr.on('data', (chunk) => (this.stderr += String(chunk)));
    createInterface({ input: this.child.stdout }).on('line', (line) => this.waiting.shift()?.(line));
    this.child.on('exit', (code) => {
      for (const reject of this.waiting.splice(0)) reject(`ERR\tjava.lang.IllegalStateException\t${Buffer.from(`Mapper.java exited ${code}: ${this.stderr}`).toString('base64')}`);
    });
  }

  ask(op: 'dn' | 'rules' | 'map' | 'prop', ...args: string[]): Promise<JavaAnswer> {
    return new Promise((resolve) => {
      this.waiting.push((line) => {
        const [status, first, second] = line.split('\t');
        const utf16be = (hex: string) => String.fromCharCode(...(hex.match(/.{4}/g) ?? []).map((unit) => parseInt(unit, 16)));
        const text = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
        resolve(status === 'OK' ? { ok: true, value: utf16be(first) } : { ok: false, exception: first, message: text(second ?? '') });
      });
      this.child.stdin.write(`${[op, ...args.map((arg) => Buffer.from(arg, 'utf8').toString('base64'))].join('\t')}\n`);
    });
  }

  async value(op: 'dn' | 'rules' | 'map' | 'prop', ...args: string[]): Promise<string> {
    const answer = await this.ask(op, ...args);
    if (!answer.ok) throw new Error(`Java ${op} failed: ${answer.exception}: ${answer.message}`);
    return answer.value;
  }

  close(): void {
    this.child.stdin.end();
  }
}

/** samctl identities: [name, issue arguments]. Their subjects carry what RFC 2253 escapes, non-ASCII and case traps. */
const ISSUED: Array<[string, string[]]> = [
  ['plain', ['client', 'issue', 'plain', '--store-type', 'pem']],
  ['svc', ['client', 'issue', 'svc', '--cn', 'serviceuser', '--ou', 'ServiceUsers', '--store-type', 'pem']],
  ['jurgen', ['client', 'issue', 'jurgen', '--cn', 'Jürgen Groß', '--ou', 'Data+Science', '--store-type', 'pem']],
  ['odd', ['client', 'issue', 'odd', '--cn', 'a=b #1 "q" <x>;y\\z,w', '--ou', '#ops', '--store-type', 'pem']],
  ['istanbul', ['client', 'issue', 'istanbul', '--cn', 'İstanbul ΣΑΣ', '--ou', 'Ops', '--store-type', 'pem']],
  ['sam01.example.com', ['broker', 'issue', 'sam01.example.com', '--store-type', 'pem']],
];

/** Certificates samctl cannot issue, made by OpenSSL: [name, -subj, extra req flags]. */
const FOREIGN: Array<[string, string, string[]]> = [
  ['multi-valued', '/O=Ynformed/OU=ops/CN=alice+UID=42', ['-multivalue-rdn']],
  ['ou-chain', '/DC=com/DC=example/OU=Eng/OU=Data/OU=Team A/CN=bob', []],
  ['email', '/C=NL/ST=Noord-Holland/L=Amsterdam/O=Ynformed/CN=carol/emailAddress=carol@example.com', []],
];

/** DNs given as text (no certificate needed) for corners of Java's regex and replaceAll. */
const SYNTHETIC = ['CN=trailing-newline,O=x\n', 'CN=next-line\u0085', 'CN=😀 emoji,O=Ynformed', 'CN=a,CN=b,O=c'];

/** ≥ 15 rule sets; each runs against every DN above, through samctl's CLI and through Kafka's class. */
const RULE_SETS = [
  'DEFAULT',
  'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,DEFAULT', // Kafka's documentation example
  'RULE:^CN=(.*?),OU=(.*?),O=(.*)$/$1@$2/L,DEFAULT', // /L, Locale.ENGLISH (İ, Σ)
  'RULE:^CN=([^,]+).*$/$1/U', // /U (ß → SS), no DEFAULT
  'RULE:^CN=([a-z]+),O=.*$/$1/', // no match for most: NoMatchingRule
  'RULE:^CN=((?:\\\\.|[^,\\\\])+),.*$/$1/,DEFAULT', // escaped commas and plus signs kept in the CN
  'RULE:^(?:.*,)?OU=(?<team>[^,]+),O=.*$/team-${team}/L,DEFAULT', // named group, the last OU of a chain
  'RULE:^CN=(\\p{Lu}\\p{Ll}+)\\s.*$/$1/U,DEFAULT', // Unicode categories
  'RULE:^CN=(.*?),(.*)$/$1\\/$2 $3 \\$USD/,DEFAULT', // $3 beyond the groups made literal by Kafka; \/ and \$
  'RULE:^CN=([a-z]+).*$/first/,RULE:.*/second/', // the first rule that matches wins
  'RULE:(.*?)/[$1]/', // replaceAll over every (empty) match, not just the whole DN
  'RULE:^.*(?<=,)O=(.*)$/$1/,DEFAULT', // lookbehind
  'RULE:^(.*)(?<![A-Z]{1,3}=[^,]+)$/$1/,RULE:^(?:.*,)?(?<=,O=[^,]*)(.*)$/$1/,DEFAULT', // unbounded lookbehind on a class
  'RULE:^CN=\\Qa\\=b\\E.*$/quoted/,DEFAULT', // \Q…\E
  'RULE:^(?:CN|UID)=([^,+]+)[,+].*$/$10/,DEFAULT', // $10 with one group: $1 then a literal 0
  '  RULE:^CN=(.*?),.*$/$1/ ,  DEFAULT, ', // spaces around rules and a trailing comma
  'RULE:^[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/L,DEFAULT', // Cloudera's documentation example
  'RULE:^CN=(.*)$/$1/,DEFAULT', // $: before a final line terminator too
  'RULE:^.*\\x{1F600}.*$/smiley/,RULE:^.*[,=]([^,=]+)$/$1/,DEFAULT', // a code point escape; the last value
];

/** What Kafka refuses at startup: samctl refuses it too, as invalid. */
const INVALID = [
  'RULE:a/b',
  'DEFAULTX',
  'RULE:a/b/x',
  'rule:a/b/',
  'RULE:(a/b/',
  'RULE:a)/b/',
  'RULE:[z-a]/b/',
  'RULE:[a/b/',
  'RULE:a{2,1}/b/',
  'RULE:a{/b/',
  'RULE:*a/b/',
  'RULE:a**/b/',
  'RULE:\\y/b/',
  'RULE:(?<1a>x)/b/',
  'RULE:(?<=(?:ab)+)c/d/',
  'RULE:\\0/b/',
  'RULE:\\x4/b/',
  'RULE:(?<n>a)(?<n>b)/c/',
  'RULE:[a-\\d]/b/',
];

/** Rules Kafka starts with but whose replacement throws for every DN they match: samctl refuses them. */
const FAILING_REPLACEMENTS: Array<[string, string]> = [
  ['RULE:^CN=(.*)$/${nope}/', 'CN=x'],
  ['RULE:^CN=.*$/$1/', 'CN=x'],
  ['RULE:^CN=(.*)$/$/', 'CN=x'],
  ['RULE:^CN=(.*)$/$x/', 'CN=x'],
  ['RULE:^(C)(N)=(.*)$/$99999999999/', 'CN=x'],
  // Kafka's escapeLiteralBackReferences puts a second backslash before an escaped \$9 (with fewer
  // groups), which turns it back into a reference to group 9: \$ followed by a digit never works.
  ['RULE:^CN=(.*?),(.*)$/$1 \\$9/', 'CN=x,O=y'],
];

/** Valid Java that samctl cannot evaluate exactly: refused as unsupported (Kafka accepts them). */
const UNSUPPORTED = [
  'RULE:(?i)^cn=(.*)$/$1/',
  'RULE:^CN=(\\w+)\\b.*$/$1/',
  'RULE:^CN=(a)\\1.*$/$1/',
  'RULE:^CN=(?<x>a)\\k<x>$/$1/',
  'RULE:^CN=a*+$/x/',
  'RULE:^CN=x{1}{2}$/x/',
  'RULE:^CN=(?>a)$/x/',
  'RULE:^CN=[a[b]]$/x/',
  'RULE:^CN=[a-z&&[^b]]$/x/',
  'RULE:^CN=\\p{javaLowerCase}+$/x/',
  'RULE:^CN=\\p{IsLatin}+$/x/',
  'RULE:^CN=\\p{InGreek}+$/x/',
  'RULE:^CN=\\R$/x/',
  'RULE:^*CN=a$/x/',
  'RULE:^.*(?<=(O)=)(.*)$/$2/',
];

if (e2e && !kafkaClientsJar()) console.warn('!!! kafka-clients jar missing in test/kafka/target/lib: fetching it (test/kafka/fetch-jars.sh)');

describe.skipIf(!e2e)("principals: samctl's against Kafka's SslPrincipalMapper", () => {
  let java: KafkaMapper;
  let cwd: string;
  /** name → the DN Java reads from the certificate */
  const dnOf = new Map<string, string>();

  beforeAll(async () => {
    java = new KafkaMapper(await requireKafkaClientsJar());
    cwd = tempDir('samctl-principals-');
    // O with an escaped comma and non-ASCII (an en dash and ü): UTF8String, in every identity.
    await samctlOk(['ca', 'init', '--org', 'Ynformed, B.V. – Zürich', '--key-size', '2048'], { cwd });
    for (const [, args] of ISSUED) await samctlOk(args, { cwd });
    for (const [name] of ISSUED) {
      const kind = name.includes('.') ? 'broker' : 'client';
      dnOf.set(name, await java.value('dn', join(cwd, 'pki', `${kind}s`, name, `${kind}.crt`)));
    }
    await tool('openssl', ['genrsa', '-out', join(cwd, 'foreign.key'), '2048']);
    for (const [name, subject, flags] of FOREIGN) {
      const path = join(cwd, `${name}.pem`);
      await tool('openssl', ['req', '-new', '-x509', '-key', join(cwd, 'foreign.key'), '-days', '1', '-utf8', '-subj', subject, ...flags, '-out', path]);
      dnOf.set(name, await java.value('dn', path));
    }
  }, 180_000);

  afterAll(() => java?.close());

  it('prints the DN Java reads from each certificate: samctl-issued (status) and foreign (subjectRfc2253)', async () => {
    const status = JSON.parse((await samctlOk(['status', '--json'], { cwd })).stdout) as { entries: Array<{ kind: string; name: string; subject: string; principal?: string }> };
    for (const [name] of ISSUED) {
      const entry = status.entries.find((candidate) => candidate.name === name)!;
      expect({ name, subject: entry.subject, principal: entry.principal }).toEqual({ name, subject: dnOf.get(name), principal: `User:${dnOf.get(name)}` });
    }
    for (const [name] of FOREIGN) {
      const cert = forge.pki.certificateFromPem(readFileSync(join(cwd, `${name}.pem`), 'utf8'));
      expect({ name, dn: subjectRfc2253(cert) }).toEqual({ name, dn: dnOf.get(name) });
    }
    // What the table exercises, as Java printed it.
    expect(dnOf.get('odd')).toBe('CN=a\\=b \\#1 \\"q\\" \\<x\\>\\;y\\\\z\\,w,OU=\\#ops,O=Ynformed\\, B.V. – Zürich');
    expect(dnOf.get('jurgen')).toBe('CN=Jürgen Groß,OU=Data\\+Science,O=Ynformed\\, B.V. – Zürich');
    expect(dnOf.get('multi-valued')).toBe('CN=alice+UID=42,OU=ops,O=Ynformed');
    expect(dnOf.get('email')).toMatch(/^1\.2\.840\.113549\.1\.9\.1=#16[0-9a-f]+,CN=carol,O=Ynformed,L=Amsterdam,ST=Noord-Holland,C=NL$/);
  });

  it(`maps ${RULE_SETS.length} rule sets × ${ISSUED.length + FOREIGN.length + SYNTHETIC.length} DNs exactly as Kafka does, the rules read back from the rendered broker config`, async () => {
    const brokerConfig = join(cwd, 'pki', 'brokers', 'sam01.example.com', 'server-ssl.properties');
    const rows: string[] = [];
    for (const rules of RULE_SETS) {
      const shown = JSON.parse((await samctlOk(['principal-rules', rules, '--json'], { cwd })).stdout) as { identities: Array<{ name: string; principal: string | null }> };
      // Kafka reads the rules from server.properties through Properties.load(InputStream): samctl's escaping must give them back unchanged.
      const loaded = await java.value('prop', brokerConfig, 'ssl.principal.mapping.rules');
      expect(loaded).toBe(rules.trim());
      const samctlSays = new Map<string, string | null>(shown.identities.map((entry) => [entry.name, entry.principal]));
      const parsed = parsePrincipalRules(rules);
      for (const [name] of FOREIGN) samctlSays.set(name, principalFor(parsed, dnOf.get(name)!).principal);
      for (const dn of SYNTHETIC) {
        dnOf.set(dn, dn);
        samctlSays.set(dn, principalFor(parsed, dn).principal);
      }
      for (const [name, principal] of samctlSays) {
        const kafka = await java.ask('map', loaded, dnOf.get(name)!);
        if (!kafka.ok) expect(kafka.exception).toBe('org.apache.kafka.common.security.ssl.SslPrincipalMapper$NoMatchingRule');
        const kafkaSays = kafka.ok ? `User:${kafka.value}` : null;
        expect({ rules, dn: dnOf.get(name), principal }).toEqual({ rules, dn: dnOf.get(name), principal: kafkaSays });
        rows.push(`${rules.trim()} | ${JSON.stringify(dnOf.get(name))} -> ${kafkaSays ?? 'NoMatchingRule'}`);
      }
    }
    expect(rows.length).toBeGreaterThanOrEqual(15 * 9);
    // Both kinds of outcome occur: names and refusals.
    expect(rows.some((row) => row.endsWith('NoMatchingRule'))).toBe(true);
    expect(rows.filter((row) => row.includes('-> User:')).length).toBeGreaterThan(rows.length / 2);
  }, 120_000);

  it('gives the exact outputs the unit tests pin (test/unit/principal-cases.ts)', async () => {
    const NO_MATCH = 'org.apache.kafka.common.security.ssl.SslPrincipalMapper$NoMatchingRule';
    for (const [rules, dn, name] of MAPPING_CASES) {
      expect({ rules, dn, kafka: await java.value('map', rules, dn) }).toEqual({ rules, dn, kafka: name });
    }
    for (const [pattern, input, matches] of MATCH_CASES) {
      const kafka = await java.ask('map', `RULE:${pattern}/Y/`, input);
      expect({ pattern, input, matches: kafka.ok, error: kafka.ok ? undefined : kafka.exception }).toEqual({ pattern, input, matches, error: matches ? undefined : NO_MATCH });
    }
    for (const [pattern, kind] of PATTERN_KINDS) {
      const kafka = await java.ask('rules', `RULE:${pattern}/x/`);
      expect({ pattern, javaAccepts: kafka.ok }).toEqual({ pattern, javaAccepts: kind === 'unsupported' });
    }
  });

  it('refuses as invalid what Kafka refuses at startup', async () => {
    for (const rules of INVALID) {
      const kafka = await java.ask('rules', rules);
      expect({ rules, kafkaRefuses: !kafka.ok }).toEqual({ rules, kafkaRefuses: true });
      const problem = samctlRefusal(rules);
      expect({ rules, samctl: problem }).toEqual({ rules, samctl: expect.stringMatching(/^invalid principal rule /) });
    }
  });

  it('refuses a replacement that Java throws on for every DN the rule matches (Kafka starts, then fails each such client)', async () => {
    for (const [rules, dn] of FAILING_REPLACEMENTS) {
      expect({ rules, starts: (await java.ask('rules', rules)).ok }).toEqual({ rules, starts: true });
      const kafka = await java.ask('map', rules, dn);
      expect({ rules, kafkaFails: !kafka.ok && kafka.exception !== 'org.apache.kafka.common.security.ssl.SslPrincipalMapper$NoMatchingRule' }).toEqual({ rules, kafkaFails: true });
      expect({ rules, samctl: samctlRefusal(rules) }).toEqual({ rules, samctl: expect.stringContaining('fails for every DN the rule matches') });
    }
  });

  it('refuses as unsupported the valid Java it cannot evaluate exactly, naming the construct', async () => {
    for (const rules of UNSUPPORTED) {
      expect({ rules, kafkaAccepts: (await java.ask('rules', rules)).ok }).toEqual({ rules, kafkaAccepts: true });
      expect({ rules, samctl: samctlRefusal(rules) }).toEqual({ rules, samctl: expect.stringContaining('samctl cannot evaluate') });
    }
  });
});

function samctlRefusal(rules: string): string | undefined {
  try {
    parsePrincipalRules(rules);
    return undefined;
  } catch (err) {
    if (!(err instanceof SamctlError)) throw err;
    expect(err.exitCode).toBe(2);
    expect(err.message).not.toMatch(/\n/);
    return err.message;
  }
}
