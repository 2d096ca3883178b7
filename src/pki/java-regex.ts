/**
 * Java regular expressions (java.util.regex.Pattern, no flags), evaluated with JavaScript's
 * engine: a Java pattern is parsed here and written out as a JavaScript pattern (`u` flag:
 * code points, as Java matches them) that matches the same strings. What cannot be written
 * out exactly is refused, never approximated.
 *
 * Where Java and JavaScript differ and the translation takes care of it:
 *   .        Java excludes \n \r \u0085 \u2028 \u2029; JavaScript does not exclude \u0085
 *   $  \Z    Java also matches before a final line terminator (\r\n, \n, \r, \u0085, \u2028, \u2029)
 *   \s       Java: [ \t\n\x0B\f\r] only; JavaScript: every Unicode space
 *   \v \h    Java: vertical / horizontal whitespace classes; JavaScript \v is \x0B, \h does not exist
 *   \p{Lower} and the other POSIX names: ASCII classes in Java, unknown in JavaScript
 *   [abc]    a first `]` is a literal in Java ([]a] matches "]")
 *   \Q…\E    quoting, Java only
 *   \, \= …  Java lets a backslash escape any non-letter; JavaScript's `u` mode does not
 *
 * Refused as unsupported (Java accepts them; samctl cannot evaluate them exactly):
 *   back-references in the pattern (\1, \k<name>): Java fails a reference to a group that did
 *     not take part, JavaScript matches it as empty
 *   embedded flags ((?i), (?x), (?i:…)): Java's (?i) folds ASCII only, JavaScript's folds Unicode
 *   atomic groups (?>…) and possessive quantifiers (*+ ++ ?+ {n}+)
 *   \b \B (word chars are Unicode in JDK 17, ASCII from JDK 19), \G \X \R \N{…}
 *   \p{javaLowerCase} and other java* classes, scripts, blocks and binary properties
 *     (\p{IsLatin}, \p{InGreek}, \p{IsAlphabetic}); supported: POSIX names and general categories
 *   nested classes [a[b]], intersections [a&&b], and \S \H \V or a POSIX \P{…} inside […]
 *   a quantifier on an anchor or a lookaround, or right after another quantifier
 */

export type RegexProblemKind = 'invalid' | 'unsupported';

/** Why a pattern cannot be used: Java rejects it too ('invalid'), or samctl cannot evaluate it ('unsupported'). */
export class RegexProblem extends Error {
  constructor(
    readonly kind: RegexProblemKind,
    message: string,
    readonly index: number,
    /** For an unsupported construct: how to write it so that samctl can evaluate it. */
    readonly fix?: string,
  ) {
    super(message);
    this.name = 'RegexProblem';
  }
}

export interface JavaRegex {
  /** The Java pattern as given. */
  source: string;
  /** Number of capturing groups (Matcher.groupCount()). */
  groupCount: number;
  /** Named groups → group number. */
  groupNames: ReadonlyMap<string, number>;
  /** Matcher.matches(): the whole input. */
  matchesWhole: (input: string) => boolean;
  /** Matcher.find() from `from`: the first match at or after it. */
  find: (input: string, from: number) => RegExpExecArray | null;
}

// Java's line terminators (no UNIX_LINES): what `.` does not match and `$` may stand before.
const DOT = '[^\\n\\r\\u{85}\\u{2028}\\u{2029}]';
// Pattern.Dollar without MULTILINE: at the end, before a final \r\n, or before a final single
// terminator, but never between \r and \n.
const DOLLAR = '(?:$|(?=\\r\\n$)|(?=[\\r\\u{85}\\u{2028}\\u{2029}]$)|(?<!\\r)(?=\\n$))';

const CLASS_ESCAPES: Record<string, string> = {
  d: '0-9',
  w: 'a-zA-Z_0-9',
  s: ' \\t\\n\\x0B\\f\\r',
  h: ' \\t\\u{A0}\\u{1680}\\u{180E}\\u{2000}-\\u{200A}\\u{202F}\\u{205F}\\u{3000}',
  v: '\\n\\x0B\\f\\r\\u{85}\\u{2028}\\u{2029}',
};

// Pattern's POSIX character classes (US-ASCII only without UNICODE_CHARACTER_CLASS).
const POSIX: Record<string, string> = {
  Lower: 'a-z',
  Upper: 'A-Z',
  ASCII: '\\x00-\\x7F',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~',
  Graph: '!-~',
  Print: ' -~',
  Blank: ' \\t',
  Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F',
  Space: ' \\t\\n\\x0B\\f\\r',
};

const GENERAL_CATEGORIES = new Set([
  'L', 'Lu', 'Ll', 'Lt', 'Lm', 'Lo',
  'M', 'Mn', 'Mc', 'Me',
  'N', 'Nd', 'Nl', 'No',
  'P', 'Pc', 'Pd', 'Ps', 'Pe', 'Pi', 'Pf', 'Po',
  'S', 'Sm', 'Sc', 'Sk', 'So',
  'Z', 'Zs', 'Zl', 'Zp',
  'C', 'Cc', 'Cf', 'Co', 'Cs', 'Cn',
]);

/** One code point as a JavaScript `u`-mode pattern character: letters and digits as they are, the rest escaped. */
function literal(codePoint: number): string {
  return /[A-Za-z0-9]/.test(String.fromCodePoint(codePoint)) ? String.fromCodePoint(codePoint) : `\\u{${codePoint.toString(16).toUpperCase()}}`;
}

/** A piece of a character class: one code point (may start a range) or a set that cannot. */
type ClassItem = { codePoint: number } | { set: string };

/** What a quantifier would repeat (js), and literal text before it that it would not (\Qab\E* repeats b only). */
type Atom = { js: string; quantifiable: boolean; prefix?: string; group?: boolean };

class Translator {
  private pos = 0;
  private groupCount = 0;
  private readonly names = new Map<string, number>();
  private lookbehindDepth = 0;

  constructor(private readonly src: string) {}

  translate(): { js: string; groupCount: number; names: Map<string, number> } {
    const js = this.alternation();
    if (this.pos < this.src.length) {
      // alternation() stops only at ')' here: one too many.
      throw this.invalid("unmatched closing ')'");
    }
    return { js, groupCount: this.groupCount, names: this.names };
  }

  private peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  private invalid(message: string, at = this.pos): RegexProblem {
    return new RegexProblem('invalid', message, at);
  }

  private unsupported(message: string, at = this.pos, fix?: string): RegexProblem {
    return new RegexProblem('unsupported', message, at, fix);
  }

  /** The code point at pos, consumed. */
  private nextCodePoint(): number {
    const codePoint = this.src.codePointAt(this.pos)!;
    this.pos += codePoint > 0xffff ? 2 : 1;
    return codePoint;
  }

  private alternation(): string {
    const branches = [this.sequence()];
    while (this.peek() === '|') {
      this.pos += 1;
      branches.push(this.sequence());
    }
    return branches.join('|');
  }

  private sequence(): string {
    let out = '';
    while (this.pos < this.src.length) {
      const c = this.peek()!;
      if (c === '|' || c === ')') break;
      const start = this.pos;
      const atom = this.term();
      if (atom === undefined) continue; // \Q\E with nothing inside
      out += this.quantified(atom, start);
    }
    return out;
  }

  /** One atom, anchor or group; undefined when the input held nothing to match (an empty \Q\E). */
  private term(): Atom | undefined {
    const c = this.peek()!;
    switch (c) {
      case '^':
        this.pos += 1;
        return { js: '^', quantifiable: false };
      case '$':
        this.pos += 1;
        return { js: DOLLAR, quantifiable: false };
      case '.':
        this.pos += 1;
        return { js: DOT, quantifiable: true };
      case '(':
        return this.group();
      case '[':
        return { js: this.characterClass(), quantifiable: true };
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
        throw this.invalid(`dangling meta character '${c}' (nothing before it to repeat)`);
      case '{':
        throw this.invalid("illegal repetition: '{' with nothing before it to repeat (write \\{ for a literal brace)");
      default:
        return { js: literal(this.nextCodePoint()), quantifiable: true };
    }
  }

  private quantified(atom: Atom, start: number): string {
    const prefix = atom.prefix ?? '';
    const quantifier = this.quantifier();
    if (quantifier === undefined) return prefix + atom.js;
    if (!atom.quantifiable) {
      throw this.unsupported(`a quantifier on an anchor or lookaround ("${this.src.slice(start, this.pos)}")`, start, 'drop the quantifier');
    }
    if (this.peek() === '+') throw this.unsupported('a possessive quantifier (*+, ++, ?+, {n}+)', this.pos, 'use the greedy form (drop the +)');
    const lazy = this.peek() === '?';
    if (lazy) this.pos += 1;
    // Java (9+) allows x*, x+, x{n,} on a single character or class inside a lookbehind, not on a group.
    if (this.lookbehindDepth > 0 && quantifier.unbounded && atom.group) {
      throw this.invalid('a look-behind group must have an obvious maximum length (no *, + or {n,} on a group inside (?<=…) / (?<!…))', start);
    }
    const next = this.peek();
    if (next === '*' || next === '+' || next === '?') throw this.invalid(`dangling meta character '${next}' (a quantifier cannot repeat a quantifier)`);
    if (next === '{' && this.looksLikeQuantifier()) {
      throw this.unsupported('a quantifier right after another quantifier', this.pos, 'put the repeated part in a group: (?:x{2}){3}');
    }
    return `${prefix}(?:${atom.js})${quantifier.js}${lazy ? '?' : ''}`;
  }

  private looksLikeQuantifier(): boolean {
    return /^\{\d+(,\d*)?\}/.test(this.src.slice(this.pos));
  }

  private quantifier(): { js: string; unbounded: boolean } | undefined {
    const c = this.peek();
    if (c === '*' || c === '+') {
      this.pos += 1;
      return { js: c, unbounded: true };
    }
    if (c === '?') {
      this.pos += 1;
      return { js: '?', unbounded: false };
    }
    if (c !== '{') return undefined;
    const match = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
    if (!match) throw this.invalid("illegal repetition: '{' must start {n}, {n,} or {n,m} (write \\{ for a literal brace)");
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
    if (min > 0x7fffffff || (max !== Infinity && max > 0x7fffffff)) throw this.invalid('illegal repetition range: a count above 2147483647');
    if (max < min) throw this.invalid(`illegal repetition range {${min},${max}}: the maximum is below the minimum`);
    this.pos += match[0].length;
    return { js: match[0], unbounded: max === Infinity };
  }

  private group(): Atom {
    const open = this.pos;
    this.pos += 1;
    let prefix: string;
    let quantifiable = true;
    let lookbehind = false;
    // Java tries the shortest text first inside a lookbehind, JavaScript the longest: what a group there captures differs.
    const captureInLookbehind = () => this.unsupported('a capturing group inside a lookbehind', open, 'use (?:…) inside (?<=…) and (?<!…)');
    if (this.peek() !== '?') {
      if (this.lookbehindDepth > 0) throw captureInLookbehind();
      this.groupCount += 1;
      prefix = '(';
    } else {
      const rest = this.src.slice(this.pos + 1);
      if (rest.startsWith(':')) {
        prefix = '(?:';
        this.pos += 2;
      } else if (rest.startsWith('=') || rest.startsWith('!')) {
        prefix = `(?${rest[0]}`;
        this.pos += 2;
        quantifiable = false;
      } else if (rest.startsWith('<=') || rest.startsWith('<!')) {
        prefix = `(?${rest.slice(0, 2)}`;
        this.pos += 3;
        quantifiable = false;
        lookbehind = true;
      } else if (rest.startsWith('<')) {
        const named = /^<([^>]*)>/.exec(rest);
        if (!named) throw this.invalid("named capturing group is missing trailing '>'", open);
        const name = named[1];
        if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(name)) throw this.invalid(`capturing group name "${name}" must be a Latin letter followed by letters or digits`, open);
        if (this.names.has(name)) throw this.invalid(`named capturing group <${name}> is already defined`, open);
        if (this.lookbehindDepth > 0) throw captureInLookbehind();
        this.groupCount += 1;
        this.names.set(name, this.groupCount);
        prefix = `(?<${name}>`;
        this.pos += 1 + named[0].length;
      } else if (rest.startsWith('>')) {
        throw this.unsupported('an atomic group (?>…)', open, 'use a non-capturing group (?:…)');
      } else if (/^[idmsuxU-]*[:)]/.test(rest)) {
        throw this.unsupported('embedded flags such as (?i) or (?i:…)', open, 'spell both cases out, as in [Cc][Nn]=');
      } else {
        throw this.invalid(`unknown inline modifier "(?${rest.slice(0, 1)}"`, open);
      }
    }
    if (lookbehind) this.lookbehindDepth += 1;
    const body = this.alternation();
    if (lookbehind) this.lookbehindDepth -= 1;
    if (this.peek() !== ')') throw this.invalid("unclosed group: a '(' without its ')'", open);
    this.pos += 1;
    return { js: `${prefix}${body})`, quantifiable, group: true };
  }

  /** An escape outside a character class. */
  private escape(): Atom | undefined {
    const at = this.pos;
    const c = this.src[this.pos + 1];
    if (c === undefined) throw this.invalid('a trailing backslash escapes nothing', at);
    switch (c) {
      case 'Q':
        return this.quoted();
      case 'A':
        this.pos += 2;
        return { js: '^', quantifiable: false };
      case 'z':
        this.pos += 2;
        return { js: '$', quantifiable: false };
      case 'Z':
        this.pos += 2;
        return { js: DOLLAR, quantifiable: false };
      case 'b':
      case 'B':
        throw this.unsupported(`\\${c}`, at, `\\${c}'s word characters differ between JDK 17 and JDK 19+: use a lookaround such as (?<![A-Za-z0-9_]), or match the separators (,) themselves`);
      case 'G':
      case 'X':
      case 'R':
      case 'N':
        throw this.unsupported(`\\${c}`, at, 'match the characters themselves');
      case 'k':
        throw this.unsupported('a back-reference (\\k<name>) in the pattern', at, 'capture the part once and use it in the replacement (${name})');
      default:
        break;
    }
    if (c >= '1' && c <= '9') throw this.unsupported(`a back-reference (\\${c}) in the pattern`, at, 'capture the part once and use it in the replacement ($n)');
    const item = this.escapedItem(false);
    if ('codePoint' in item) return { js: literal(item.codePoint), quantifiable: true };
    return { js: `[${item.set}]`, quantifiable: true };
  }

  /** \Q…\E outside a class: each quoted code point a literal; a quantifier after it repeats the last one (Java reads \Qab\E* as ab*). */
  private quoted(): Atom | undefined {
    this.pos += 2;
    const end = this.src.indexOf('\\E', this.pos);
    const text = this.src.slice(this.pos, end === -1 ? this.src.length : end);
    this.pos = end === -1 ? this.src.length : end + 2;
    const codePoints = [...text].map((char) => char.codePointAt(0)!);
    if (codePoints.length === 0) return undefined;
    return { prefix: codePoints.slice(0, -1).map(literal).join(''), js: literal(codePoints[codePoints.length - 1]), quantifiable: true };
  }

  /**
   * An escape that stands for one code point or a predefined class, in or outside […].
   * pos is at the backslash; consumed on return.
   */
  private escapedItem(inClass: boolean): ClassItem {
    const at = this.pos;
    this.pos += 1;
    const c = this.src[this.pos];
    if (c === undefined) throw this.invalid('a trailing backslash escapes nothing', at);
    this.pos += 1;
    const hex = (digits: string, what: string) => {
      if (!/^[0-9a-fA-F]+$/.test(digits)) throw this.invalid(`illegal ${what} escape`, at);
      return parseInt(digits, 16);
    };
    switch (c) {
      case 't':
        return { codePoint: 0x09 };
      case 'n':
        return { codePoint: 0x0a };
      case 'r':
        return { codePoint: 0x0d };
      case 'f':
        return { codePoint: 0x0c };
      case 'a':
        return { codePoint: 0x07 };
      case 'e':
        return { codePoint: 0x1b };
      case 'c': {
        const next = this.src[this.pos];
        if (next === undefined) throw this.invalid('illegal control escape sequence', at);
        this.pos += 1;
        return { codePoint: next.charCodeAt(0) ^ 64 };
      }
      case '0': {
        const octal = /^([0-3][0-7]{2}|[0-7]{1,2})/.exec(this.src.slice(this.pos));
        if (!octal) throw this.invalid('illegal octal escape sequence (\\0 needs 1 to 3 octal digits)', at);
        this.pos += octal[0].length;
        return { codePoint: parseInt(octal[0], 8) };
      }
      case 'x': {
        if (this.src[this.pos] === '{') {
          const close = this.src.indexOf('}', this.pos);
          if (close === -1) throw this.invalid('unclosed hexadecimal escape sequence', at);
          const codePoint = hex(this.src.slice(this.pos + 1, close), 'hexadecimal');
          if (codePoint > 0x10ffff) throw this.invalid('hexadecimal codepoint is too big', at);
          this.pos = close + 1;
          return { codePoint };
        }
        const codePoint = hex(this.src.slice(this.pos, this.pos + 2).padEnd(2, 'g'), 'hexadecimal');
        this.pos += 2;
        return { codePoint };
      }
      case 'u': {
        const unit = hex(this.src.slice(this.pos, this.pos + 4).padEnd(4, 'g'), 'Unicode');
        this.pos += 4;
        // Java joins an escaped surrogate pair (\uD83D\uDE00) into one code point.
        const low = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(this.src.slice(this.pos));
        if (unit >= 0xd800 && unit <= 0xdbff && low) {
          this.pos += 6;
          return { codePoint: 0x10000 + ((unit - 0xd800) << 10) + (parseInt(low[1], 16) - 0xdc00) };
        }
        return { codePoint: unit };
      }
      case 'd':
      case 'w':
      case 's':
      case 'h':
      case 'v':
        return { set: CLASS_ESCAPES[c] };
      case 'D':
      case 'W':
        // JavaScript's \D and \W (u mode, no i flag) are Java's: the complements of [0-9] and [a-zA-Z_0-9].
        return inClass ? { set: `\\${c}` } : { set: `^${CLASS_ESCAPES[c.toLowerCase()]}` };
      case 'S':
      case 'H':
      case 'V':
        if (inClass) throw this.unsupported(`\\${c} inside a character class`, at, 'write the class negated: [^…]');
        return { set: `^${CLASS_ESCAPES[c.toLowerCase()]}` };
      case 'p':
      case 'P':
        return this.property(c === 'P', inClass, at);
      default:
        break;
    }
    if (/[A-Za-z]/.test(c)) throw this.invalid(`illegal/unsupported escape sequence \\${c}`, at);
    if (/[0-9]/.test(c)) throw this.unsupported(`a back-reference (\\${c}) in the pattern`, at, 'capture the part once and use it in the replacement ($n)');
    // Any other character is itself (Java lets a backslash precede any non-letter).
    this.pos -= 1;
    return { codePoint: this.nextCodePoint() };
  }

  /** \p{Name}, \pL, \P{…}: POSIX classes and Unicode general categories. pos is after the p. */
  private property(negated: boolean, inClass: boolean, at: number): ClassItem {
    let name: string;
    if (this.src[this.pos] === '{') {
      const close = this.src.indexOf('}', this.pos);
      if (close === -1) throw this.invalid('unclosed character family', at);
      name = this.src.slice(this.pos + 1, close);
      this.pos = close + 1;
    } else {
      const letter = this.src[this.pos];
      if (letter === undefined) throw this.invalid('illegal character family', at);
      name = letter;
      this.pos += 1;
    }
    if (name in POSIX) {
      if (negated && inClass) throw this.unsupported(`\\P{${name}} inside a character class`, at, 'write the class negated: [^…]');
      return { set: `${negated ? '^' : ''}${POSIX[name]}` };
    }
    const category = name.startsWith('Is') && GENERAL_CATEGORIES.has(name.slice(2)) ? name.slice(2) : name;
    if (GENERAL_CATEGORIES.has(category)) {
      return { set: `\\${negated ? 'P' : 'p'}{${category}}` };
    }
    throw this.unsupported(`the character property \\p{${name}}`, at, 'use a POSIX name such as \\p{Alpha} or a general category such as \\p{Lu}, or list the characters');
  }

  /** […]: single code points, ranges, predefined classes; no nesting or intersection. */
  private characterClass(): string {
    const open = this.pos;
    this.pos += 1;
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.pos += 1;
    }
    const parts: string[] = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw this.invalid("unclosed character class: a '[' without its ']'", open);
      if (c === ']' && !first) {
        this.pos += 1;
        break;
      }
      first = false;
      if (c === '[') throw this.unsupported('a nested character class [a[b]]', this.pos, 'list the members in one class');
      if (c === '&' && this.peek(1) === '&') throw this.unsupported('a character class intersection [a&&b]', this.pos, 'list the members that remain in one class');
      if (c === '\\' && this.peek(1) === 'Q') {
        this.pos += 2;
        const end = this.src.indexOf('\\E', this.pos);
        const text = this.src.slice(this.pos, end === -1 ? this.src.length : end);
        this.pos = end === -1 ? this.src.length : end + 2;
        for (const char of text) parts.push(literal(char.codePointAt(0)!));
        continue;
      }
      const item = this.classItem();
      if ('set' in item) {
        // Negated sets reach a class only as JavaScript's own \D, \W, \P{…}: the others are refused in escapedItem.
        parts.push(item.set);
        continue;
      }
      // A range: lo-hi, unless the '-' is the last thing before ']'.
      if (this.peek() === '-' && this.peek(1) !== undefined && this.peek(1) !== ']') {
        const dash = this.pos;
        this.pos += 1;
        if (this.peek() === '[') throw this.unsupported('a nested character class [a[b]]', this.pos, 'list the members in one class');
        const high = this.classItem();
        if (!('codePoint' in high)) throw this.invalid('illegal character range: a class escape cannot end a range', dash);
        if (high.codePoint < item.codePoint) throw this.invalid('illegal character range: the end is below the start', dash);
        parts.push(`${literal(item.codePoint)}-${literal(high.codePoint)}`);
        continue;
      }
      parts.push(literal(item.codePoint));
    }
    if (parts.length === 0) throw this.invalid('empty character class', open);
    return `[${negated ? '^' : ''}${parts.join('')}]`;
  }

  private classItem(): ClassItem {
    if (this.peek() === '\\') return this.escapedItem(true);
    return { codePoint: this.nextCodePoint() };
  }
}

/** Parses a Java pattern; throws RegexProblem for what Java rejects or samctl cannot evaluate. */
export function compileJavaRegex(source: string): JavaRegex {
  const { js, groupCount, names } = new Translator(source).translate();
  let whole: RegExp;
  let global: RegExp;
  try {
    whole = new RegExp(`^(?:${js})$`, 'u');
    global = new RegExp(js, 'gu');
  } catch (err) {
    // A translation JavaScript refuses is a samctl gap, not a user error: say so.
    throw new RegexProblem('unsupported', `a construct JavaScript's engine refuses (${(err as Error).message})`, 0, 'simplify the pattern');
  }
  return {
    source,
    groupCount,
    groupNames: names,
    matchesWhole: (input) => whole.test(input),
    find: (input, from) => {
      global.lastIndex = from;
      const match = global.exec(input);
      return match;
    },
  };
}

/**
 * Matcher.find() over the whole input, as replaceAll and Kafka's rule splitter use it: each
 * search starts where the previous match ended, one char further after an empty match.
 */
export function* javaFindAll(regex: JavaRegex, input: string): Generator<RegExpExecArray> {
  let first = -1;
  let last = 0;
  for (;;) {
    let next = last;
    if (next === first) next += 1;
    if (next > input.length) return;
    // After an empty match right before a character beyond U+FFFF, Java searches again from the
    // middle of its surrogate pair, where it sees a lone low surrogate (and an empty pattern matches
    // there: "😀".replaceAll("", "-") splits the pair). JavaScript's `u` mode would read the pair as
    // one code point, so the search runs on a copy whose high surrogate is replaced (a lookbehind
    // there sees U+0000 where Java sees the lone high surrogate: the one difference left).
    const midPair = next > 0 && next < input.length && isLowSurrogate(input.charCodeAt(next)) && isHighSurrogate(input.charCodeAt(next - 1));
    const match = regex.find(midPair ? `${input.slice(0, next - 1)}\u0000${input.slice(next)}` : input, next);
    if (!match) return;
    first = match.index;
    last = match.index + match[0].length;
    yield match;
  }
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
