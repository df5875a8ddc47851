/** JSON the way tlparse's serde_json writes it: object keys sorted, `to_string_pretty` = 2-space indent. */

export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort()) out[k] = sortKeys(o[k]);
    return out;
  }
  return v;
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
