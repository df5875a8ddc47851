/**
 * Fusion decisions on known programs (kernel counts and kinds, recorded reasons, memory plan), and
 * random pointwise chains and reduction patterns: one kernel each, equal to eager.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planGraph, randn, type Tensor, traceGraph } from '../../src/runtime/index.js';
import { compiledMatchesEager, type Fn } from './backend-helpers.js';

function plan(fn: Fn, inputs: readonly Tensor[], fuse = true) {
  return planGraph(traceGraph(fn as never, inputs, { sourceLocations: false }), { fuse });
}
const kinds = (p: ReturnType<typeof plan>) => p.schedule.kernels.map((k) => k.kind);

describe('fusion on known programs', () => {
  const x = randn([8, 32], { seed: 1 });
  const w = randn([8, 32], { seed: 2 });

  it('a 6-op elementwise chain is one kernel (and six without fusion)', () => {
    const chain: Fn = (a, b) => a.add(b).mul(1.5).relu().sub(b).mul(a).maximum(0.25);
    expect(kinds(plan(chain, [x, w]))).toEqual(['pointwise']);
    expect(plan(chain, [x, w], false).schedule.kernels).toHaveLength(6);
    expect(compiledMatchesEager(chain, [x, w]).kernelCount).toBe(1);
  });

  it('softmax is one reduction kernel: max pass, exp+sum pass, divide pass', () => {
    const p = plan((a) => a.softmax(-1), [x]);
    expect(kinds(p)).toEqual(['reduction']);
    expect(p.fusion.decisions).toContain(
      "fused buf4 (div) into reduction kernel of buf0: pointwise over the reduction's full space [8, 32]",
    );
    // Only the result is stored; max, exp and sum live in registers and a scratch row.
    expect([...p.schedule.realized].map((b) => b.node.op)).toEqual(['div']);
  });

  it('layer_norm (mean, variance, normalise, affine) is one kernel', () => {
    const g = randn([32], { seed: 3 });
    const b = randn([32], { seed: 4 });
    const p = plan((a) => a.layerNorm([32], g, b), [x]);
    expect(kinds(p)).toEqual(['reduction']);
    expect(p.fusion.decisions.some((d) => d.includes('per-row epilogue over the reduced space [8, 1]'))).toBe(
      true,
    );
  });

  it('linear + gelu is one matmul kernel with the bias and gelu as its epilogue', () => {
    const weight = randn([16, 32], { seed: 5 });
    const bias = randn([16], { seed: 6 });
    const p = plan((a) => a.linear(weight, bias).gelu(), [x]);
    expect(kinds(p)).toEqual(['matmul']);
    expect(p.schedule.kernels[0].bufs.map((b) => b.node.op)).toEqual(['matmul', 'add', 'gelu']);
    expect(p.fusion.decisions[0]).toBe(
      'fused buf1 (add) into matmul kernel of buf0: epilogue over the matmul output [8, 16]',
    );
  });

  it('a reduction after a matmul is refused with its reason', () => {
    const weight = randn([16, 32], { seed: 5 });
    const p = plan((a) => a.matmul(weight.transpose(0, 1)).softmax(-1), [x]);
    expect(kinds(p)).toEqual(['matmul', 'reduction']);
    expect(p.fusion.decisions).toContain(
      'cannot fuse buf1 (amax) into matmul kernel of buf0: a reduction does not fuse into a matmul epilogue (it would need a whole output row per reduction)',
    );
  });

  it('refuses a consumer over a different space and says why', () => {
    const y = randn([4, 8], { seed: 7 });
    const p = plan((a, b) => a.sum(-1).add(b), [x, y]);
    expect(kinds(p)).toEqual(['reduction', 'pointwise']);
    expect(p.fusion.decisions).toEqual([
      "cannot fuse buf1 (add) into reduction kernel of buf0: shapes [4, 8] vs [8, 32] differ: buf1 is not over the kernel's iteration space or its reduced space [8, 1]",
    ]);
  });

  it('refuses to read a buffer of the same kernel through a view, and to create a cycle', () => {
    const sq = randn([8, 8], { seed: 8 });
    const viewed = plan(
      (a) => {
        const e = a.exp();
        return e.add(e.transpose(0, 1));
      },
      [sq],
    );
    expect(kinds(viewed)).toEqual(['pointwise', 'pointwise']);
    expect(viewed.fusion.decisions).toEqual([
      'cannot fuse buf1 (add) into pointwise kernel of buf0: it reads buf0 through a view (transpose), which needs buf0 stored before the kernel starts',
    ]);
    const wm = randn([8, 8], { seed: 9 });
    const cyclic = plan(
      (a) => {
        const e = a.exp();
        return e.add(e.matmul(wm).transpose(0, 1));
      },
      [sq],
    );
    expect(kinds(cyclic)).toEqual(['pointwise', 'matmul', 'pointwise']);
    expect(cyclic.fusion.decisions).toEqual([
      "cannot fuse buf2 (add) into pointwise kernel of buf0: buf1's kernel depends on this kernel (fusing would create a cycle)",
    ]);
    compiledMatchesEager(
      (a) => {
        const e = a.exp();
        return e.add(e.matmul(wm).transpose(0, 1));
      },
      [sq],
      { tol: 1e-4 },
    );
  });

  it('views feeding pointwise ops become strided reads, not copy kernels', () => {
    const p = plan((a) => a.transpose(0, 1).exp().add(1), [x]);
    expect(kinds(p)).toEqual(['pointwise']);
    expect(p.buffers.bufs.map((b) => b.node.op)).toEqual(['exp', 'add']);
  });

  it('independent loops over the same space merge (horizontal fusion)', () => {
    const p = plan((a, b) => [a.exp(), b.sin()], [x, w]);
    expect(kinds(p)).toEqual(['pointwise']);
    expect(p.fusion.decisions.some((d) => d.startsWith('horizontal: merged'))).toBe(true);
  });

  it('the memory plan reuses slots whose last reader has run', () => {
    const ws = [0, 1, 2, 3].map((i) => randn([32, 32], { seed: 10 + i }));
    const mlp: Fn = (a) => ws.reduce((h, m) => h.matmul(m).relu(), a);
    const p = plan(mlp, [x]);
    expect(p.schedule.kernels).toHaveLength(4);
    expect(p.schedule.slotOf.size).toBe(3);
    expect(p.schedule.slots.length).toBeLessThan(3);
    expect(p.schedule.notes.some((n) => /buf\d+ reuses slot \d+/.test(n))).toBe(true);
    compiledMatchesEager(mlp, [x], { tol: 1e-4 });
  });
});

describe('fusion patterns on random programs', () => {
  const UNARY = ['exp', 'sin', 'cos', 'tanh', 'relu', 'sigmoid', 'abs', 'neg', 'erf'] as const;
  const step = fc.oneof(
    fc.constantFrom(...UNARY).map((op) => (t: Tensor, _o: Tensor) => t[op]()),
    fc.double({ min: -2, max: 2, noNaN: true }).map((s) => (t: Tensor, _o: Tensor) => t.mul(s).add(0.5)),
    fc.constant((t: Tensor, o: Tensor) => t.add(o)),
    fc.constant((t: Tensor, o: Tensor) => t.mul(o).maximum(t)),
  );
  it('any pointwise chain over one shape is one kernel and equals eager', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
        fc.array(step, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 1000 }),
        (shape, steps, seed) => {
          const fn: Fn = (a, b) => steps.reduce((t, s) => s(t, b), a);
          const inputs = [randn(shape, { seed }), randn(shape, { seed: seed + 1 })];
          expect(compiledMatchesEager(fn, inputs, { tol: 1e-4 }).kernelCount).toBe(1);
        },
      ),
      { numRuns: 40 },
    );
  });
  it('prologue -> reduction -> epilogue -> broadcast back is one kernel and equals eager', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 3 }),
        fc.constantFrom('sum', 'amax', 'mean'),
        fc.integer({ min: 0, max: 1000 }),
        (shape, red, seed) => {
          const fn: Fn = (a) => {
            const pre = a.mul(2).exp();
            const r = pre[red as 'sum'](-1, true).add(1).sqrt();
            return pre.div(r).sub(a);
          };
          expect(compiledMatchesEager(fn, [randn(shape, { seed })], { tol: 1e-4 }).kernelCount).toBe(1);
        },
      ),
      { numRuns: 40 },
    );
  });
});
