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
      expect(maxAbsDiff(t, f(x, y)[i])).toBeLessThan(1e-5);
    });
    expect(second[0].isLazy).toBe(false);
    expect(printGraph(cf.entries[0].graphs[0].graph)).toContain(
      'def forward(self, L_x_: "f32[16, 8][8, 1]cpu", L_y_:',
    );
  });

  it("recompiles like PyTorch's p3_recompile: automatic dynamic after a size change, then a scalar change", () => {
    const cf = compile((x: Tensor, n: number) => x.exp().mul(n).softmax(-1));
    for (const shape of [
      [8, 16],
      [8, 32],
      [8, 64],
      [16, 64],
    ]) {
      const x = randn(shape, { seed: 1 });
      expect(maxAbsDiff(cf(x, 2), x.exp().mul(2).softmax(-1))).toBeLessThan(1e-5);
    }
    const x = randn([8, 16], { seed: 2 });
    expect(maxAbsDiff(cf(x, 3), x.exp().mul(3).softmax(-1))).toBeLessThan(1e-5);
    const frame = cf.frameId()!;
    // [8, 64] reuses 0/1, whose dim 1 became dynamic: the same compile ids as PyTorch's trace
    expect(ids(cf)).toEqual([3, 2, 1, 0].map((i) => `${frame}/${i}`));
    const entries = [...cf.entries].reverse();
    const reasons = entries.map((e) => e.recompileReasons);
    expect(reasons[0]).toEqual([]);
    expect(reasons[1]).toEqual([`${frame}/0: tensor 'x' size mismatch at index 1. expected 16, actual 32`]);
    expect(reasons[2]).toEqual([
      `${frame}/1: tensor 'x' size mismatch at index 0. expected 8, actual 16`,
      `${frame}/0: tensor 'x' size mismatch at index 0. expected 8, actual 16`,
    ]);
    expect(reasons[3]).toEqual([`${frame}/2: n == 2`, `${frame}/1: n == 2`, `${frame}/0: n == 2`]);
    // the int change makes n dynamic (PyTorch's automatic dynamic int: s86 for L['n'])
    expect(entries.map((e) => e.symbols)).toEqual([[], ['s27'], ['s77', 's27'], ['s77', 's27', 's86']]);
    expect(entries[1].hits).toBe(1);
    expect(formatGuards(entries[1].guards)).toContain('size=[8, None], stride=[None, 1])');
    expect(formatGuards(entries[1].guards)).toContain(
      "+- LAMBDA_GUARD: L['x'].stride()[0] == L['x'].size()[1]",
    );
    expect(formatGuards(entries[1].guards)).toContain("+- LAMBDA_GUARD: 2 <= L['x'].size()[1]");
    expect(printGraph(cf.entries[0].graphs[0].graph)).toContain(
      'mul: "f32[8, 16][16, 1]cpu" = exp * l_n_;  exp = l_n_ = None',
    );
  });

  it('with dynamic: false every new size is a recompile (static shapes)', () => {
    const cf = compile((x: Tensor, n: number) => x.exp().mul(n).softmax(-1), { dynamic: false });
    for (const shape of [
      [8, 16],
      [8, 32],
      [8, 64],
      [16, 64],
    ]) {
      cf(randn(shape, { seed: 1 }), 2);
    }
    const frame = cf.frameId()!;
    expect(ids(cf)).toEqual([3, 2, 1, 0].map((i) => `${frame}/${i}`));
    expect(cf.entries[1].recompileReasons[0]).toBe(
      `${frame}/1: tensor 'x' size mismatch at index 1. expected 32, actual 64`,
    );
    expect(cf.entries.every((e) => e.symbols.length === 0)).toBe(true);
  });

  it('guards on strides: a transposed input recompiles', () => {
    const cf = compile((x: Tensor) => x.add(1));
    cf(randn([4, 4], { seed: 1 }));
    const t = randn([4, 4], { seed: 1 }).t();
    expect(maxAbsDiff(cf(t), t.add(1))).toBeLessThan(1e-5);
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
    const cf = compile((x: Tensor) => x.mul(2), { recompileLimit: 2, dynamic: false });
    for (const n of [1, 2, 3, 4]) cf(randn([n], { seed: n }));
    expect(cf.entries.length).toBe(2);
    expect(cf.limitHits).toBe(2);
    const x = randn([7], { seed: 9 });
    expect(maxAbsDiff(cf(x), x.mul(2))).toBeLessThan(1e-5);
  });

  it('a data-dependent read splits the capture into graphs with their own compile ids (p2_graph_break)', () => {
    const f = (x: Tensor) => {
      const y = x.mul(2).add(1);
      const z = y.tanh();
      return z.sum().item() > 0 ? z.mul(3) : z.sub(3);
    };
    const cf = compile(f);
    const x = randn([64, 64], { seed: 3 }).abs();
    expect(maxAbsDiff(cf(x), f(x))).toBeLessThan(1e-5);
    const [entry] = cf.entries;
    expect(entry.graphs.length).toBe(2);
    expect(entry.graphBreaks).toEqual(["item() needs the value of 'sum_1' (data-dependent)"]);
    const frame = cf.frameId()!;
    const idOf = (g: { compileId: { frameId: number; frameCompileId: number } }) =>
      `${g.compileId.frameId}/${g.compileId.frameCompileId}`;
    expect(entry.graphs.map(idOf)).toEqual([`${frame}/0`, `${frame + 1}/0`]);
    const first = printGraph(entry.graphs[0].graph);
    expect(first).toContain('sum_1: "f32[][]cpu" = tanh.sum()');
    // only the live values: the one read at the break, then z (used after it), as PyTorch's `return (sum_1, z)`
    expect(first).toContain('return (sum_1, tanh)');
    expect(first).toContain('add: "f32[64, 64][64, 1]cpu" = mul + 1;  mul = None');
    const second = printGraph(entry.graphs[1].graph);
    expect(second).toContain('def forward(self, L_tanh_: "f32[64, 64][64, 1]cpu"):');
    expect(second).toContain('mul: "f32[64, 64][64, 1]cpu" = l_tanh_ * 3;  l_tanh_ = None');

    // same guards, other branch: the first graph is reused; the other way out of the break is its own resume
    // frame (PyTorch makes one resume function per branch target)
    const neg = x.neg().sub(1);
    expect(maxAbsDiff(cf(neg), f(neg))).toBeLessThan(1e-5);
    expect(maxAbsDiff(cf(x.mul(0.5)), f(x.mul(0.5)))).toBeLessThan(1e-5);
    expect(cf.entries.length).toBe(1);
    expect(cf.entries[0].hits).toBe(2);
    expect(cf.graphs.map(idOf)).toEqual([`${frame}/0`, `${frame + 1}/0`, `${frame + 2}/0`]);
    expect(printGraph(cf.graphs[2].graph)).toContain('sub: "f32[64, 64][64, 1]cpu" = l_tanh_ - 3');
  });

  it("reading an argument's data inside the function is a graph break too", () => {
    const f = (x: Tensor, w: Tensor) => {
      const scale = x.toArray()[0] > 0 ? 2 : -2; // data-dependent on an input
      return x.mul(scale).matmul(w);
    };
    const cf = compile(f);
    const w = randn([3, 2], { seed: 1 });
    const pos = randn([4, 3], { seed: 2 }).abs();
    expect(maxAbsDiff(cf(pos, w), f(pos, w))).toBeLessThan(1e-5);
    expect(maxAbsDiff(cf(pos.neg(), w), f(pos.neg(), w))).toBeLessThan(1e-5);
    expect(cf.entries[0].graphBreaks[0]).toContain("toArray() needs the value of 'l_x_'");
    // nothing was computed before the read, so there is no empty graph before the break
    expect(cf.entries[0].graphs.length).toBe(1);
    const graph = printGraph(cf.graphs[0].graph);
    expect(graph).toContain('def forward(self, L_x_: "f32[4, 3][3, 1]cpu", L_w_: "f32[3, 2][2, 1]cpu"):');
    expect(graph).toContain('mul: "f32[4, 3][3, 1]cpu" = l_x_ * 2');
  });

  it('returns inputs and closed-over tensors unchanged; weights become graph inputs', () => {
    const bias = randn([3], { seed: 5 });
    const cf = compile((x: Tensor) => [x, bias, x.add(bias)]);
    const x = randn([2, 3], { seed: 6 });
    const [a, b, c] = cf(x);
    const [a2, , c2] = cf(x.mul(2));
    expect(Array.from(a.toArray())).toEqual(Array.from(x.toArray()));
    expect(Array.from(b.toArray())).toEqual(Array.from(bias.toArray()));
    expect(maxAbsDiff(c, x.add(bias))).toBeLessThan(1e-5);
    expect(maxAbsDiff(a2, x.mul(2))).toBeLessThan(1e-5);
    expect(maxAbsDiff(c2, x.mul(2).add(bias))).toBeLessThan(1e-5);
    expect(printGraph(cf.graphs[0].graph)).toContain('L_x_: "f32[2, 3][3, 1]cpu", L_tensor_: "f32[3][1]cpu"');
  });

  it('a compiled function called inside another capture is inlined into the outer graph', () => {
    const inner = compile((x: Tensor) => x.relu().mul(2));
    const outer = compile((x: Tensor) => inner(x.sub(1)).sum(-1));
    const x = randn([3, 4], { seed: 8 });
    expect(maxAbsDiff(outer(x), x.sub(1).relu().mul(2).sum(-1))).toBeLessThan(1e-5);
    expect(inner.entries.length).toBe(0);
    const ops = outer.entries[0].graphs[0].graph.nodes.filter((n) => n.kind === 'call').map((n) => n.op);
    expect(ops).toEqual(['sub', 'relu', 'mul', 'sum']);
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
