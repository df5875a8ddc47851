// tlparse's JSON (serde_json: keys sorted at every level) from our three helpers, against a plain reference.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactSorted, prettyJsonPayload, prettySorted, sortKeys } from '../../src/report/json-format.js';

/** The reference: a fresh object per level, keys in sorted order. */
function reference(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(reference);
  const o = v as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, reference(o[k])]),
  );
}

// JSON values, plus PyTorch stack frames ({line, name, filename, loc} in that order), which take a fast path
const frame = fc.record({
  line: fc.oneof(fc.integer(), fc.constant(null), fc.string()),
  name: fc.oneof(fc.string(), fc.constant(null), fc.dictionary(fc.string(), fc.integer())),
  filename: fc.oneof(fc.integer(), fc.string()),
  loc: fc.oneof(fc.string(), fc.constant(null), fc.array(fc.integer())),
});
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 2 }),
    frame,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('v'), { maxKeys: 5 }),
  ),
})).v;

describe('sorted JSON', () => {
  it('compactSorted and prettySorted equal JSON.stringify of a key-sorted copy (property)', () => {
    fc.assert(
      fc.property(value, (v) => {
        const want = reference(structuredClone(v));
        expect(compactSorted(structuredClone(v))).toBe(JSON.stringify(want));
        expect(prettySorted(structuredClone(v))).toBe(JSON.stringify(want, null, 2));
      }),
      { numRuns: 500 },
    );
  });

  it('orders a stack frame as serde does, and keeps its values', () => {
    const f = { line: 3, name: 'f', filename: 7, loc: 'x = 1' };
    expect(JSON.stringify(sortKeys(f))).toBe('{"filename":7,"line":3,"loc":"x = 1","name":"f"}');
    const nested = { line: 3, name: { b: 1, a: 2 }, filename: 7, loc: null };
    expect(JSON.stringify(sortKeys(nested))).toBe('{"filename":7,"line":3,"loc":null,"name":{"a":2,"b":1}}');
  });

  it('keeps a __proto__ key of parsed JSON as a key', () => {
    expect(compactSorted(JSON.parse('{"z": 1, "__proto__": {"b": 2, "a": 1}}'))).toBe(
      '{"__proto__":{"a":1,"b":2},"z":1}',
    );
  });

  it('pretty-prints JSON payloads and keeps anything else as it is', () => {
    expect(prettyJsonPayload('{"b": 1, "a": [2]}')).toBe('{\n  "a": [\n    2\n  ],\n  "b": 1\n}');
    expect(prettyJsonPayload('not json {')).toBe('not json {');
  });
});
