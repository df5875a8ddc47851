/** JSON the way tlparse's serde_json writes it: object keys sorted, `to_string_pretty` = 2-space indent. */

/**
 * Sorts object keys at every level. Works in place where it can (callers pass freshly parsed JSON) and
 * only rebuilds objects whose keys are out of order.
 */
export function sortKeys(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x === 'object' && x !== null) v[i] = sortKeys(x);
    }
    return v;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  let sorted = true;
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1] > keys[i]) {
      sorted = false;
      break;
    }
  }
  if (sorted) {
    for (const k of keys) {
      const x = o[k];
      if (typeof x === 'object' && x !== null) o[k] = sortKeys(x);
    }
    return o;
  }
  // PyTorch's stack frames, {line, name, filename, loc} with plain values, come by the thousand: one literal
  if (
    keys.length === 4 &&
    keys[0] === 'line' &&
    keys[1] === 'name' &&
    keys[2] === 'filename' &&
    keys[3] === 'loc'
  ) {
    const { line, name, filename, loc } = o;
    const plain = (x: unknown) => typeof x !== 'object' || x === null;
    if (plain(line) && plain(name) && plain(filename) && plain(loc)) return { filename, line, loc, name };
  }
  const out: Record<string, unknown> = {};
  for (const k of keys.sort()) {
    // a `__proto__` key from JSON.parse is an own property: assigning it would set the prototype instead
    if (k === '__proto__')
      Object.defineProperty(out, k, {
        value: sortKeys(o[k]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[k] = sortKeys(o[k]);
  }
  return out;
}

export function compactSorted(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

export function prettySorted(v: unknown): string {
  return JSON.stringify(sortKeys(v), null, 2);
}

/** The payload pretty-printed if it is JSON, else unchanged (tlparse ≥0.4.3 keeps invalid JSON raw). */
export function prettyJsonPayload(text: string): string {
  try {
    return prettySorted(JSON.parse(text));
  } catch {
    return text;
  }
}
