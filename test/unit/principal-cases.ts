/**
 * Fixed inputs and the exact outputs Kafka gives for them, shared by the unit tests
 * (test/unit/principal-mapper.test.ts: samctl gives these outputs) and the Java test
 * (test/principal-mapper-java.test.ts: Kafka's SslPrincipalMapper gives them too).
 */

/** [rules, DN, the name SslPrincipalMapper.getName returns] */
export const MAPPING_CASES: Array<[string, string, string]> = [
  // Kafka's documentation example
  ['RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,DEFAULT', 'CN=serviceuser,OU=ServiceUsers,O=Unknown,L=Unknown,ST=Unknown,C=Unknown', 'serviceuser'],
  ['RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,DEFAULT', 'CN=adminUser,OU=Admin,O=Unknown', 'CN=adminUser,OU=Admin,O=Unknown'],
  ['RULE:^CN=(.*?),OU=(.*?),O=(.*)$/$1@$2/L', 'CN=Svc,OU=Data,O=Y', 'svc@data'],
  // Locale.ENGLISH: İ lowers to i + U+0307, ß uppers to SS, a final sigma lowers to ς
  ['RULE:^CN=([^,]+).*$/$1/L', 'CN=İSTANBUL ΣΑΣ,O=x', 'i̇stanbul σας'],
  ['RULE:^CN=([^,]+).*$/$1/U', 'CN=Groß,O=x', 'GROSS'],
  // the first rule that matches wins; DEFAULT returns the DN
  ['RULE:^CN=b,.*$/first/,RULE:^.*$/second/,DEFAULT', 'CN=a,O=x', 'second'],
  ['RULE:^O=.*$/x/,DEFAULT', 'CN=a,O=x', 'CN=a,O=x'],
  // replaceAll replaces every match of the pattern in the DN, not only the whole-DN one
  ['RULE:(.*?)/[$1]/', 'CN=a', '[]C[]N[]=[]a[]'],
  ['RULE:.*/x/', 'CN=a', 'xx'],
  ['RULE:C|CN=a/x/', 'CN=a', 'xN=a'],
  // $n beyond the groups: Kafka makes it literal; $10 with one group is $1 and a 0
  ['RULE:^CN=(.*)$/$1 $2/', 'CN=a', 'a $2'],
  ['RULE:^CN=(.*)$/$10/', 'CN=a', 'a0'],
  ['RULE:^CN=(.*)$/$01/', 'CN=a', 'a'],
  ['RULE:^CN=(.*)$/\\$\\/\\\\$1/', 'CN=a', '$/\\a'],
  ['RULE:^CN=(?<user>[^,]*).*$/${user}!/', 'CN=a,O=x', 'a!'],
  // escaped commas in RFC 2253 values
  ['RULE:^CN=((?:\\\\.|[^,\\\\])+),.*$/$1/', 'CN=Ynformed\\, B.V.,O=x', 'Ynformed\\, B.V.'],
];

/** [Java pattern, input, Matcher.matches()] */
export const MATCH_CASES: Array<[string, string, boolean]> = [
  // . excludes Java's line terminators, \u0085 among them
  ['.', '\u0085', false],
  ['.', '\u2028', false],
  ['.', 'é', true],
  ['.', '😀', true],
  // $ also matches before a final line terminator, never between \r and \n
  ['a$\n', 'a\n', true],
  ['a$\r\n', 'a\r\n', true],
  ['a$\u0085', 'a\u0085', true],
  ['a$.', 'ax', false],
  ['a\\z\n', 'a\n', false],
  ['a\\Z\n', 'a\n', true],
  // \s and the POSIX classes are ASCII; \p{Ll} is Unicode
  ['\\s', '\u00a0', false],
  ['\\s', '\u000b', true],
  ['\\h', '\u00a0', true],
  ['\\v', '\u0085', true],
  ['\\p{Lower}', 'é', false],
  ['\\p{Ll}', 'é', true],
  ['\\p{IsLu}', 'É', true],
  ['\\pL', 'ß', true],
  ['\\P{Alpha}', '1', true],
  ['\\w', 'é', false],
  // a first ] is a literal; - at either end of a class is a literal
  ['[]a]', ']', true],
  ['[^]a]', 'b', true],
  ['[a-]', '-', true],
  ['[a-c-e]', '-', true],
  ['[a-c-e]', 'd', false],
  // \Q…\E quotes; a quantifier after it repeats the last quoted character
  ['\\Qa.b\\E', 'a.b', true],
  ['\\Qa.b\\E', 'axb', false],
  ['\\Qab\\E*', 'abbb', true],
  ['\\Qab\\E*', 'abab', false],
  // escapes
  ['\\x{1F600}', '😀', true],
  ['\\uD83D\\uDE00', '😀', true],
  ['\\0101', 'A', true],
  ['\\cA', '\u0001', true],
  ['\\,\\=\\#', ',=#', true],
  // unbounded lookbehind on a character class (Java 9+)
  ['.*(?<=,O=[^,]*)x', 'a,O=bx', true],
];

/** [Java pattern, 'invalid' (Pattern.compile throws) or 'unsupported' (Java accepts, samctl refuses)] */
export const PATTERN_KINDS: Array<[string, 'invalid' | 'unsupported']> = [
  ['(a', 'invalid'],
  ['a)', 'invalid'],
  ['[a', 'invalid'],
  ['a{2,1}', 'invalid'],
  ['a{', 'invalid'],
  ['*a', 'invalid'],
  ['\\0', 'invalid'],
  ['(?<=(?:ab)+)c', 'invalid'],
  ['(?<n>a)(?<n>b)', 'invalid'],
  ['(?i)a', 'unsupported'],
  ['a{1}{2}', 'unsupported'],
  ['^*', 'unsupported'],
  ['(?=a)?', 'unsupported'],
  ['[a[b]]', 'unsupported'],
  ['[\\S]', 'unsupported'],
  ['\\G', 'unsupported'],
];
