/**
 * Python's `json.dumps` in JavaScript, byte for byte: `", "` / `": "` separators, `ensure_ascii` (`\uXXXX` for every
 * UTF-16 code unit outside space..tilde, so astral characters become surrogate pairs), insertion key order, NaN and
 * Infinity written bare, and the `indent=0` layout (a newline after every `{`/`[`, one member per line, nothing
 * indented). PyTorch writes trace envelopes and payloads with it, so we must too.
 *
 * JavaScript has one number type: integers are written as Python ints, other numbers as Python's float repr
 * (`1e-05`, `1e+16`). Wrap a number in `pyFloat()` to force a Python float (`1.0`), as PyTorch writes timestamps.
 * Plain objects list integer-like keys first (a JavaScript rule); use a Map when that order matters.
 */

/** A number that must be written as a Python float (`3.0`, not `3`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

export function pyFloat(value: number): PyFloat {
  return new PyFloat(value);
}

export interface PyJsonOptions {
  /** `0` gives Python's `indent=0` layout; undefined gives the compact one-line layout. */
  indent?: 0;
}

export function pyJsonDumps(value: unknown, options: PyJsonOptions = {}): string {
  const out = encode(value, options.indent === 0, new Set<object>());
  return out === undefined ? 'null' : out;
}

/** Python's `repr(float)`: shortest round-trip digits, exponent when the exponent is < -4 or >= 16. */
export function pythonFloatRepr(x: number): string {
  // From 1e-4 up to 1e16 both languages write fixed notation with the same shortest round-trip digits; only
  // Python's `.0` on whole numbers differs. (Timestamps land here: this is the common case.)
  const magnitude = x < 0 ? -x : x;
  if (magnitude >= 1e-4 && magnitude < 1e16) {
    const text = String(x);
    return text.includes('.') ? text : `${text}.0`;
  }
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const exp = Math.abs(x).toExponential(); // shortest round-trip digits, e.g. "1.2345e+2"
  const ePos = exp.indexOf('e');
  const digits = exp.slice(0, ePos).replace('.', '');
  const e = Number(exp.slice(ePos + 1));
  if (e < -4 || e >= 16) {
    const mantissa = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
    const absE = Math.abs(e);
    return `${sign}${mantissa}e${e < 0 ? '-' : '+'}${absE < 10 ? `0${absE}` : absE}`;
  }
  if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
  if (digits.length <= e + 1) return `${sign}${digits}${'0'.repeat(e + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`;
}

/** A JavaScript number as Python would have written it: integers as ints, everything else as float repr. */
export function pythonNumber(x: number): string {
  // Below 1e21 an integer-valued number prints its digits (as a Python int would); beyond, a float is likelier.
  if (Number.isInteger(x) && Math.abs(x) < 1e21) return x === 0 ? '0' : String(x);
  return pythonFloatRepr(x);
}

const NEEDS_ESCAPE = /[^\x20-\x21\x23-\x5b\x5d-\x7e]/;
const SHORT_ESCAPES: Record<number, string> = {
  34: '\\"',
  92: '\\\\',
  10: '\\n',
  13: '\\r',
  9: '\\t',
  8: '\\b',
  12: '\\f',
};

/** A JSON string literal with Python's ensure_ascii escaping. */
export function pyJsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue;
    if (i > start) out += s.slice(start, i);
    out += SHORT_ESCAPES[c] ?? `\\u${c.toString(16).padStart(4, '0')}`;
    start = i + 1;
  }
  if (start < s.length) out += s.slice(start);
  return `${out}"`;
}

/** A dict key as Python converts it: str as is, int/float via repr, bool/None as JSON words. */
function encodeKey(key: unknown): string {
  if (typeof key === 'string') return pyJsonString(key);
  if (typeof key === 'number') return `"${pythonNumber(key)}"`;
  if (key instanceof PyFloat) return `"${pythonFloatRepr(key.value)}"`;
  if (typeof key === 'boolean') return key ? '"true"' : '"false"';
  if (key === null || key === undefined) return '"null"';
  return pyJsonString(String(key));
}

/** Returns undefined for values JSON.stringify would skip (undefined, functions, symbols). */
function encode(value: unknown, indent0: boolean, seen: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
      return pyJsonString(value);
    case 'number':
      return pythonNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return 'null';
  const obj = value as object;
  if (obj instanceof PyFloat) return pythonFloatRepr(obj.value);
  if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') {
    return encode((obj as { toJSON: () => unknown }).toJSON(), indent0, seen);
  }
  if (seen.has(obj)) throw new TypeError('Circular reference detected');
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return encodeList(obj, indent0, seen);
    if (obj instanceof Set) return encodeList([...obj], indent0, seen);
    if (ArrayBuffer.isView(obj) && !(obj instanceof DataView)) {
      return encodeList(Array.from(obj as unknown as ArrayLike<number>), indent0, seen);
    }
    if (obj instanceof Map) return encodeDict(obj.entries(), indent0, seen);
    return encodeDict(Object.entries(obj), indent0, seen);
  } finally {
    seen.delete(obj);
  }
}

function encodeList(items: readonly unknown[], indent0: boolean, seen: Set<object>): string {
  if (items.length === 0) return '[]';
  if (allSmallIntegers(items)) return indent0 ? `[\n${items.join(',\n')}\n]` : `[${items.join(', ')}]`;
  const sep = indent0 ? ',\n' : ', ';
  let out = indent0 ? '[\n' : '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += sep;
    out += encode(items[i], indent0, seen) ?? 'null';
  }
  return out + (indent0 ? '\n]' : ']');
}

/** Integers that print as their digits (what a shape is): Array.join writes them as Python would. */
function allSmallIntegers(items: readonly unknown[]): boolean {
  for (let i = 0; i < items.length; i++) {
    const v = items[i];
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) return false;
  }
  return true;
}

function encodeDict(entries: Iterable<[unknown, unknown]>, indent0: boolean, seen: Set<object>): string {
  const sep = indent0 ? ',\n' : ', ';
  let out = '';
  let first = true;
  for (const [key, v] of entries) {
    const encoded = encode(v, indent0, seen);
    if (encoded === undefined) continue;
    if (!first) out += sep;
    first = false;
    out += `${encodeKey(key)}: ${encoded}`;
  }
  if (first) return '{}';
  return indent0 ? `{\n${out}\n}` : `{${out}}`;
}
