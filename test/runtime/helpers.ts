import { expect } from 'vitest';
import { CompilogError } from '../../src/logging/index.js';
import type { Tensor } from '../../src/runtime/index.js';

type Nested = number | Nested[];

/** Asserts shape and values (within a float32-sized tolerance). */
export function expectTensor(t: Tensor, expected: Nested, shape?: readonly number[], tol = 1e-5): void {
  const flat = (v: Nested): number[] => (typeof v === 'number' ? [v] : v.flatMap(flat));
  const inferShape = (v: Nested): number[] => (typeof v === 'number' ? [] : [v.length, ...inferShape(v[0])]);
  expect([...t.shape]).toEqual(shape ?? inferShape(expected));
  const got = Array.from(t.toArray());
  const want = flat(expected);
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => {
    if (Number.isNaN(w)) expect(got[i]).toBeNaN();
    else if (!Number.isFinite(w)) expect(got[i]).toBe(w);
    else
      expect(Math.abs(got[i] - w), `element ${i}: got ${got[i]}, want ${w}`).toBeLessThanOrEqual(
        tol * Math.max(1, Math.abs(w)),
      );
  });
}

/** Asserts fn throws a CompilogError with this code; returns it for message checks. */
export function expectCode(fn: () => unknown, code: string): CompilogError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CompilogError);
    expect((err as CompilogError).code).toBe(code);
    return err as CompilogError;
  }
  throw new Error(`expected a CompilogError ${code}, but nothing was thrown`);
}

export function maxAbsDiff(a: Tensor, b: Tensor): number {
  expect([...a.shape]).toEqual([...b.shape]);
  const x = a.toArray();
  const y = b.toArray();
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    // equal values (including equal infinities) and NaN against NaN count as no difference
    const d = x[i] === y[i] || (Number.isNaN(x[i]) && Number.isNaN(y[i])) ? 0 : Math.abs(x[i] - y[i]);
    m = Math.max(m, Number.isNaN(d) ? Number.POSITIVE_INFINITY : d);
  }
  return m;
}
