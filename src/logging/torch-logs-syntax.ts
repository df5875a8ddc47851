/**
 * The lexical side of TORCH_LOGS: PyTorch's whole-string check
 * `re.fullmatch(r"((\+|-)?[\w\.]+,\s*)*(\+|-)?[\w\.]+?", settings)` translated to JavaScript, and a scanner that
 * explains *where* a rejected string goes wrong (PyTorch only says that it does).
 *
 * Character classes follow Python's Unicode `str` patterns, not JavaScript's defaults:
 * - `\w` is `[\p{L}\p{N}_]` (Python: `str.isalnum()` or `_`). Identical to CPython's table over every code point,
 *   apart from characters assigned after the Unicode version of the running Python (checked once against 3.11).
 *   Unicode (not ASCII) matters: `dynamö` passes PyTorch's regex and fails at name lookup, and so does ours.
 * - `\s` is Python's whitespace set, which differs from JavaScript's `\s` (it has U+001C–U+001F and U+0085,
 *   and lacks U+FEFF).
 */

const WORD = '\\p{L}\\p{N}_';
const SPACE =
  '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

// Each repetition of the group must consume a comma, so this cannot backtrack catastrophically.
const SETTINGS_RE = new RegExp(`^(?:[+-]?[${WORD}.]+,[${SPACE}]*)*[+-]?[${WORD}.]+$`, 'u');
const NAME_CHAR_RE = new RegExp(`^[${WORD}.]$`, 'u');
const SPACE_CHAR_RE = new RegExp(`^[${SPACE}]$`, 'u');
const SPACES_RE = new RegExp(`[${SPACE}]+`, 'gu');

/** True when PyTorch's regex accepts `settings` (the special strings `""`, `help`, `+help` are handled before). */
export function isValidTorchLogsSyntax(settings: string): boolean {
  return SETTINGS_RE.test(settings);
}

/** PyTorch's `re.sub(r"\s+", "", settings)` with Python's whitespace set. */
export function stripPythonWhitespace(settings: string): string {
  return settings.replace(SPACES_RE, '');
}

export function isPythonWhitespace(char: string): boolean {
  return SPACE_CHAR_RE.test(char);
}

export function isNameChar(char: string): boolean {
  return NAME_CHAR_RE.test(char);
}

export interface SyntaxProblem {
  /** 0-based index in code points into the raw string (what an editor's column shows, minus one). */
  index: number;
  /** The offending character, or '' when the string ends too early. */
  char: string;
  /** One sentence: what is wrong at that point and how to write it instead. */
  explanation: string;
}

const QUOTES = new Set(['"', "'", '`', '\u2018', '\u2019', '\u201c', '\u201d']);

/**
 * Walks the string with the same grammar as the regex and reports the first point where it fails.
 * Returns undefined when the string is valid (the scanner and the regex agree; a property test checks it).
 */
export function findSyntaxProblem(settings: string): SyntaxProblem | undefined {
  const chars = Array.from(settings);
  let i = 0;
  const at = (index: number, explanation: string): SyntaxProblem => ({
    index,
    char: chars[index] ?? '',
    explanation,
  });
  if (chars.length === 0) return at(0, 'the value is empty.');
  for (;;) {
    // item ::= prefix? name
    const itemStart = i;
    const c0 = chars[i];
    if (c0 === '+' || c0 === '-') {
      i++;
      const c1 = chars[i];
      if (c1 === '+' || c1 === '-') {
        return at(i, `only one '+' or '-' may precede a name (write ${c0}name, not ${c0}${c1}name).`);
      }
      if (c1 === undefined || c1 === ',') {
        return at(i, `'${c0}' must be followed by a name (e.g. ${c0}dynamo).`);
      }
      if (isPythonWhitespace(c1)) {
        return at(i, `no whitespace is allowed between '${c0}' and the name (write ${c0}name).`);
      }
    }
    const nameStart = i;
    while (i < chars.length && isNameChar(chars[i])) i++;
    if (i === nameStart) return at(i, explainBadItemStart(chars, itemStart, i));
    if (i === chars.length) return undefined;
    const c = chars[i];
    if (c !== ',') return at(i, explainAfterName(chars, i));
    i++;
    while (i < chars.length && isPythonWhitespace(chars[i])) i++;
    if (i === chars.length) return at(i, 'the value ends with a comma: remove the trailing comma.');
  }
}

function explainBadItemStart(chars: string[], itemStart: number, i: number): string {
  const c = chars[i];
  if (c === undefined) return 'a name is missing at the end.';
  if (c === ',') {
    return itemStart === 0 && i === 0
      ? 'the value starts with a comma: remove it.'
      : 'empty item between two commas: remove the extra comma.';
  }
  if (isPythonWhitespace(c)) {
    return i === 0
      ? 'the value starts with whitespace: remove it (whitespace is allowed only right after a comma).'
      : 'whitespace is allowed only right after a comma.';
  }
  return explainStrayChar(c, chars);
}

function explainAfterName(chars: string[], i: number): string {
  const c = chars[i];
  if (isPythonWhitespace(c)) {
    const rest = chars.slice(i);
    const next = rest.find((x) => !isPythonWhitespace(x));
    if (next === undefined) return 'trailing whitespace: remove it.';
    if (next === ',')
      return 'whitespace before a comma: remove it (whitespace is allowed only after a comma).';
    return "names are separated by ',' (whitespace alone does not separate them).";
  }
  if (c === '+' || c === '-') {
    const next = chars[i + 1];
    return next !== undefined && isNameChar(next)
      ? `'${c}' cannot appear inside a name (names are letters, digits, '_' and '.').`
      : `'${c}' is allowed only at the start of an item, before the name (write ${c}name, not name${c}).`;
  }
  return explainStrayChar(c, chars);
}

function explainStrayChar(c: string, chars: string[]): string {
  if (QUOTES.has(c)) {
    const unquoted = chars.filter((x) => !QUOTES.has(x)).join('');
    const fix =
      unquoted !== '' && isValidTorchLogsSyntax(unquoted) ? ` (the value should be ${unquoted})` : '';
    return `the value contains a quote character (${c}): the quotes reached the program as part of the value, so remove them${fix}.`;
  }
  if (c === ':' || c === '=') {
    return `there is no name${c}LEVEL syntax: write +name for DEBUG, name for INFO, -name for ERROR.`;
  }
  if (c === ';' || c === '|' || c === '/') {
    return `'${c}' is not a separator: separate names with ','.`;
  }
  const cp = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return `the character ${JSON.stringify(c)} (U+${cp}) cannot appear in a name: names are letters, digits, '_' and '.'.`;
}
