import { usageError } from '../errors.js';
import { compileJavaRegex, javaFindAll, RegexProblem, type JavaRegex } from './java-regex.js';

/**
 * Kafka's principal for a certificate, as the broker computes it: `ssl.principal.mapping.rules`
 * applied to the subject DN in RFC 2253 form (X500Principal.getName()), KIP-371. Follows
 * org.apache.kafka.common.security.ssl.SslPrincipalMapper (kafka-clients 4.x) step by step:
 *   - the rule text is trimmed (String.trim) and split with RULE_SPLITTER; each piece must match
 *     RULE_PARSER in full ("Invalid rule"), empty pieces are ignored;
 *   - a RULE applies when its Java regex matches the whole DN (Matcher.matches()); the result is
 *     then DN.replaceAll(pattern, replacement) — every match, not only the whole-DN one;
 *   - before that, `$n` with n above the group count is made literal (escapeLiteralBackReferences,
 *     from Apache NiFi, including its habit of inserting at offsets of the unmodified string);
 *   - /L and /U convert with Locale.ENGLISH; the first rule that applies wins;
 *   - DEFAULT returns the DN itself; when no rule applies the connection fails (NoMatchingRule).
 * Java's replacement syntax is not JavaScript's: `\x` is a literal x, `${name}` a named group,
 * `$12` the longest group number that exists; it is expanded here, not by String.replace.
 */

// SslPrincipalMapper.RULE_PATTERN and RULE_SPLITTER, verbatim (Java regex syntax).
const RULE_PATTERN = '(DEFAULT)|RULE:((\\\\.|[^\\\\/])*)/((\\\\.|[^\\\\/])*)/([LU]?).*?|(.*?)';
const RULE_SPLITTER = compileJavaRegex(`\\s*(${RULE_PATTERN})\\s*(,\\s*|$)`);
const RULE_PARSER = compileJavaRegex(RULE_PATTERN);

/** A piece of an expanded replacement: literal text, or the text of a group. */
type Piece = string | { group: number };

export type PrincipalRule =
  | { kind: 'default'; text: string }
  | {
      kind: 'rule';
      text: string;
      pattern: JavaRegex;
      replacement: string;
      toLowerCase: boolean;
      toUpperCase: boolean;
      /** The replacement compiled once; an error when Java would throw for every DN the rule matches. */
      expansion: Piece[] | { error: string };
    };

export interface PrincipalRules {
  /** The setting as given (trimmed); undefined when none was given (Kafka's default). */
  setting: string | undefined;
  /** The rules in effect: the setting, or DEFAULT. */
  text: string;
  rules: PrincipalRule[];
}

export const DEFAULT_PRINCIPAL_RULES = 'DEFAULT';

const RULE_HINT = "rules read RULE:<java regex>/<replacement>/ (L or U after the last slash lowers or uppers the result), comma-separated, usually ending in DEFAULT; e.g. 'RULE:^CN=([^,]+),.*$/$1/,DEFAULT'";

/**
 * Parses `ssl.principal.mapping.rules`; undefined means Kafka's default (DEFAULT). Throws a usage
 * error naming the rule for what Kafka refuses at startup (a malformed rule, an invalid regex),
 * what samctl cannot evaluate exactly, and a replacement Java would reject for every DN.
 */
export function parsePrincipalRules(setting: string | undefined): PrincipalRules {
  const text = javaTrim(setting ?? DEFAULT_PRINCIPAL_RULES);
  const rules: PrincipalRule[] = [];
  for (const split of javaFindAll(RULE_SPLITTER, text)) {
    const ruleText = split[1];
    const parsed = RULE_PARSER.find(ruleText, 0)!;
    if (parsed.index !== 0 || parsed[0].length !== ruleText.length) {
      const rest = printable(ruleText.slice(parsed[0].length));
      const why = parsed[1] !== undefined ? `: "${rest}" follows DEFAULT` : parsed[2] !== undefined ? `: "${rest}" follows the closing slash, where only L or U may stand` : '';
      throw usageError(`invalid principal rule "${printable(ruleText)}"${why}`, RULE_HINT);
    }
    if (parsed[1] !== undefined) rules.push({ kind: 'default', text: ruleText });
    else if (parsed[2] !== undefined) rules.push(compileRule(ruleText, parsed[2], parsed[4], parsed[6]));
    // else: an empty piece (",," or a trailing comma), which Kafka ignores
  }
  if (rules.length === 0) {
    throw usageError(`no principal rule in "${printable(text)}": every client certificate would be refused (Kafka: NoMatchingRule)`, 'give DEFAULT for the full DN, or a RULE:…/…/ ending in DEFAULT');
  }
  for (const rule of rules) {
    if (rule.kind === 'rule' && 'error' in rule.expansion) {
      throw usageError(`principal rule "${printable(rule.text)}": its replacement "${printable(rule.replacement)}" fails for every DN the rule matches: ${rule.expansion.error}`, replacementHint(rule.pattern.groupCount));
    }
  }
  return { setting: setting === undefined ? undefined : text, text, rules };
}

/** Lines worth a warning (stderr, not a failure) about a rule set that parses. */
export function principalRulesWarnings(rules: PrincipalRules): string[] {
  const warnings: string[] = [];
  const firstDefault = rules.rules.findIndex((rule) => rule.kind === 'default');
  if (rules.rules[rules.rules.length - 1].kind !== 'default') {
    warnings.push('the principal rules do not end with DEFAULT: a certificate whose DN no rule matches is refused by the broker (NoMatchingRule)');
  } else if (firstDefault < rules.rules.length - 1) {
    warnings.push(`the rules after the first DEFAULT are never used: ${rules.rules.slice(firstDefault + 1).map((rule) => rule.text).join(', ')}`);
  }
  return warnings;
}

export type PrincipalResult = { principal: string; error?: undefined } | { principal: null; error: string };

/** The broker's principal (User:…) for a subject DN in RFC 2253 form, or why the broker refuses it. */
export function principalFor(rules: PrincipalRules, dn: string): PrincipalResult {
  try {
    return { principal: `User:${mapPrincipalName(rules, dn)}` };
  } catch (err) {
    if (err instanceof PrincipalMappingError) return { principal: null, error: err.message };
    throw err;
  }
}

/**
 * The principal for display: User:…, or that there is none. Rules that parse fail on a DN only
 * by matching no rule: parsePrincipalRules refuses replacements that would throw.
 */
export function principalLabel(result: PrincipalResult): string {
  return result.principal ?? '(none: no rule matches)';
}

/** A DN the rules map to nothing (NoMatchingRule) or that a rule's replacement fails on. */
export class PrincipalMappingError extends Error {
  constructor(
    message: string,
    readonly noMatchingRule: boolean,
  ) {
    super(message);
    this.name = 'PrincipalMappingError';
  }
}

/** SslPrincipalMapper.getName(dn): the name without the User: prefix. */
export function mapPrincipalName(rules: PrincipalRules, dn: string): string {
  for (const rule of rules.rules) {
    const name = applyRule(rule, dn);
    if (name !== undefined) return name;
  }
  throw new PrincipalMappingError(`no principal rule matches ${dn}: the broker refuses this certificate`, true);
}

function applyRule(rule: PrincipalRule, dn: string): string | undefined {
  if (rule.kind === 'default') return dn;
  if (!rule.pattern.matchesWhole(dn)) return undefined;
  if ('error' in rule.expansion) throw new PrincipalMappingError(`rule ${rule.text} fails on ${dn}: ${rule.expansion.error}`, false);
  let result = '';
  let appended = 0;
  for (const match of javaFindAll(rule.pattern, dn)) {
    result += dn.slice(appended, match.index);
    for (const piece of rule.expansion) result += typeof piece === 'string' ? piece : (match[piece.group] ?? '');
    appended = match.index + match[0].length;
  }
  result += dn.slice(appended);
  // Locale.ENGLISH: the Unicode default case mappings, which is what JavaScript's toLowerCase uses.
  if (rule.toLowerCase) return result.toLowerCase();
  if (rule.toUpperCase) return result.toUpperCase();
  return result;
}

function compileRule(text: string, pattern: string, replacement: string, caseFlag: string): PrincipalRule {
  let regex: JavaRegex;
  try {
    regex = compileJavaRegex(pattern);
  } catch (err) {
    if (!(err instanceof RegexProblem)) throw err;
    const where = `at character ${err.index + 1} of "${printable(pattern)}"`;
    if (err.kind === 'invalid') {
      throw usageError(`invalid principal rule "${printable(text)}": not a valid Java regex, ${err.message} (${where})`, 'fix the pattern: Kafka refuses to start with it');
    }
    throw usageError(`principal rule "${printable(text)}": samctl cannot evaluate ${err.message} (${where}) exactly as Java does`, err.fix);
  }
  return {
    kind: 'rule',
    text,
    pattern: regex,
    replacement,
    toLowerCase: caseFlag === 'L',
    toUpperCase: caseFlag === 'U',
    expansion: compileReplacement(escapeLiteralBackReferences(replacement, regex.groupCount), regex),
  };
}

function replacementHint(groupCount: number): string {
  const groups = groupCount === 0 ? 'the pattern has no groups, so no $n' : groupCount === 1 ? '$1 is the pattern\'s only group' : `$1…$${groupCount} are the pattern's groups`;
  return `${groups}; \${name} a named group; write \\$ for a literal dollar and \\\\ for a backslash`;
}

/**
 * SslPrincipalMapper.Rule.escapeLiteralBackReferences: a `$n` naming a group the pattern does not
 * have (after trimming digits while above the group count and ≥ 10) gets a backslash in front. The
 * offsets come from the replacement as given while the backslashes go into the copy, as in Kafka.
 */
function escapeLiteralBackReferences(unescaped: string, groupCount: number): string | { error: string } {
  if (groupCount === 0) return unescaped;
  let value = unescaped;
  for (const match of unescaped.matchAll(/\$([0-9]+)/g)) {
    const digits = match[1];
    if (digits.startsWith('0')) continue;
    // Integer.parseInt: more than 2147483647 throws NumberFormatException, for every DN.
    if (digits.length > 10 || Number(digits) > 0x7fffffff) return { error: `$${digits} is not a number Java can read (NumberFormatException)` };
    let index = Number(digits);
    while (index > groupCount && index >= 10) index = Math.trunc(index / 10);
    if (index > groupCount) {
      const groupStart = match.index + 1;
      value = `${value.slice(0, groupStart - 1)}\\${value.slice(groupStart - 1)}`;
    }
  }
  return value;
}

/** Matcher.appendExpandedReplacement, once: literal pieces and group references, or Java's exception. */
function compileReplacement(replacement: string | { error: string }, regex: JavaRegex): Piece[] | { error: string } {
  if (typeof replacement !== 'string') return replacement;
  const pieces: Piece[] = [];
  let text = '';
  const fail = (error: string) => ({ error });
  for (let cursor = 0; cursor < replacement.length; ) {
    const c = replacement[cursor];
    if (c === '\\') {
      cursor += 1;
      if (cursor === replacement.length) return fail('a trailing backslash escapes nothing (IllegalArgumentException: character to be escaped is missing)');
      text += replacement[cursor];
      cursor += 1;
    } else if (c === '$') {
      cursor += 1;
      if (cursor === replacement.length) return fail('a trailing $ names no group (IllegalArgumentException: Illegal group reference: group index is missing)');
      let group: number;
      if (replacement[cursor] === '{') {
        cursor += 1;
        const name = /^[A-Za-z0-9]*/.exec(replacement.slice(cursor))![0];
        cursor += name.length;
        if (name.length === 0) return fail('${} names no group (IllegalArgumentException: named capturing group has 0 length name)');
        if (replacement[cursor] !== '}') return fail(`\${${name} lacks its } (IllegalArgumentException)`);
        if (/^[0-9]/.test(name)) return fail(`\${${name}} starts with a digit (IllegalArgumentException)`);
        const number = regex.groupNames.get(name);
        if (number === undefined) return fail(`the pattern has no group named ${name} (IllegalArgumentException: No group with name {${name}})`);
        group = number;
        cursor += 1;
      } else {
        const digit = replacement.charCodeAt(cursor) - 48;
        if (digit < 0 || digit > 9) return fail(`$ must be followed by a group number or {name}, not "${replacement[cursor]}" (IllegalArgumentException: Illegal group reference)`);
        group = digit;
        cursor += 1;
        // The longest group number that exists.
        while (cursor < replacement.length) {
          const next = replacement.charCodeAt(cursor) - 48;
          if (next < 0 || next > 9 || group * 10 + next > regex.groupCount) break;
          group = group * 10 + next;
          cursor += 1;
        }
        if (group > regex.groupCount) return fail(`$${group}: the pattern has ${regex.groupCount === 0 ? 'no groups' : `only ${regex.groupCount} group${regex.groupCount === 1 ? '' : 's'}`} (IndexOutOfBoundsException: No group ${group})`);
      }
      if (text) pieces.push(text);
      text = '';
      pieces.push({ group });
    } else {
      text += c;
      cursor += 1;
    }
  }
  if (text) pieces.push(text);
  return pieces;
}

/** String.trim(): every char up to U+0020 at either end, nothing else. */
function javaTrim(value: string): string {
  return value.replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, '');
}

/** A rule as one printable line in a message. */
function printable(value: string): string {
  const safe = value.replace(/[\x00-\x1f\x7f]/g, '?');
  return safe.length > 120 ? `${safe.slice(0, 117)}...` : safe;
}
