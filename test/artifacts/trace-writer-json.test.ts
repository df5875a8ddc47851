/**
 * The Python-compatible JSON serializer and the payload rules, byte for byte: expectations written by CPython 3.12's
 * json.dumps, and every JSON payload and envelope of the real PyTorch 2.11 traces in ../shared re-serialized.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodePayload, md5Hex, pyFloat, pyJsonDumps, pythonFloatRepr } from '../../src/artifacts/index.js';
import { parsePythonJson } from './trace-writer-support.js';

const FIXTURES = resolve(process.cwd(), '../shared/fixtures/pytorch-2.11');

describe('pyJsonDumps (compact, as json.dumps defaults)', () => {
  it('uses ", " and ": " separators and insertion order', () => {
    expect(pyJsonDumps({ a: 1, b: [1, 2] })).toBe('{"a": 1, "b": [1, 2]}');
    expect(pyJsonDumps({ z: 1, a: { y: 2, b: 3 } })).toBe('{"z": 1, "a": {"y": 2, "b": 3}}');
    expect(pyJsonDumps(['hello', 5])).toBe('["hello", 5]');
    expect(pyJsonDumps({})).toBe('{}');
    expect(pyJsonDumps([])).toBe('[]');
  });

  it('escapes like ensure_ascii: \\uXXXX lowercase, surrogate pairs for astral, DEL and controls', () => {
    expect(pyJsonDumps({ x: 'é' })).toBe('{"x": "\\u00e9"}');
    const python =
      '{"a": {}, "b": [], "c": [[]], "d": [{}], "e": "\\u00e9\\ud83d\\ude00\\u007f\\u0001\\u2028", "f": NaN, "g": -Infinity}';
    expect(
      pyJsonDumps({ a: {}, b: [], c: [[]], d: [{}], e: 'é😀\x7f\x01\u2028', f: Number.NaN, g: -Infinity }),
    ).toBe(python);
    expect(pyJsonDumps('"\\/\n\r\t\b\f')).toBe('"\\"\\\\/\\n\\r\\t\\b\\f"');
  });

  it('writes NaN and Infinity bare, as Python does', () => {
    expect(pyJsonDumps([Number.NaN, Infinity, -Infinity])).toBe('[NaN, Infinity, -Infinity]');
  });

  it('writes floats with Python repr and integers as ints', () => {
    const cases: Array<[number, string]> = [
      [0.1, '0.1'],
      [1e-5, '1e-05'],
      [0.0001, '0.0001'],
      [1.5e-7, '1.5e-07'],
      [123456789.123, '123456789.123'],
      [1234567890123456.8, '1234567890123456.8'],
      [2.5, '2.5'],
      [5e-324, '5e-324'],
      [1795697754239209.5, '1795697754239209.5'],
      [3.14159e-10, '3.14159e-10'],
    ];
    for (const [x, py] of cases) {
      expect(pythonFloatRepr(x)).toBe(py);
      expect(pyJsonDumps(x)).toBe(py);
    }
    expect(pythonFloatRepr(1.7976931348623157e308)).toBe('1.7976931348623157e+308');
    // Integer-valued numbers print as ints below 1e21 (JSON.stringify's limit too), as floats beyond.
    expect(pyJsonDumps([100, -0, 2 ** 53, 1e20, 1e21])).toBe(
      '[100, 0, 9007199254740992, 100000000000000000000, 1e+21]',
    );
  });

  it('writes pyFloat values as Python floats (1.0, 1e+16, -0.0)', () => {
    const cases: Array<[number, string]> = [
      [100, '100.0'],
      [0, '0.0'],
      [-0, '-0.0'],
      [1e15, '1000000000000000.0'],
      [1e16, '1e+16'],
      [12345678901234568, '1.2345678901234568e+16'],
      [1e22, '1e+22'],
      [1795697754247621, '1795697754247621.0'],
    ];
    for (const [x, py] of cases) expect(pyJsonDumps(pyFloat(x))).toBe(py);
  });

  it('converts Sets and typed arrays to lists and keeps Map key order (int keys as strings)', () => {
    expect(pyJsonDumps({ k: new Set([1, 2]) })).toBe('{"k": [1, 2]}');
    expect(pyJsonDumps(new Float64Array([0.5, 2]))).toBe('[0.5, 2]');
    expect(
      pyJsonDumps(
        new Map<unknown, unknown>([
          ['b', 1],
          [2, 'x'],
          [true, null],
        ]),
      ),
    ).toBe('{"b": 1, "2": "x", "true": null}');
  });

  it('skips undefined members of objects and writes undefined list items as null', () => {
    expect(pyJsonDumps({ a: undefined, b: 1 })).toBe('{"b": 1}');
    expect(pyJsonDumps([undefined, () => 1])).toBe('[null, null]');
  });

  it('throws on cycles (the writer catches it and drops the record)', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => pyJsonDumps(a)).toThrow(/Circular/);
  });

  it('agrees with JSON.parse on arbitrary JSON values (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = pyJsonDumps(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(text).toMatch(/^[\x20-\x7e]*$/); // ensure_ascii: never a raw non-ASCII or control character
        const indented = pyJsonDumps(value, { indent: 0 });
        expect(JSON.parse(indented)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(indented.split('\n').every((line) => !line.startsWith(' '))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('pyJsonDumps indent=0 and payload rules', () => {
  it('matches json.dumps(indent=0) on nested and empty containers, unicode and NaN', () => {
    const python = [
      '{',
      '"a": {},',
      '"b": [],',
      '"c": [',
      '[]',
      '],',
      '"d": [',
      '{}',
      '],',
      '"e": "\\u00e9\\ud83d\\ude00\\u007f\\u0001\\u2028",',
      '"f": NaN,',
      '"g": -Infinity',
      '}',
    ].join('\n');
    expect(
      pyJsonDumps(
        { a: {}, b: [], c: [[]], d: [{}], e: 'é😀\x7f\x01\u2028', f: Number.NaN, g: -Infinity },
        { indent: 0 },
      ),
    ).toBe(python);
  });

  it('encodes the spec example dict payload exactly (md5 as in the real trace)', () => {
    const text = encodePayload({ k: new Set([1, 2]), n: null, s: 'v' });
    expect(text).toBe('{\n"k": [\n1,\n2\n],\n"n": null,\n"s": "v"\n}');
    expect(md5Hex(text!)).toBe('51a73435e0969444c5f902cfb9020ad6');
  });

  it('encodes a list payload one compact item per line', () => {
    const text = encodePayload([{ a: 1 }, [2, 3], 's']);
    expect(text).toBe('[\n{"a": 1},\n[2, 3],\n"s"\n]');
    expect(md5Hex(text!)).toBe('22e09f157263b0ad17fce8826f1dd85c');
    expect(encodePayload([])).toBe('[\n\n]');
  });

  it('payloadEncoding: json gives a tuple/set layout to arrays, list gives the list layout to iterables', () => {
    expect(encodePayload([1, 'a'], 'json')).toBe('[\n1,\n"a"\n]');
    expect(encodePayload(new Set([{ a: 1 }, 2]), 'list')).toBe('[\n{"a": 1},\n2\n]');
    expect(encodePayload(new Set([1, 2]))).toBe('[\n1,\n2\n]'); // a set is not a list: indent=0
    expect(encodePayload(42, 'string')).toBe('42');
    expect(encodePayload('as is', 'json')).toBe('as is');
  });

  it('keeps strings as they are, and null/undefined mean no payload', () => {
    expect(encodePayload('line1\nline2\n')).toBe('line1\nline2\n');
    expect(encodePayload('')).toBe('');
    expect(md5Hex('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(encodePayload(null)).toBeUndefined();
    expect(encodePayload(undefined)).toBeUndefined();
  });
});

function fixtureTraces(): string[] {
  const dir = join(FIXTURES, 'traces');
  return readdirSync(dir).flatMap((run) =>
    readdirSync(join(dir, run))
      .filter((f) => f.endsWith('.log'))
      .map((f) => join(dir, run, f)),
  );
}

describe('re-serializing the real PyTorch 2.11 traces', () => {
  it('reproduces every envelope and every JSON payload byte for byte', () => {
    let envelopes = 0;
    let jsonPayloads = 0;
    let payloads = 0;
    const mismatches: string[] = [];
    for (const file of fixtureTraces()) {
      const lines = readFileSync(file, 'utf8').split('\n');
      for (let n = 0; n < lines.length; n++) {
        const line = lines[n];
        if (line === '' || line.startsWith('\t')) continue;
        const envelopeText = line.slice(line.indexOf('] ') + 2);
        const envelope = parsePythonJson(envelopeText) as Map<string, unknown>;
        envelopes++;
        if (pyJsonDumps(envelope) !== envelopeText) mismatches.push(`${file}:${n + 1} envelope`);
        const md5 = envelope.get('has_payload');
        if (typeof md5 !== 'string') continue;
        const body: string[] = [];
        while (n + 1 < lines.length && lines[n + 1].startsWith('\t')) body.push(lines[++n].slice(1));
        const payload = body.join('\n');
        payloads++;
        if (md5Hex(payload) !== md5) mismatches.push(`${file}:${n + 1} md5`);
        if (!/^[[{]/.test(payload)) continue;
        let parsed: unknown;
        try {
          parsed = parsePythonJson(payload);
        } catch {
          continue; // text that merely starts with a bracket
        }
        jsonPayloads++;
        const ours = [encodePayload(parsed), pyJsonDumps(parsed, { indent: 0 }), pyJsonDumps(parsed)];
        if (!ours.includes(payload)) mismatches.push(`${file}:${n + 1} payload`);
      }
    }
    expect(mismatches).toEqual([]);
    console.log(`re-serialized ${envelopes} envelopes, ${payloads} payloads (${jsonPayloads} JSON)`);
    expect(envelopes).toBeGreaterThan(1600);
    expect(payloads).toBeGreaterThan(1400);
    expect(jsonPayloads).toBeGreaterThan(1300);
  });
});
