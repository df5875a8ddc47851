import { describe, expect, it } from 'vitest';
import {
  type Backend,
  compile,
  formatGuards,
  paramNames,
  printGraph,
  randn,
  referenceBackend,
  type Tensor,
} from '../../src/runtime/index.js';
import { maxAbsDiff } from './helpers.js';

const ids = (f: { entries: readonly { compileId: { frameId: number; frameCompileId: number } }[] }) =>
  f.entries.map((e) => `${e.compileId.frameId}/${e.compileId.frameCompileId}`);

describe('compile(fn): capture, guards, cache', () => {
  it('traces once, then hits the cache; results equal eager', () => {
    const f = (x: Tensor, y: Tensor) => {
      const a = x.sin().add(y.cos());
      const b = a.mul(2).sub(1).relu();
      return [b.sum(-1), b.amax()];
    };
    const cf = compile(f);
    const x = randn([16, 8], { seed: 1 });
    const y = randn([16, 8], { seed: 2 });
    const first = cf(x, y);
    const second = cf(randn([16, 8], { seed: 3 }), y);
    expect(cf.entries.length).toBe(1);
    expect(cf.entries[0].hits).toBe(1);
    expect(first.length).toBe(2);
    first.forEach((t, i) => {
      expect(maxAbsDiff(t, f(x, y)[i])).toBe(0);
    });
    expect(second[0].isLazy).toBe(false);
    expect(printGraph(cf.entries[0].graph!)).toContain(
      'def forward(self, L_x_: "f32[16, 8][8, 1]cpu", L_y_:',
    );
  });

  it("recompiles on shape and scalar changes with PyTorch's reasons (the p3_recompile sequence)", () => {
    const cf = compile((x: Tensor, n: number) => x.exp().mul(n).softmax(-1));
    for (const shape of [
      [8, 16],
      [8, 32],
      [8, 64],
      [16, 64],
    ]) {
      cf(randn(shape, { seed: 1 }), 2);
    }
    const x = randn([8, 16], { seed: 2 });
    expect(maxAbsDiff(cf(x, 3), x.exp().mul(3).softmax(-1))).toBe(0);
    const frame = cf.frameId()!;
    expect(ids(cf)).toEqual([4, 3, 2, 1, 0].map((i) => `${frame}/${i}`));
    const reasons = [...cf.entries].reverse().map((e) => e.recompileReasons);
    expect(reasons[0]).toEqual([]);
    expect(reasons[1]).toEqual([`${frame}/0: tensor 'x' size mismatch at index 1. expected 16, actual 32`]);
    expect(reasons[3][0]).toBe(`${frame}/2: tensor 'x' size mismatch at index 0. expected 8, actual 16`);
    // the scalar guard fails on the entry that matches the shape
    expect(reasons[4]).toContain(`${frame}/0: n == 2`);
    expect(printGraph(cf.entries[0].graph!)).toContain('mul: "f32[8, 16][16, 1]cpu" = exp * 3;  exp = None');
  });

  it('guards on strides: a transposed input recompiles', () => {
    const cf = compile((x: Tensor) => x.add(1));
    cf(randn([4, 4], { seed: 1 }));
    const t = randn([4, 4], { seed: 1 }).t();
    expect(maxAbsDiff(cf(t), t.add(1))).toBe(0);
    expect(cf.entries[0].recompileReasons[0]).toMatch(
      /tensor 'x' stride mismatch at index 0\. expected 4, actual 1$/,
    );
    expect(formatGuards(cf.entries[0].guards)).toContain(
      "TENSOR_MATCH: check_tensor(L['x'], Tensor, float32, device=cpu, size=[4, 4], stride=[1, 4])",
    );
  });

  it('rank changes and argument count changes are guard failures too', () => {
    const cf = compile((x: Tensor) => x.sum());
    cf(randn([2, 3], { seed: 1 }));
    cf(randn([6], { seed: 1 }));
    expect(cf.entries[0].recompileReasons[0]).toMatch(/tensor 'x' rank mismatch\. expected 2, actual 1$/);
  });

  it('falls back to eager after recompileLimit entries', () => {
    const cf = compile((x: Tensor) => x.mul(2), { recompileLimit: 2 });
    for (const n of [1, 2, 3, 4]) cf(randn([n], { seed: n }));
    expect(cf.entries.length).toBe(2);
    expect(cf.limitHits).toBe(2);
    const x = randn([7], { seed: 9 });
    expect(maxAbsDiff(cf(x), x.mul(2))).toBe(0);
  });

  it('a data-dependent read during capture is recorded as a graph break and that guard set runs eagerly', () => {
    const f = (x: Tensor) => {
      const y = x.mul(2).add(1);
      return y.sum().item() > 0 ? y.mul(3) : y.sub(3);
    };
    const cf = compile(f);
    const x = randn([64], { seed: 3 });
    expect(maxAbsDiff(cf(x), f(x))).toBe(0);
    expect(cf.entries[0].graph).toBeNull();
    expect(cf.entries[0].graphBreak).toContain("item() needs the value of 'sum_1'");
    const neg = x.abs().neg().sub(10);
    expect(maxAbsDiff(cf(neg), f(neg))).toBe(0);
    expect(cf.entries.length).toBe(1);
  });

  it('uses the given backend with example inputs (the seam where lowering and codegen plug in)', () => {
    const seen: string[] = [];
    const counting: Backend = (graph, examples) => {
      seen.push(`${graph.nodes.length} nodes, ${examples.length} inputs`);
      return referenceBackend(graph, examples);
    };
    const cf = compile((x: Tensor, y: Tensor) => x.matmul(y).relu(), { backend: counting });
    cf(randn([2, 3], { seed: 1 }), randn([3, 2], { seed: 2 }));
    cf(randn([2, 3], { seed: 3 }), randn([3, 2], { seed: 4 }));
    expect(seen).toEqual(['4 nodes, 2 inputs']);
  });

  it('reads parameter names from the function source', () => {
    expect(paramNames((x: Tensor, n: number) => x.mul(n), 2)).toEqual(['x', 'n']);
    expect(
      paramNames(function f(a: Tensor, b = 2) {
        return a.mul(b);
      }, 2),
    ).toEqual(['a', 'b']);
    expect(paramNames((x: Tensor) => x, 1)).toEqual(['x']);
    expect(paramNames((...xs: Tensor[]) => xs[0], 2)).toEqual(['xs', 'arg1']);
  });
});
