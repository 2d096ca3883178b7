import { describe, expect, it } from 'vitest';
import { SamctlError } from '../../src/errors.js';
import { compileJavaRegex, RegexProblem } from '../../src/pki/java-regex.js';
import { mapPrincipalName, parsePrincipalRules, principalFor, principalLabel, principalRulesWarnings, type PrincipalRules } from '../../src/pki/principal.js';
import { escapePropertiesValue } from '../../src/render/snippets.js';
import { MAPPING_CASES, MATCH_CASES, PATTERN_KINDS } from './principal-cases.js';

/**
 * Kafka's SslPrincipalMapper, fixed inputs and exact outputs. The cases in principal-cases.ts
 * are also answered by Kafka's own class in test/principal-mapper-java.test.ts.
 */

/** The parsed rules, one line each: what Kafka's Rule.toString would show, plus the flags. */
function shape(rules: PrincipalRules): string[] {
  return rules.rules.map((rule) => (rule.kind === 'default' ? 'DEFAULT' : `RULE pattern=${rule.pattern.source} replacement=${rule.replacement}${rule.toLowerCase ? ' /L' : ''}${rule.toUpperCase ? ' /U' : ''}`));
}

function refusal(setting: string): { message: string; hint?: string; exitCode: number } {
  try {
    parsePrincipalRules(setting);
  } catch (err) {
    expect(err).toBeInstanceOf(SamctlError);
    const { message, hint, exitCode } = err as SamctlError;
    return { message, hint, exitCode };
  }
  throw new Error(`expected ${setting} to be refused`);
}

const map = (setting: string, dn: string) => mapPrincipalName(parsePrincipalRules(setting), dn);

describe('parsing ssl.principal.mapping.rules (RULE_SPLITTER, RULE_PARSER)', () => {
  it('is DEFAULT when nothing is set', () => {
    const rules = parsePrincipalRules(undefined);
    expect({ setting: rules.setting, text: rules.text, shape: shape(rules) }).toEqual({ setting: undefined, text: 'DEFAULT', shape: ['DEFAULT'] });
  });

  it('splits on commas between rules, not on commas inside a pattern or replacement, and trims', () => {
    const rules = parsePrincipalRules('  RULE:^CN=([^,]+),O=(.*)$/$1,$2/U ,  RULE:^CN=a\\/b$/x\\/y/L,DEFAULT, ');
    expect(rules.setting).toBe('RULE:^CN=([^,]+),O=(.*)$/$1,$2/U ,  RULE:^CN=a\\/b$/x\\/y/L,DEFAULT,');
    expect(shape(rules)).toEqual(['RULE pattern=^CN=([^,]+),O=(.*)$ replacement=$1,$2 /U', 'RULE pattern=^CN=a\\/b$ replacement=x\\/y /L', 'DEFAULT']);
  });

  it('ignores empty pieces, as Kafka does', () => {
    expect(shape(parsePrincipalRules(',,DEFAULT,,'))).toEqual(['DEFAULT']);
  });

  it.each([
    ['RULE:a/b', 'invalid principal rule "RULE:a/b"'],
    ['DEFAULTX', 'invalid principal rule "DEFAULTX": "X" follows DEFAULT'],
    ['RULE:a/b/x', 'invalid principal rule "RULE:a/b/x": "x" follows the closing slash, where only L or U may stand'],
    ['RULE:a/b/LU', 'invalid principal rule "RULE:a/b/LU": "U" follows the closing slash, where only L or U may stand'],
    ['rule:a/b/', 'invalid principal rule "rule:a/b/"'],
    ['RULE:(a/b/,DEFAULT', 'invalid principal rule "RULE:(a/b/": not a valid Java regex, unclosed group: a \'(\' without its \')\' (at character 1 of "(a")'],
    ['RULE:[z-a]/b/', 'invalid principal rule "RULE:[z-a]/b/": not a valid Java regex, illegal character range: the end is below the start (at character 3 of "[z-a]")'],
    ['RULE:a**/b/', 'invalid principal rule "RULE:a**/b/": not a valid Java regex, dangling meta character \'*\' (a quantifier cannot repeat a quantifier) (at character 3 of "a**")'],
    ['RULE:\\y/b/', 'invalid principal rule "RULE:\\y/b/": not a valid Java regex, illegal/unsupported escape sequence \\y (at character 1 of "\\y")'],
  ])('refuses %j, naming the rule: exit 2', (setting, message) => {
    expect(refusal(setting)).toEqual({
      message,
      hint: expect.any(String),
      exitCode: 2,
    });
  });

  it('says how rules are written in the hint of a malformed rule', () => {
    expect(refusal('RULE:a/b').hint).toBe(
      "rules read RULE:<java regex>/<replacement>/ (L or U after the last slash lowers or uppers the result), comma-separated, usually ending in DEFAULT; e.g. 'RULE:^CN=([^,]+),.*$/$1/,DEFAULT'",
    );
  });

  it('refuses an empty rule set: Kafka would refuse every client (NoMatchingRule)', () => {
    expect(refusal(' , ')).toEqual({
      message: 'no principal rule in ",": every client certificate would be refused (Kafka: NoMatchingRule)',
      hint: 'give DEFAULT for the full DN, or a RULE:…/…/ ending in DEFAULT',
      exitCode: 2,
    });
  });

  it.each([
    ['RULE:^CN=.*$/$1/', '$1: the pattern has no groups (IndexOutOfBoundsException: No group 1)', 'the pattern has no groups, so no $n'],
    ['RULE:^CN=(.*)$/${user}/', 'the pattern has no group named user (IllegalArgumentException: No group with name {user})', "$1 is the pattern's only group"],
    ['RULE:^CN=(.*)$/$/', 'a trailing $ names no group (IllegalArgumentException: Illegal group reference: group index is missing)', "$1 is the pattern's only group"],
    ['RULE:^CN=(.*)$/$x/', '$ must be followed by a group number or {name}, not "x" (IllegalArgumentException: Illegal group reference)', "$1 is the pattern's only group"],
    // Kafka's escapeLiteralBackReferences adds a backslash before the escaped \$9, which makes it a reference again.
    ['RULE:^CN=(.*),(.*)$/\\$9/', '$9: the pattern has only 2 groups (IndexOutOfBoundsException: No group 9)', "$1…$2 are the pattern's groups"],
  ])('refuses %j, whose replacement Java throws on for every DN the rule matches', (setting, why, groups) => {
    const rule = setting.replace(/,DEFAULT$/, '');
    const replacement = rule.split('/')[1];
    expect(refusal(setting)).toEqual({
      message: `principal rule "${rule}": its replacement "${replacement}" fails for every DN the rule matches: ${why}`,
      hint: `${groups}; \${name} a named group; write \\$ for a literal dollar and \\\\ for a backslash`,
      exitCode: 2,
    });
  });

  it.each([
    ['RULE:(?i)^cn=(.*)$/$1/', 'embedded flags such as (?i) or (?i:…) (at character 1 of "(?i)^cn=(.*)$")', 'spell both cases out, as in [Cc][Nn]='],
    ['RULE:^CN=(\\w+)\\b.*$/$1/', '\\b (at character 10 of "^CN=(\\w+)\\b.*$")', "\\b's word characters differ between JDK 17 and JDK 19+: use a lookaround such as (?<![A-Za-z0-9_]), or match the separators (,) themselves"],
    ['RULE:^CN=(a)\\1$/$1/', 'a back-reference (\\1) in the pattern (at character 8 of "^CN=(a)\\1$")', 'capture the part once and use it in the replacement ($n)'],
    ['RULE:^CN=a*+$/x/', 'a possessive quantifier (*+, ++, ?+, {n}+) (at character 7 of "^CN=a*+$")', 'use the greedy form (drop the +)'],
    ['RULE:^CN=\\p{javaLowerCase}+$/x/', 'the character property \\p{javaLowerCase} (at character 5 of "^CN=\\p{javaLowerCase}+$")', 'use a POSIX name such as \\p{Alpha} or a general category such as \\p{Lu}, or list the characters'],
    ['RULE:^CN=[a-z&&[^b]]$/x/', 'a character class intersection [a&&b] (at character 9 of "^CN=[a-z&&[^b]]$")', 'list the members that remain in one class'],
    ['RULE:^.*(?<=(O)=)(.*)$/$2/', 'a capturing group inside a lookbehind (at character 8 of "^.*(?<=(O)=)(.*)$")', 'use (?:…) inside (?<=…) and (?<!…)'],
  ])('refuses %j as valid Java that samctl cannot evaluate exactly, naming the construct and the rewrite', (setting, what, hint) => {
    expect(refusal(setting)).toEqual({
      message: `principal rule "${setting}": samctl cannot evaluate ${what} exactly as Java does`,
      hint,
      exitCode: 2,
    });
  });

  it('warns when the rules do not end with DEFAULT, and when rules follow DEFAULT', () => {
    expect(principalRulesWarnings(parsePrincipalRules('RULE:^CN=([^,]+),.*$/$1/'))).toEqual([
      'the principal rules do not end with DEFAULT: a certificate whose DN no rule matches is refused by the broker (NoMatchingRule)',
    ]);
    expect(principalRulesWarnings(parsePrincipalRules('DEFAULT,RULE:^CN=([^,]+),.*$/$1/,DEFAULT'))).toEqual([
      'the rules after the first DEFAULT are never used: RULE:^CN=([^,]+),.*$/$1/, DEFAULT',
    ]);
    expect(principalRulesWarnings(parsePrincipalRules('RULE:^CN=([^,]+),.*$/$1/,DEFAULT'))).toEqual([]);
  });
});

describe('mapping a DN (Rule.apply: matches(), then replaceAll, then /L /U)', () => {
  it.each(MAPPING_CASES)('%s maps %j to %j', (setting, dn, name) => {
    expect(map(setting, dn)).toBe(name);
  });

  it('refuses a DN no rule matches, as NoMatchingRule', () => {
    const rules = parsePrincipalRules('RULE:^CN=([a-z]+)$/$1/');
    expect(principalFor(rules, 'CN=Alice,O=x')).toEqual({ principal: null, error: 'no principal rule matches CN=Alice,O=x: the broker refuses this certificate' });
    expect(principalLabel(principalFor(rules, 'CN=Alice,O=x'))).toBe('(none: no rule matches)');
    expect(principalFor(rules, 'CN=alice')).toEqual({ principal: 'User:alice' });
  });
});

describe("Java's regex semantics in JavaScript", () => {
  const matches = (pattern: string, input: string) => compileJavaRegex(pattern).matchesWhole(input);

  it.each(MATCH_CASES)('%j on %j: %s', (pattern, input, expected) => {
    expect(matches(pattern, input)).toBe(expected);
  });

  it('counts and names groups as Java does', () => {
    const regex = compileJavaRegex('(a)(?:b)(?<third>c)(?=d)');
    expect({ groups: regex.groupCount, names: [...regex.groupNames] }).toEqual({ groups: 2, names: [['third', 2]] });
  });

  it.each(PATTERN_KINDS)('%j is %s', (pattern, kind) => {
    let problem: RegexProblem | undefined;
    try {
      compileJavaRegex(pattern);
    } catch (err) {
      problem = err as RegexProblem;
    }
    expect(problem).toBeInstanceOf(RegexProblem);
    expect(problem!.kind).toBe(kind);
  });
});

describe('the rules in a .properties file', () => {
  it.each([
    ['RULE:^CN=((?:\\\\.|[^,\\\\])+),.*$/$1/,DEFAULT', 'RULE:^CN=((?:\\\\\\\\.|[^,\\\\\\\\])+),.*$/$1/,DEFAULT'],
    ['RULE:^CN=Jürgen.*$/j/', 'RULE:^CN=J\\u00fcrgen.*$/j/'],
    ['RULE:^.*\\x{1F600}.*$/😀/', 'RULE:^.*\\\\x{1F600}.*$/\\ud83d\\ude00/'],
    [' lead', '\\ lead'],
    ['a=b:c#d!e', 'a=b:c#d!e'],
    ['tab\there', 'tab\\there'],
  ])('writes %j as %j (Properties.load reads it back: proven with Java in principal-mapper-java.test.ts)', (value, written) => {
    expect(escapePropertiesValue(value)).toBe(written);
  });
});
