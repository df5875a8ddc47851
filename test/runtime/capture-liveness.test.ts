/**
 * Graphs that end at a graph break output only the live values: the value read at the break, then the values the
 * rest of the function needs (a later graph reads them, the host reads them, or the function returns them), as
 * PyTorch's graph-break graphs do. Values computed before the break and not needed after it are not outputs.
 * Results equal eager ones on first and cached calls, also when a later call takes a path that needs a value
 * the cached graph does not output (it is recomputed).
 */
import { describe, expect, it } from 'vitest';
import {
  type Backend,
  compile,
  type Graph,
  interpret,
  printGraph,
  randn,
  type Tensor,
} from '../../src/runtime/index.js';
import { expectCode, maxAbsDiff } from './helpers.js';

/** The reference backend, recording the graphs it compiles (results are then eager's, bit for bit). */
function recordingBackend() {
  const graphs: Graph[] = [];
  const backend: Backend = (graph) => {
    graphs.push(graph);
    return (inputs) => interpret(graph, inputs);
  };
  return { backend, graphs };
}

const outputsOf = (g: Graph) => g.outputs.map((n) => n.name);

describe('graph-break graphs output the live values only', () => {
  it('a value computed before the break and unused after it is not an output', () => {
    const f = (x: Tensor) => {
      const unused = x.exp(); // computed, never read again
      const y = x.mul(2);
      if (y.sum().item() > 0) return y.add(1);
      return y.sub(unused.sum());
    };
    const { backend, graphs } = recordingBackend();
    const cf = compile(f, { backend });
    const x = randn([4, 5], { seed: 1 }).abs();
    expect(maxAbsDiff(cf(x), f(x))).toBe(0);
    expect(graphs.map(outputsOf)).toEqual([['sum_1', 'mul'], ['add']]);
    const printed = printGraph(graphs[0]);
    expect(printed).toContain('exp: "f32[4, 5][5, 1]cpu" = l_x_.exp()');
    expect(printed).toContain('return (sum_1, mul)');
  });

  it('a value computed before the break and used after it (returned as is) is an output', () => {
    const f = (x: Tensor): Tensor[] => {
      const kept = x.sin();
      const dead = x.cos();
      const s = x.sum().item();
      return [kept, x.mul(s), dead.add(0).mul(0).add(kept)];
    };
    const { backend, graphs } = recordingBackend();
    const cf = compile(f, { backend });
    const x = randn([3, 3], { seed: 2 });
    const got = cf(x);
    f(x).forEach((want, i) => {
      expect(maxAbsDiff(got[i], want)).toBe(0);
    });
    // cos is read after the break too (dead.add(0)): live, even though its value cancels out
    expect(outputsOf(graphs[0])).toEqual(['sum_1', 'sin', 'cos']);
  });

  it('a value of an earlier graph that the function returns, with nothing recorded after the break', () => {
    const f = (x: Tensor) => {
      const a = x.sin();
      const b = x.tanh(); // dead
      if (x.sum().item() > 100) return b;
      return a;
    };
    const { backend, graphs } = recordingBackend();
    const cf = compile(f, { backend });
    const x = randn([6], { seed: 3 });
    expect(maxAbsDiff(cf(x), f(x))).toBe(0);
    expect(graphs.map(outputsOf)).toEqual([['sum_1', 'sin']]);
    expect(maxAbsDiff(cf(x.mul(2)), f(x.mul(2)))).toBe(0); // cached: no new graph
    expect(graphs.length).toBe(1);
  });

  it('a value read on the host after the break is an output', () => {
    const f = (x: Tensor) => {
      const a = x.relu();
      const s = x.mean().item();
      const nonNegative = Array.from(a.toArray()).every((v) => v >= 0); // data read on the host, no op
      return x.mul(nonNegative ? 2 : 3).add(s > 0 ? 1 : -1);
    };
    const { backend, graphs } = recordingBackend();
    const cf = compile(f, { backend });
    const x = randn([5], { seed: 4 });
    expect(maxAbsDiff(cf(x), f(x))).toBe(0);
    expect(outputsOf(graphs[0])).toEqual(['mean', 'relu']);
    expect(maxAbsDiff(cf(x.mul(3)), f(x.mul(3)))).toBe(0);
    expect(graphs.length).toBe(2);
  });

  it('another path after the break that needs a value the cached graph does not output: recomputed, same results', () => {
    const f = (x: Tensor) => {
      const a = x.exp();
      const b = x.sin();
      return x.sum().item() > 0 ? a.mul(2) : b.mul(3);
    };
    const { backend, graphs } = recordingBackend();
    const cf = compile(f, { backend });
    const pos = randn([4, 4], { seed: 5 }).abs();
    expect(maxAbsDiff(cf(pos), f(pos))).toBe(0);
    expect(outputsOf(graphs[0])).toEqual(['sum_1', 'exp']);
    const neg = pos.neg();
    // the cached first graph runs (it has no 'sin' output): sin is recomputed from the graph's inputs
    expect(maxAbsDiff(cf(neg), f(neg))).toBe(0);
    expect(maxAbsDiff(cf(pos.mul(0.5)), f(pos.mul(0.5)))).toBe(0);
    expect(maxAbsDiff(cf(neg.mul(0.5)), f(neg.mul(0.5)))).toBe(0);
    expect(cf.entries).toHaveLength(1);
    expect(cf.entries[0].hits).toBe(3);
    // the first graph was compiled once; each way out of the break is its own resume frame
    expect(graphs.map(outputsOf)).toEqual([['sum_1', 'exp'], ['mul'], ['mul']]);
  });

  it('the default backend gives the same outputs and results within rounding', () => {
    const f = (x: Tensor) => {
      const y = x.mul(2).add(1);
      const side = y.mean().item() > 0;
      const z = y.tanh();
      if (z.sum().item() > 0) return side ? z.mul(3) : z.mul(4);
      return z.sub(3);
    };
    const cf = compile(f);
    const x = randn([8, 8], { seed: 6 });
    expect(maxAbsDiff(cf(x), f(x))).toBeLessThan(1e-5);
    expect(maxAbsDiff(cf(x), f(x))).toBeLessThan(1e-5);
    const [g0, g1] = cf.entries[0].graphs.map((g) => printGraph(g.graph));
    expect(g0).toContain('return (mean, add)');
    expect(g0).toContain('add: "f32[8, 8][8, 1]cpu" = mul + 1;  mul = None');
    expect(g1).toContain('return (sum_1, tanh)');
  });

  it('a value kept outside the function and never used in it stays lazy, like any value not returned', () => {
    let kept: Tensor | undefined;
    const f = (x: Tensor) => {
      kept = x.exp();
      const s = x.sum().item();
      return x.mul(s);
    };
    const cf = compile(f, { backend: recordingBackend().backend });
    cf(randn([3], { seed: 7 }));
    expectCode(() => kept!.toArray(), 'E_LAZY_TENSOR');
  });

  it('user code raising after a break: the graph before the break is still compiled, with what was live', () => {
    const { backend, graphs } = recordingBackend();
    const cf = compile(
      (x: Tensor) => {
        const a = x.abs();
        if (x.sum().item() !== 12345) throw new Error('user error');
        return a;
      },
      { backend },
    );
    expect(() => cf(randn([3], { seed: 8 }))).toThrow('user error');
    expect(graphs.map(outputsOf)).toEqual([['sum_1']]);
    expect(cf.entries).toHaveLength(0);
  });
});
