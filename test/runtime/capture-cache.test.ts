/**
 * The capture cache beyond static shapes: functions with graph breaks (cached segments per resume frame,
 * nothing recompiled on later calls), dynamic shapes (automatic and opt-in; one graph for many sizes; the
 * backend told which dims vary; baked sizes fall back to static), and the printers of the dynamo artifacts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCompileId } from '../../src/logging/index.js';
import {
  type Backend,
  type BackendContext,
  compile,
  formatGraphTable,
  formatGuards,
  type Graph,
  type GraphRunner,
  interpret,
  randn,
  referenceBackend,
  respecialize,
  symbolName,
  type Tensor,
  traceGraph,
} from '../../src/runtime/index.js';
import { expectCode, maxAbsDiff } from './helpers.js';

/** A reference backend that records what it was asked to compile. */
function countingBackend(runnerIsDynamic = false) {
  const calls: { graph: Graph; shapes: number[][]; context: BackendContext | undefined }[] = [];
  const backend: Backend = (graph, inputs, context) => {
    calls.push({ graph, shapes: inputs.map((t) => [...t.shape]), context });
    // A dynamic runner re-derives shapes per call (what a backend generating size-generic code would do).
    const run = ((xs: readonly Tensor[]) =>
      interpret(runnerIsDynamic ? respecialize(graph, xs) : graph, xs)) as GraphRunner & {
      dynamicShapes?: boolean;
    };
    if (runnerIsDynamic) Object.defineProperty(run, 'dynamicShapes', { value: true });
    return run;
  };
  return { backend, calls };
}

const ids = (graphs: readonly { compileId: { frameId: number; frameCompileId: number } }[]) =>
  graphs.map((g) => formatCompileId(g.compileId));

/** p2_graph_break's shape; a fresh function per test, since frame ids belong to the function (its "code"). */
const makeP2 = () =>
  function p2(x: Tensor): Tensor {
    const y = x.mul(2).add(1);
    const z = y.tanh();
    if (z.sum().item() > 0) return z.mul(3);
    return z.sub(3);
  };
const p2 = makeP2();

describe('graph breaks: the segmented program is cached', () => {
  it('later calls run the cached segment graphs and compile nothing', () => {
    const { backend, calls } = countingBackend();
    const cf = compile(makeP2(), { backend });
    const x = randn([16, 16], { seed: 3 }).abs();
    expect(maxAbsDiff(cf(x), p2(x))).toBe(0);
    expect(calls.length).toBe(2);
    for (let i = 0; i < 10; i++) {
      const xi = randn([16, 16], { seed: 10 + i }).abs();
      expect(maxAbsDiff(cf(xi), p2(xi))).toBe(0);
    }
    expect(calls.length).toBe(2);
    expect(cf.entries.length).toBe(1);
    expect(cf.entries[0].hits).toBe(10);
    const f = cf.frameId()!;
    expect(ids(cf.graphs)).toEqual([`${f}/0`, `${f + 1}/0`]);
  });

  it('the other branch is its own resume frame; a new shape recompiles each frame with a reason', () => {
    const { backend, calls } = countingBackend();
    const cf = compile(makeP2(), { backend });
    const pos = randn([8, 8], { seed: 1 }).abs();
    const neg = pos.neg();
    cf(pos);
    cf(neg);
    cf(pos);
    cf(neg);
    const f = cf.frameId()!;
    expect(ids(cf.graphs)).toEqual([`${f}/0`, `${f + 1}/0`, `${f + 2}/0`]);
    expect(calls.length).toBe(3);
    const big = randn([4, 2], { seed: 2 }).abs();
    expect(maxAbsDiff(cf(big), p2(big))).toBe(0);
    expect(ids(cf.graphs).slice(3)).toEqual([`${f}/1`, `${f + 1}/1`]);
    expect(cf.entries[0].recompileReasons).toEqual([
      `${f}/0: tensor 'x' size mismatch at index 0. expected 8, actual 4`,
    ]);
  });

  it('a resume frame that reaches the recompile limit runs its segment eagerly', () => {
    const cf = compile(
      (x: Tensor, k: number) => {
        const s = x.sum().item();
        return x.mul(s).add(k);
      },
      { recompileLimit: 1, backend: referenceBackend, dynamic: false },
    );
    const x = randn([3], { seed: 1 });
    cf(x, 1);
    const y = randn([5], { seed: 1 });
    // the entry itself hits the limit: eager, nothing new compiled
    expect(maxAbsDiff(cf(y, 1), y.mul(y.sum().item()).add(1))).toBeLessThan(1e-6);
    expect(cf.limitHits).toBe(1);
    expect(cf.graphs.length).toBe(2);
  });
});

describe('resume frames have their own recompile limit', () => {
  it('a data-dependent number of ops recompiles the resume frame, then runs it eagerly past the limit', () => {
    const { backend, calls } = countingBackend();
    const loop = (x: Tensor, k: number) => {
      let y = x;
      for (let i = 0; i < k; i++) y = y.mul(2);
      return y;
    };
    const f = (x: Tensor) => {
      const k = Math.round(x.sum().item());
      return loop(x.add(0), k);
    };
    const cf = compile(f, { backend, recompileLimit: 2 });
    const withSum = (k: number) =>
      randn([4], { seed: 1 })
        .mul(0)
        .add(k / 4);
    for (const k of [1, 2, 3, 1]) {
      const x = withSum(k);
      expect(maxAbsDiff(cf(x), f(x))).toBe(0);
    }
    const frame = cf.frameId()!;
    // one entry (its first graph: the sum); the resume frame compiled k=1 and k=2, k=3 ran eagerly, k=1
    // again hit its cache
    expect(cf.entries.length).toBe(1);
    expect(ids(cf.graphs)).toEqual([`${frame}/0`, `${frame + 1}/0`, `${frame + 1}/1`]);
    expect(calls.length).toBe(3);
    expect(cf.limitHits).toBe(1);
  });
});

describe('dynamic shapes', () => {
  const h = (x: Tensor, y: Tensor) => x.add(y).relu().sum(-1);

  it('dynamic: true compiles one graph for every size, re-specialising a static backend per size', () => {
    const { backend, calls } = countingBackend();
    const ch = compile(h, { backend, dynamic: true });
    for (const [r, c] of [
      [4, 6],
      [9, 6],
      [5, 11],
      [9, 6],
    ]) {
      const x = randn([r, c], { seed: r });
      const y = randn([r, c], { seed: c });
      expect(maxAbsDiff(ch(x, y), h(x, y))).toBe(0);
    }
    expect(ch.entries.length).toBe(1);
    expect(ch.entries[0].symbols).toEqual(['s77', 's27']);
    // the captured graph, then one specialisation per new size ([9, 6] twice: once)
    expect(calls.map((c) => c.shapes[0])).toEqual([
      [4, 6],
      [9, 6],
      [5, 11],
    ]);
    expect(calls[0].context?.dynamicDims).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expect(ids(ch.graphs)).toEqual([`${ch.frameId()}/0`]);
  });

  it('a backend whose runner handles dynamic shapes is called once', () => {
    const { backend, calls } = countingBackend(true);
    const ch = compile(h, { backend, dynamic: true });
    for (const n of [3, 7, 12]) ch(randn([n, 5], { seed: n }), randn([n, 5], { seed: 1 }));
    expect(calls.length).toBe(1);
  });

  it('automatic: the dim that changed becomes dynamic, the other stays static', () => {
    const { backend } = countingBackend();
    const cf = compile((x: Tensor) => x.exp().softmax(-1), { backend });
    cf(randn([8, 16], { seed: 1 }));
    cf(randn([8, 32], { seed: 1 }));
    cf(randn([8, 48], { seed: 1 }));
    expect(cf.entries.map((e) => e.symbols)).toEqual([['s27'], []]);
    expect(cf.entries[0].hits).toBe(1);
    cf(randn([4, 48], { seed: 1 }));
    expect(cf.entries[0].symbols).toEqual(['s77', 's27']);
  });

  it('sizes 0 and 1 stay static, as PyTorch specialises them', () => {
    const cf = compile((x: Tensor) => x.mul(2), { dynamic: true, backend: referenceBackend });
    cf(randn([1, 5], { seed: 1 }));
    expect(cf.entries[0].symbols).toEqual(['s27']);
    cf(randn([3, 5], { seed: 1 }));
    expect(cf.entries.length).toBe(2);
    expect(cf.entries[0].recompileReasons[0]).toMatch(
      /tensor 'x' size mismatch at index 0\. expected 1, actual 3$/,
    );
  });

  it('a size baked into the graph (a reshape target) keeps the entry static', () => {
    const cf = compile((x: Tensor) => x.reshape([x.shape[0] * x.shape[1]]).mul(2), {
      dynamic: true,
      backend: referenceBackend,
    });
    const a = randn([3, 4], { seed: 1 });
    const b = randn([5, 4], { seed: 1 });
    expect(maxAbsDiff(cf(a), a.reshape([12]).mul(2))).toBe(0);
    expect(maxAbsDiff(cf(b), b.reshape([20]).mul(2))).toBe(0);
    expect(cf.entries.map((e) => e.symbols)).toEqual([[], []]);
  });

  it('property: a dynamic graph equals eager on random shapes', () => {
    const g = (x: Tensor, y: Tensor) => x.mul(y).add(x.exp()).softmax(-1).sum(0);
    const cg = compile(g, { dynamic: true, backend: referenceBackend });
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 9 }),
        fc.integer({ min: 2, max: 9 }),
        fc.nat(1000),
        (r, c, seed) => {
          const x = randn([r, c], { seed });
          const y = randn([r, c], { seed: seed + 1 });
          return maxAbsDiff(cg(x, y), g(x, y)) < 1e-6;
        },
      ),
      { numRuns: 40 },
    );
    // duck sizing: if the first shape is square, its rows and columns share a symbol (and an equality
    // guard), so the first non-square shape compiles a second entry, as PyTorch does
    expect(cg.entries.length).toBeLessThanOrEqual(2);
  });
});

describe('compile options', () => {
  it('rejects a recompile limit that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expectCode(() => compile((x: Tensor) => x, { recompileLimit: bad }), 'E_BAD_ARGUMENT');
    }
  });

  it('guards say where each tensor is first used, as PyTorch comments them', () => {
    const cf = compile(
      function f(x: Tensor, n: number) {
        return x.exp().mul(n);
      },
      { backend: referenceBackend },
    );
    cf(randn([2, 3], { seed: 1 }), 2);
    expect(formatGuards(cf.entries[0].guards)).toMatch(
      /\| \| \+- TENSOR_MATCH: check_tensor\(L\['x'\], Tensor, float32, device=cpu, size=\[2, 3\], stride=\[3, 1\]\) {2}# return x\.exp\(\)\.mul\(n\); {2}# .*capture-cache\.test\.ts:\d+ in f$/m,
    );
  });
});

describe('dynamo artifact printers', () => {
  it('graph: the FX print_tabular layout', () => {
    const graph = traceGraph((x) => x.mul(2).add(1).softmax(-1).tanh(), [randn([2, 3], { seed: 1 })], {
      names: ['x'],
    });
    expect(formatGraphTable(graph)).toBe(
      [
        'opcode         name     target                   args        kwargs',
        '-------------  -------  -----------------------  ----------  -----------',
        'placeholder    l_x_     L_x_                     ()          {}',
        'call_function  mul      <built-in function mul>  (l_x_, 2)   {}',
        'call_function  add      <built-in function add>  (mul, 1)    {}',
        "call_method    softmax  softmax                  (add,)      {'dim': -1}",
        'call_method    tanh     tanh                     (softmax,)  {}',
        'output         output   output                   ((tanh,),)  {}',
      ].join('\n'),
    );
  });

  it("size symbols are named like PyTorch 2.11's (sha256 of the source, mod 100)", () => {
    const used = new Set<string>();
    expect(symbolName("L['x'].size()[0]", used)).toBe('s77');
    expect(symbolName("L['x'].size()[1]", used)).toBe('s27');
    // a collision probes on
    expect(symbolName("L['x'].size()[1]", used)).toBe('s28');
  });
});
