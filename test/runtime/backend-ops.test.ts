/**
 * Every op, compiled (lowered, fused, generated JS) against eager execution on random inputs, with
 * fast-check choosing shapes, broadcasts, dims, permutations and slices.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cat, compileGraph, randn, type Tensor, tensor, traceGraph, where } from '../../src/runtime/index.js';
import { compiledMatchesEager } from './backend-helpers.js';

const RUNS = { numRuns: 25 };
const dim = fc.integer({ min: 1, max: 5 });
const shapeArb = fc.array(dim, { minLength: 1, maxLength: 3 });
const seedArb = fc.integer({ min: 0, max: 1_000_000 });

/** A shape and another that broadcasts against it (dims set to 1, leading dims dropped). */
const broadcastPair = fc
  .tuple(shapeArb, fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.integer({ min: 0, max: 2 }))
  .map(([shape, ones, drop]) => {
    const other = shape.map((d, i) => (ones[i] ? 1 : d)).slice(Math.min(drop, shape.length - 1));
    return [shape, other] as const;
  });

const UNARY: Record<string, (x: Tensor) => Tensor> = {
  neg: (x) => x.neg(),
  exp: (x) => x.exp(),
  log: (x) => x.abs().add(0.1).log(),
  sin: (x) => x.sin(),
  cos: (x) => x.cos(),
  tanh: (x) => x.tanh(),
  relu: (x) => x.relu(),
  sigmoid: (x) => x.sigmoid(),
  sqrt: (x) => x.abs().sqrt(),
  abs: (x) => x.abs(),
  erf: (x) => x.erf(),
  gelu: (x) => x.gelu(),
  gelu_tanh: (x) => x.gelu('tanh'),
};

const BINARY: Record<string, (a: Tensor, b: Tensor) => Tensor> = {
  add: (a, b) => a.add(b),
  sub: (a, b) => a.sub(b),
  mul: (a, b) => a.mul(b),
  div: (a, b) => a.div(b.abs().add(0.5)),
  pow: (a, b) => a.abs().add(0.5).pow(b),
  maximum: (a, b) => a.maximum(b),
  eq: (a, b) => a.eq(b),
  ne: (a, b) => a.ne(b),
  lt: (a, b) => a.lt(b),
  le: (a, b) => a.le(b),
  gt: (a, b) => a.gt(b),
  ge: (a, b) => a.ge(b),
};

describe('compiled pointwise ops match eager', () => {
  for (const [name, op] of Object.entries(UNARY)) {
    it(`unary ${name}`, () => {
      fc.assert(
        fc.property(shapeArb, seedArb, (shape, seed) => {
          compiledMatchesEager((x) => op(x), [randn(shape, { seed })]);
        }),
        RUNS,
      );
    });
  }
  for (const [name, op] of Object.entries(BINARY)) {
    it(`binary ${name} with broadcasting`, () => {
      fc.assert(
        fc.property(broadcastPair, seedArb, fc.boolean(), ([sa, sb], seed, swap) => {
          const a = randn(sa, { seed });
          const b = randn(sb, { seed: seed + 1 });
          compiledMatchesEager((x, y) => op(x, y), swap ? [b, a] : [a, b]);
        }),
        RUNS,
      );
    });
  }
  it('scalars on either side, equal operands for comparisons', () => {
    fc.assert(
      fc.property(shapeArb, seedArb, fc.double({ min: -3, max: 3, noNaN: true }), (shape, seed, s) => {
        const x = randn(shape, { seed });
        compiledMatchesEager((a) => a.mul(s).add(1).sub(a).div(2).maximum(s), [x]);
        compiledMatchesEager((a) => [a.eq(a), a.ge(s), a.lt(s)], [x]);
      }),
      RUNS,
    );
  });
  it('relu, maximum and comparisons on infinities, NaN and signed zeros: identical to eager', () => {
    const special = [0, -0, 1, -1, Infinity, -Infinity, Number.NaN, 1e-40, -3.4e38, 4.6e-11, -0.75];
    const n = special.length;
    const a = tensor(
      special.flatMap((v) => special.map(() => v)),
      [n, n],
    );
    const b = tensor(
      special.flatMap(() => special),
      [n, n],
    );
    const fn = (p: Tensor, q: Tensor) => [
      p.relu(),
      p.maximum(q),
      p.relu().maximum(q.neg()),
      p.lt(q),
      p.ge(q),
      p.eq(q),
    ];
    const graph = traceGraph(fn as never, [a, b], { sourceLocations: false });
    const got = compileGraph(graph, { cache: false }).run([a, b]);
    fn(a, b).forEach((want, i) => {
      const g = got[i].toArray();
      want.toArray().forEach((w, j) => {
        expect(Object.is(g[j], w), `output ${i} element ${j}: ${g[j]} vs ${w}`).toBe(true);
      });
    });
  });
  it('where with broadcast condition', () => {
    fc.assert(
      fc.property(broadcastPair, seedArb, ([sa, sb], seed) => {
        const a = randn(sa, { seed });
        const c = randn(sb, { seed: seed + 7 });
        compiledMatchesEager((x, y) => where(y.gt(0), x, x.neg()), [a, c]);
      }),
      RUNS,
    );
  });
});

describe('compiled reductions match eager', () => {
  const dimsArb = shapeArb.chain((shape) =>
    fc.tuple(fc.constant(shape), fc.subarray([...shape.keys()], { minLength: 1 }), fc.boolean(), seedArb),
  );
  for (const kind of ['sum', 'amax', 'mean'] as const) {
    it(`${kind} over random dims, keepdim or not`, () => {
      fc.assert(
        fc.property(dimsArb, ([shape, dims, keepdim, seed]) => {
          compiledMatchesEager((x) => x.exp()[kind](dims, keepdim).mul(2), [randn(shape, { seed })], {
            tol: 1e-4,
          });
        }),
        RUNS,
      );
    });
  }
  it('normalising over several dims of a permuted input (unmergeable reduction loops, cached passes)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 3, maxLength: 3 }),
        fc.constantFrom([0, 2, 1], [2, 1, 0], [1, 0, 2], [0, 1, 2]),
        fc.subarray([0, 1, 2], { minLength: 1 }),
        seedArb,
        (shape, perm, dims, seed) => {
          const fn = (a: Tensor) => {
            const t = a.permute(perm);
            const e = t.sub(t.amax(dims, true)).exp();
            return e.div(e.sum(dims, true));
          };
          compiledMatchesEager(fn, [randn(shape, { seed })], { tol: 0, exact: true });
          compiledMatchesEager(fn, [randn(shape, { seed })], { tol: 1e-6 });
        },
      ),
      RUNS,
    );
  });
  it('full reductions (dim null)', () => {
    fc.assert(
      fc.property(shapeArb, seedArb, (shape, seed) => {
        compiledMatchesEager((x) => [x.sum(), x.amax(), x.mean()], [randn(shape, { seed })], { tol: 1e-4 });
      }),
      RUNS,
    );
  });
  it('softmax and log_softmax over any dim', () => {
    fc.assert(
      fc.property(shapeArb, seedArb, fc.nat(), (shape, seed, d) => {
        const dim = d % shape.length;
        compiledMatchesEager((x) => [x.softmax(dim), x.logSoftmax(dim)], [randn(shape, { seed })]);
      }),
      RUNS,
    );
  });
  it('layer_norm with and without affine parameters', () => {
    fc.assert(
      fc.property(
        fc.array(dim, { minLength: 2, maxLength: 3 }),
        seedArb,
        fc.boolean(),
        (shape, seed, affine) => {
          const last = shape.at(-1)!;
          const w = randn([last], { seed: seed + 1 });
          const b = randn([last], { seed: seed + 2 });
          compiledMatchesEager(
            (x) => (affine ? x.layerNorm([last], w, b) : x.layerNorm([last])),
            [randn(shape, { seed })],
            { tol: 1e-4 },
          );
        },
      ),
      RUNS,
    );
  });
});

describe('compiled matmul matches eager', () => {
  it('1-D, 2-D and batched with broadcast batch dims', () => {
    const arb = fc.record({
      n: dim,
      k: fc.integer({ min: 1, max: 9 }),
      m: fc.integer({ min: 1, max: 9 }),
      batchA: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
      batchOnes: fc.boolean(),
      aVec: fc.boolean(),
      bVec: fc.boolean(),
      seed: seedArb,
    });
    fc.assert(
      fc.property(arb, ({ n, k, m, batchA, batchOnes, aVec, bVec, seed }) => {
        const aShape = aVec ? [k] : [...batchA, n, k];
        const bBatch = batchOnes ? batchA.map(() => 1) : batchA;
        const bShape = bVec ? [k] : [...bBatch, k, m];
        compiledMatchesEager(
          (a, b) => a.matmul(b),
          [randn(aShape, { seed }), randn(bShape, { seed: seed + 1 })],
          {
            tol: 1e-4,
          },
        );
      }),
      RUNS,
    );
  });
  it('batched matmul with an epilogue reading broadcast tensors', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }),
        dim,
        fc.integer({ min: 1, max: 7 }),
        dim,
        fc.boolean(),
        seedArb,
        (batch, n, k, m, rowBias, seed) => {
          const a = randn([...batch, n, k], { seed });
          const b = randn([k, m], { seed: seed + 1 });
          const bias = randn(rowBias ? [n, 1] : [...batch, 1, m], { seed: seed + 2 });
          const fn = (p: Tensor, q: Tensor, r: Tensor) => p.matmul(q).add(r).tanh().mul(r);
          compiledMatchesEager(fn, [a, b, bias], { tol: 0, exact: true });
          compiledMatchesEager(fn, [a, b, bias], { tol: 1e-6 });
        },
      ),
      RUNS,
    );
  });
  it('transposed operands (read in place or packed) with a fused epilogue', () => {
    fc.assert(
      fc.property(
        dim,
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        seedArb,
        (n, k, m, seed) => {
          const x = randn([n, k], { seed });
          const w = randn([m, k], { seed: seed + 1 });
          const bias = randn([m], { seed: seed + 2 });
          compiledMatchesEager((a, b, c) => a.linear(b, c).gelu(), [x, w, bias], { tol: 1e-4 });
          const xt = randn([k, n], { seed: seed + 3 });
          const wt = randn([k, m], { seed: seed + 4 });
          compiledMatchesEager((a, b) => a.transpose(0, 1).matmul(b).relu(), [xt, wt], { tol: 1e-4 });
          compiledMatchesEager((a, b) => a.matmul(b.transpose(0, 1).contiguous().transpose(0, 1)), [x, wt], {
            tol: 1e-4,
          });
        },
      ),
      RUNS,
    );
  });
});

describe('compiled views and copies match eager', () => {
  it('permute, transpose, expand and slice feeding pointwise ops (strided reads, no copies)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 3 }),
        seedArb,
        fc.nat(),
        (shape, seed, pick) => {
          const x = randn(shape, { seed });
          const perm = [...shape.keys()].reverse();
          compiledMatchesEager((a) => a.permute(perm).exp().mul(2), [x]);
          compiledMatchesEager((a) => a.transpose(0, 1).add(1), [x]);
          const d = pick % shape.length;
          compiledMatchesEager((a) => a.slice(d, 0, null, 2).sin(), [x]);
          const row = randn([1, shape.at(-1)!], { seed: seed + 1 });
          compiledMatchesEager((r) => r.expand(3, shape.at(-1)!).mul(r), [row]);
        },
      ),
      RUNS,
    );
  });
  it('reshape that must copy, contiguous, view of a result', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), seedArb, (a, b, seed) => {
        const x = randn([a, b, 2], { seed });
        compiledMatchesEager(
          (t) =>
            t
              .transpose(0, 1)
              .reshape(b, a * 2)
              .add(1),
          [x],
        );
        compiledMatchesEager((t) => t.permute(2, 0, 1).contiguous().exp(), [x]);
        compiledMatchesEager(
          (t) =>
            t
              .add(1)
              .view(a * b, 2)
              .transpose(0, 1),
          [x],
        );
        compiledMatchesEager((t) => t.transpose(0, 1), [x]);
      }),
      RUNS,
    );
  });
  it('cat along any dim, of inputs and of computed values', () => {
    fc.assert(
      fc.property(fc.array(dim, { minLength: 1, maxLength: 3 }), seedArb, fc.nat(), (shape, seed, d) => {
        const dimIndex = d % shape.length;
        const x = randn(shape, { seed });
        const y = randn(shape, { seed: seed + 1 });
        compiledMatchesEager((a, b) => cat([a, b.exp(), a.transpose(0, 0)], dimIndex).mul(2), [x, y]);
      }),
      RUNS,
    );
  });
  it('zero-size dims: empty results, and sums over empty dims are 0', () => {
    const e = randn([0, 3], { seed: 1 });
    compiledMatchesEager((a) => [a.exp().add(1), a.sum(0), a.sum(1), a.amax(1), a.softmax(1)], [e]);
    compiledMatchesEager((a) => cat([a, a.exp()], 0).mul(2), [e]);
    const m = randn([2, 0], { seed: 2 });
    const n = randn([0, 4], { seed: 3 });
    compiledMatchesEager((a, b) => a.matmul(b).add(1), [m, n]);
  });
  it('an input with a storage offset', () => {
    const base = randn([6, 4], { seed: 3 });
    const x = base.slice(0, 2, 5);
    compiledMatchesEager((a) => a.mul(3).sum(-1), [x]);
  });
});
