/**
 * The encoder's fast paths (fixed-notation floats through String(x), integer lists through join) must write what
 * the general rules write: Python's float repr from the shortest round-trip digits, ints as their digits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pyJsonDumps, pythonFloatRepr } from '../../src/artifacts/index.js';

/** Python's repr(float) spelled out from toExponential's shortest digits (the rule without fast paths). */
function reprByRule(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const exp = Math.abs(x).toExponential();
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

describe('py-json fast paths', () => {
  it('pythonFloatRepr equals the digit rule for any double (property)', () => {
    fc.assert(
      fc.property(fc.double(), (x) => {
        expect(pythonFloatRepr(x)).toBe(reprByRule(x));
      }),
      { numRuns: 5000 },
    );
  });

  it('pythonFloatRepr equals the digit rule around the fixed-notation bounds and for timestamps', () => {
    const edges = [1e-4, 1e-4 * (1 - 2 ** -52), 1e16, 1e16 * (1 - 2 ** -53), 9999999999999998, 123, 0.1];
    for (const x of edges) {
      expect(pythonFloatRepr(x)).toBe(reprByRule(x));
      expect(pythonFloatRepr(-x)).toBe(reprByRule(-x));
    }
    fc.assert(
      fc.property(fc.double({ min: 1.7e15, max: 1.9e15, noNaN: true }), (ts) => {
        expect(pythonFloatRepr(ts)).toBe(reprByRule(ts));
      }),
      { numRuns: 2000 },
    );
  });

  it('integer lists are written as the general encoder writes each item', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constant(-0))), (xs) => {
        const byItem = (sep: string) => xs.map((x) => pyJsonDumps(x)).join(sep);
        expect(pyJsonDumps(xs)).toBe(xs.length === 0 ? '[]' : `[${byItem(', ')}]`);
        expect(pyJsonDumps(xs, { indent: 0 })).toBe(xs.length === 0 ? '[]' : `[\n${byItem(',\n')}\n]`);
      }),
    );
    expect(pyJsonDumps({ sizes: { l_x_: [1, 128, 256], mm: [128, 256] } })).toBe(
      '{"sizes": {"l_x_": [1, 128, 256], "mm": [128, 256]}}',
    );
  });
});
