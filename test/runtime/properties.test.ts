import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cat,
  compile,
  decompose,
  interpret,
  makeInductorBackend,
  randn,
  type Tensor,
  traceGraph,
} from '../../src/runtime/index.js';
import { maxAbsDiff } from './helpers.js';

const dimArb = fc.integer({ min: 1, max: 5 });
const shapeArb = fc.array(dimArb, { minLength: 0, maxLength: 4 });
const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const RUNS = { numRuns: 120 };

/** Element at a multi-index, straight from storage/strides (the definition of a strided tensor). */
function at(t: Tensor, idx: readonly number[]): number {
  let p = t.offset;
  idx.forEach((v, i) => {
    p += v * t.strides[i];
  });
  return t.storage![p];
}

function* indices(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  for (let flat = 0; flat < n; flat++) {
    const idx = new Array<number>(shape.length);
    let rest = flat;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
    }
    yield idx;
  }
}

/** A shape that broadcasts against `shape`: some dims set to 1, some leading dims dropped. */
const broadcastPartner = (shape: readonly number[]) =>
  fc
    .tuple(fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }), fc.nat(shape.length))
    .map(([ones, drop]) => shape.map((d, i) => (ones[i] ? 1 : d)).slice(drop));

describe('broadcasting', () => {
  it('a op b equals a op b.expand(out) equals the index definition', () => {
    fc.assert(
      fc.property(
        shapeArb.chain((s) => fc.tuple(fc.constant(s), broadcastPartner(s), fc.boolean())),
        seedArb,
        ([sa, sb, swap], seed) => {
          const [s1, s2] = swap ? [sb, sa] : [sa, sb];
          const a = randn(s1, { seed });
          const b = randn(s2, { seed: seed + 1 });
          const r = a.sub(b);
          expect([...r.shape]).toEqual(sa);
          expect(maxAbsDiff(r, a.expand(sa).sub(b.expand(sa)))).toBe(0);
          for (const idx of indices(sa)) {
            const ia = idx.slice(idx.length - s1.length).map((v, i) => (s1[i] === 1 ? 0 : v));
            const ib = idx.slice(idx.length - s2.length).map((v, i) => (s2[i] === 1 ? 0 : v));
            expect(at(r.contiguous(), idx)).toBe(Math.fround(at(a, ia) - at(b, ib)));
          }
        },
      ),
      RUNS,
    );
  });

  it('non-contiguous views feed ops exactly like their contiguous copies', () => {
    fc.assert(
      fc.property(
        shapeArb.filter((s) => s.length >= 2),
        seedArb,
        (shape, seed) => {
          const x = randn(shape, { seed }).transpose(0, -1);
          const y = x.slice(0, 0, null, 2);
          expect(maxAbsDiff(y.exp().mul(y), y.contiguous().exp().mul(y.contiguous()))).toBe(0);
          expect(maxAbsDiff(y.sum(-1), y.contiguous().sum(-1))).toBe(0);
        },
      ),
      RUNS,
    );
  });
});

describe('softmax and reductions', () => {
  it('softmax sums to 1 and equals exp(x - logsumexp(x)); logSoftmax = log(softmax)', () => {
    fc.assert(
      fc.property(
        shapeArb.filter((s) => s.length >= 1),
        seedArb,
        fc.nat(),
        (shape, seed, k) => {
          const dim = (k % shape.length) - shape.length; // negative dims
          const x = randn(shape, { seed }).mul(3);
          const s = x.softmax(dim);
          const sums = s.sum(dim).toArray();
          for (const v of sums) expect(Math.abs(v - 1)).toBeLessThan(1e-5);
          const m = x.amax(dim, true);
          const lse = x.sub(m).exp().sum(dim, true).log().add(m);
          expect(maxAbsDiff(s, x.sub(lse).exp())).toBeLessThan(1e-5);
          expect(maxAbsDiff(x.logSoftmax(dim), s.log())).toBeLessThan(1e-4);
        },
      ),
      RUNS,
    );
  });

  it('keepdim and non-keepdim reductions agree; mean = sum / count; amax bounds every element', () => {
    fc.assert(
      fc.property(shapeArb, seedArb, fc.nat(), (shape, seed, k) => {
        const x = randn(shape, { seed });
        const dim = shape.length === 0 ? -1 : k % shape.length;
        for (const op of ['sum', 'mean', 'amax'] as const) {
          const kept = x[op](dim, true);
          const flat = x[op](dim);
          expect(maxAbsDiff(kept.reshape(flat.shape as number[]), flat)).toBe(0);
        }
        const count = shape.length === 0 ? 1 : shape[dim];
        expect(maxAbsDiff(x.mean(dim), x.sum(dim).div(count))).toBe(0);
        expect(x.sub(x.amax(dim, true)).amax().item()).toBeLessThanOrEqual(0);
        expect(Math.abs(x.sum().item() - Array.from(x.toArray()).reduce((a, b) => a + b, 0))).toBeLessThan(
          1e-4,
        );
      }),
      RUNS,
    );
  });
});

describe('matmul', () => {
  it('equals a naive triple loop, batched with broadcast batch dims', () => {
    const arb = fc.record({
      n: dimArb,
      k: dimArb,
      m: dimArb,
      batch: fc.array(dimArb, { maxLength: 2 }),
      aOnes: fc.boolean(),
      seed: seedArb,
    });
    fc.assert(
      fc.property(arb, ({ n, k, m, batch, aOnes, seed }) => {
        const aBatch = aOnes ? batch.map(() => 1) : batch;
        const a = randn([...aBatch, n, k], { seed });
        const b = randn([...batch, k, m], { seed: seed + 7 })
          .transpose(-1, -2)
          .contiguous()
          .transpose(-1, -2);
        const r = a.matmul(b);
        expect([...r.shape]).toEqual([...batch, n, m]);
        for (const idx of indices(r.shape)) {
          const bi = idx.slice(0, -2);
          const [i, j] = idx.slice(-2);
          let s = 0;
          for (let p = 0; p < k; p++)
            s += at(a, [...bi.map((v, d) => (aBatch[d] === 1 ? 0 : v)), i, p]) * at(b, [...bi, p, j]);
          expect(Math.abs(at(r, idx) - s)).toBeLessThan(1e-5 * (1 + Math.abs(s)));
        }
      }),
      RUNS,
    );
  });
});

describe('views', () => {
  const permutation = (n: number) =>
    fc
      .array(fc.nat(), { minLength: n, maxLength: n })
      .map((keys) => [...Array(n).keys()].sort((a, b) => keys[a] - keys[b] || a - b));

  it('permute by p then by p^-1 restores shape, strides and values; transpose twice is identity', () => {
    fc.assert(
      fc.property(
        shapeArb.chain((s) => fc.tuple(fc.constant(s), permutation(s.length))),
        seedArb,
        ([shape, p], seed) => {
          const x = randn(shape, { seed });
          const inv = p.map((_, i) => p.indexOf(i));
          const y = x.permute(p).permute(inv);
          expect(y.storage).toBe(x.storage);
          expect([...y.strides]).toEqual([...x.strides]);
          expect([...x.permute(p).shape]).toEqual(p.map((d) => shape[d]));
          if (shape.length >= 2) {
            const t = x.transpose(0, -1).transpose(-1, 0);
            expect([...t.strides]).toEqual([...x.strides]);
          }
          expect(maxAbsDiff(y, x)).toBe(0);
        },
      ),
      RUNS,
    );
  });

  it('reshape of a contiguous tensor shares storage and keeps row-major order', () => {
    fc.assert(
      fc.property(shapeArb, seedArb, fc.nat(), (shape, seed, k) => {
        const x = randn(shape, { seed });
        const n = x.numel();
        const divisors = [...Array(n).keys()].map((i) => i + 1).filter((d) => n % d === 0);
        const d = divisors[k % divisors.length];
        const y = x.reshape(d, -1);
        expect(y.storage).toBe(x.storage);
        expect(Array.from(y.toArray())).toEqual(Array.from(x.toArray()));
        expect(y.view(shape).storage).toBe(x.storage);
      }),
      RUNS,
    );
  });

  it('cat then slice returns the parts, along every dim', () => {
    fc.assert(
      fc.property(
        shapeArb.filter((s) => s.length >= 1),
        fc.array(dimArb, { minLength: 1, maxLength: 3 }),
        seedArb,
        fc.nat(),
        (shape, sizes, seed, k) => {
          const dim = k % shape.length;
          const parts = sizes.map((sz, i) => {
            const s = [...shape];
            s[dim] = sz;
            const t = randn(s, { seed: seed + i });
            return i % 2 === 1 ? t.transpose(0, -1).contiguous().transpose(0, -1) : t; // mix layouts
          });
          const whole = cat(parts, dim - shape.length);
          let start = 0;
          parts.forEach((p) => {
            expect(maxAbsDiff(whole.slice(dim, start, start + p.shape[dim]), p)).toBe(0);
            start += p.shape[dim];
          });
          expect(whole.shape[dim]).toBe(start);
        },
      ),
      RUNS,
    );
  });
});

/** A small random program: a chain of ops, each valid for the running shape. */
type Step = (x: Tensor, other: Tensor) => Tensor;
const STEPS: Step[] = [
  (x) => x.exp().mul(0.5),
  (x) => x.sin().add(x.cos()),
  (x, o) => x.add(o.reshape(o.shape as number[])),
  (x) => x.relu().sub(1),
  (x) => x.tanh().maximum(x.sigmoid()),
  (x) => x.gelu(),
  (x) => x.gelu('tanh'),
  (x) => (x.ndim > 0 ? x.softmax(-1) : x),
  (x) => (x.ndim > 0 ? x.sub(x.mean(-1, true)) : x),
  (x) => (x.ndim > 0 ? x.layerNorm([x.shape[x.ndim - 1]]) : x),
  (x) => (x.ndim >= 2 ? x.transpose(0, -1).contiguous().transpose(0, -1) : x),
  (x) => (x.ndim >= 2 ? x.matmul(x.transpose(-1, -2)).mul(0.1).matmul(x) : x), // keeps the shape
  (x) => x.where(x.gt(0), x.neg()),
  (x) => (x.ndim > 0 ? cat([x, x.abs()], -1).slice(-1, 0, x.shape[x.ndim - 1]) : x),
];

describe('recorded graphs', () => {
  it('interpreting a recorded random program (and its decomposition) equals eager execution', () => {
    fc.assert(
      fc.property(
        shapeArb,
        seedArb,
        fc.array(fc.nat(STEPS.length - 1), { minLength: 1, maxLength: 6 }),
        (shape, seed, steps) => {
          const program = (x: Tensor, o: Tensor) => steps.reduce((acc, s) => STEPS[s](acc, o), x);
          const inputs = [randn(shape, { seed }), randn(shape, { seed: seed + 1 })];
          const eager = program(inputs[0], inputs[1]);
          const g = traceGraph(program, inputs, { sourceLocations: false });
          expect(maxAbsDiff(interpret(g, inputs)[0], eager)).toBe(0);
          expect(maxAbsDiff(interpret(decompose(g), inputs)[0], eager)).toBeLessThan(1e-3);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('compile()', () => {
  // a data-dependent branch: a graph break inside the program
  const BRANCH: Step = (x) => (x.sum().item() > 0 ? x.mul(2) : x.neg());
  // a value computed before the break and never used after it (not an output of the graph before the break)
  const DEAD_BEFORE_BREAK: Step = (x, o) => {
    x.mul(o).exp();
    return x.amax().item() > 0 ? x.sub(1) : x.add(1);
  };
  // a value computed before the break and used after it on one path only (an output once that path is seen;
  // recomputed when a cached graph that does not output it meets the other path)
  const LIVE_ACROSS_BREAK: Step = (x, o) => {
    const kept = x.mul(o).add(1);
    const other = x.abs();
    return x.mean().item() > 0 ? kept.mul(x) : other.sub(kept.relu());
  };
  const BREAKS = [BRANCH, DEAD_BEFORE_BREAK, LIVE_ACROSS_BREAK];
  const exactBackend = makeInductorBackend({ exact: true });

  it('compiled random programs (with graph breaks) equal eager on first and cached calls', () => {
    fc.assert(
      fc.property(
        shapeArb,
        seedArb,
        fc.array(fc.nat(STEPS.length + BREAKS.length - 1), { minLength: 1, maxLength: 6 }),
        (shape, seed, steps) => {
          const all = [...STEPS, ...BREAKS];
          const program = (x: Tensor, o: Tensor) => steps.reduce((acc, s) => all[s](acc, o), x);
          // exact: true rounds every op as eager does, so equal means bit for bit (and a data-dependent
          // branch cannot go the other way on a rounding difference)
          const cf = compile(program, { backend: exactBackend });
          for (const k of [0, 1, 2]) {
            const inputs = [randn(shape, { seed: seed + 2 * k }), randn(shape, { seed: seed + 2 * k + 1 })];
            expect(maxAbsDiff(cf(inputs[0], inputs[1]), program(inputs[0], inputs[1]))).toBe(0);
          }
          expect(cf.entries.length).toBe(1);
          expect(cf.entries[0].hits).toBe(2);
          expect(cf.entries[0].graphBreaks.length).toBe(steps.filter((s) => s >= STEPS.length).length);
        },
      ),
      { numRuns: 100 },
    );
  });
});
