/**
 * relu and maximum run as branchless arithmetic in generated loops (expressions.ts fastForm), which gives
 * NaN for infinite operands; the kernel's check sum then sends the launch to its safe copy. These tests feed
 * infinities, NaN and signed zeros through both modes and compare with eager element for element.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGraph, type Tensor, tensor, traceGraph } from '../../src/runtime/index.js';
import { compiledMatchesEager } from './backend-helpers.js';

const SPECIAL = [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NaN, -0, 0];
const specialsAnd = (values: readonly number[]) =>
  tensor([...SPECIAL, ...values], [SPECIAL.length + values.length]);

type Fn = (a: Tensor, b: Tensor) => Tensor;
const CASES: Record<string, Fn> = {
  relu: (a) => a.relu(),
  'maximum with a literal >= 0 (s + relu(x - s))': (a) => a.maximum(0.25),
  'maximum with 0': (a) => a.maximum(0),
  'maximum with a negative literal (select)': (a) => a.maximum(-1.5),
  'maximum of two tensors (select)': (a, b) => a.maximum(b),
  'the bench chain': (a, b) => a.add(b).mul(1.5).relu().sub(b).mul(a).maximum(0.25),
  'relu feeding a reduction kernel (softmax)': (a, b) => a.relu().maximum(b).softmax(-1),
  'relu feeding a sum': (a, b) => a.relu().add(b).sum(-1, true),
};

describe('fast relu/maximum forms fall back to the exact forms on infinite operands', () => {
  const a = specialsAnd([3, -2.5, 0.25, 1e-30, -1e30, 7, -0.125, 0.5, 1e30, -3]);
  const b = specialsAnd([-1, 0.25, 4, -1e-20, 2, -0, Number.NEGATIVE_INFINITY, 0.75, -6, 1]);
  for (const [name, fn] of Object.entries(CASES)) {
    it(`${name}: exact mode bit for bit, default mode within float32 rounding`, () => {
      compiledMatchesEager(fn, [a, b], { exact: true, tol: 0 });
      compiledMatchesEager(fn, [a, b], { tol: 1e-6 });
      // the same values the other way round (infinities reach the other operand)
      compiledMatchesEager(fn, [b, a], { exact: true, tol: 0 });
      compiledMatchesEager(fn, [b, a], { tol: 1e-6 });
    });
  }

  it('the fast body calls no helper; the safe copy uses the exact helper forms', () => {
    const graph = traceGraph(CASES['the bench chain'] as never, [a, a], { sourceLocations: false });
    const source = compileGraph(graph, { cache: false }).spec.source;
    const fastBody = /function \w+_fast\([^)]*\) \{[\s\S]*?\n {2}\}/.exec(source)?.[0];
    const safeBody = /function \w+_safe\([^)]*\) \{[\s\S]*?\n {2}\}/.exec(source)?.[0];
    expect(fastBody).toBeDefined();
    expect(fastBody).not.toMatch(/H\.|Math\.max|\?/);
    expect(fastBody).toContain('return chk === chk;');
    expect(safeBody).toContain('H.relu(');
    expect(safeBody).toContain('H.maximum(');
    // finite inputs never reach the safe copy's helpers... and infinite ones give eager's answer (above)
  });

  it('exact mode: random programs over values that include infinities, NaN and zeros are bit-exact', () => {
    const value = fc.oneof(
      fc.constantFrom(...SPECIAL),
      fc.float({ min: -1e4, max: 1e4, noNaN: true, noDefaultInfinity: true }),
    );
    const STEPS: ((x: Tensor, o: Tensor) => Tensor)[] = [
      (x) => x.relu(),
      (x) => x.maximum(0.25),
      (x) => x.maximum(0),
      (x) => x.maximum(-2),
      (x, o) => x.maximum(o),
      (x, o) => o.maximum(x),
      (x, o) => x.add(o),
      (x) => x.mul(1.5),
      (x, o) => x.sub(o),
      (x) => x.neg(),
      (x) => x.sum(-1, true),
      (x) => x.amax(-1, true),
    ];
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 12, maxLength: 12 }),
        fc.array(value, { minLength: 12, maxLength: 12 }),
        fc.array(fc.nat(STEPS.length - 1), { minLength: 1, maxLength: 6 }),
        (xs, os, steps) => {
          const x = tensor(xs, [3, 4]);
          const o = tensor(os, [3, 4]);
          const program = (p: Tensor, q: Tensor) => steps.reduce((acc, s) => STEPS[s](acc, q), p);
          compiledMatchesEager(program, [x, o], { exact: true, tol: 0 });
        },
      ),
      { numRuns: 150 },
    );
  });
});
