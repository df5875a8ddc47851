import { describe, expect, it } from 'vitest';
import {
  decompose,
  getOp,
  interpret,
  printGraph,
  py,
  randn,
  type Tensor,
  tensor,
  traceGraph,
} from '../../src/runtime/index.js';
import { expectCode, maxAbsDiff } from './helpers.js';

// The p1_simple program of the PyTorch fixtures, written against our Tensor.
function p1(x: Tensor, y: Tensor): Tensor[] {
  const a = x.sin().add(y.cos());
  const b = a.mul(2.0).sub(1.0).relu();
  return [b.sum(-1), b.amax()];
}

// p3_recompile's body with n = 2.
const p3 = (x: Tensor) => x.exp().mul(2).softmax(-1);

// p4's model: Linear -> GELU -> Linear -> LayerNorm, with fixed weights.
const w1 = randn([16, 8], { seed: 11 });
const b1 = randn([16], { seed: 12 });
const w2 = randn([8, 16], { seed: 13 });
const b2 = randn([8], { seed: 14 });
const lnW = randn([8], { seed: 15 });
const lnB = randn([8], { seed: 16 });
const mlp = (x: Tensor) => x.linear(w1, b1).gelu().linear(w2, b2).layerNorm([8], lnW, lnB, 1e-5);

describe('printGraph (FX print_readable style)', () => {
  it('prints p1 like dynamo_output_graph: typed signature, last-use clearing, sum_1 naming', () => {
    const x = randn([1024, 512], { seed: 1 });
    const g = traceGraph(p1, [x, x], { names: ['x', 'y'], sourceLocations: false });
    expect(printGraph(g)).toBe(
      [
        'class GraphModule(torch.nn.Module):',
        '    def forward(self, L_x_: "f32[1024, 512][512, 1]cpu", L_y_: "f32[1024, 512][512, 1]cpu"):',
        '        l_x_ = L_x_',
        '        l_y_ = L_y_',
        '',
        '        # No stacktrace found for following nodes',
        '        sin: "f32[1024, 512][512, 1]cpu" = l_x_.sin();  l_x_ = None',
        '        cos: "f32[1024, 512][512, 1]cpu" = l_y_.cos();  l_y_ = None',
        '        add: "f32[1024, 512][512, 1]cpu" = sin + cos;  sin = cos = None',
        '        mul: "f32[1024, 512][512, 1]cpu" = add * 2;  add = None',
        '        sub: "f32[1024, 512][512, 1]cpu" = mul - 1;  mul = None',
        '        relu: "f32[1024, 512][512, 1]cpu" = sub.relu();  sub = None',
        '        sum_1: "f32[1024][1]cpu" = relu.sum(dim = -1)',
        '        amax: "f32[][]cpu" = relu.amax();  relu = None',
        '        return (sum_1, amax)',
        '',
      ].join('\n'),
    );
  });

  it('groups nodes under the user source line that issued them', () => {
    const g = traceGraph(p3, [randn([8, 16], { seed: 1 })], { names: ['x'] });
    const text = printGraph(g);
    expect(text).toContain('# File: ');
    expect(text).toMatch(
      /ir\.test\.ts:\d+ in p3, code: const p3 = \(x: Tensor\) => x\.exp\(\)\.mul\(2\)\.softmax\(-1\);/,
    );
    expect(text).toContain('softmax: "f32[8, 16][16, 1]cpu" = mul.softmax(dim = -1);  mul = None');
    expect(text.trimEnd().endsWith('return (softmax,)')).toBe(true);
  });

  it('prints views with their strides, composites as torch functions, constants as attributes', () => {
    const g = traceGraph(mlp, [randn([4, 8], { seed: 2 })], { names: ['x'], sourceLocations: false });
    const text = printGraph(g);
    expect(text).toContain(
      'linear: "f32[4, 16][16, 1]cpu" = torch._C._nn.linear(l_x_, _tensor_constant0, _tensor_constant1)',
    );
    expect(text).toContain(
      'gelu: "f32[4, 16][16, 1]cpu" = torch._C._nn.gelu(linear, approximate = \'none\')',
    );
    expect(text).toContain(
      'layer_norm: "f32[4, 8][8, 1]cpu" = torch.nn.functional.layer_norm(linear_1, (8,), _tensor_constant4, _tensor_constant5, 1e-05)',
    );
    const t = traceGraph((x: Tensor) => x.t().slice(0, 1), [randn([3, 4], { seed: 1 })], {
      sourceLocations: false,
    });
    expect(printGraph(t)).toContain(
      'slice_1: "f32[3, 3][1, 4]cpu" = transpose.slice(dim = 0, start = 1, step = 1)',
    );
  });

  it('spells Python literals', () => {
    expect([py(1e-5), py(2), py(0.5), py(true), py(null), py([1, -1]), py('tanh')]).toEqual([
      '1e-05',
      '2',
      '0.5',
      'True',
      'None',
      '[1, -1]',
      "'tanh'",
    ]);
  });
});

describe('reference interpreter', () => {
  const cases: [string, (...xs: Tensor[]) => Tensor | Tensor[], Tensor[]][] = [
    ['p1', p1, [randn([32, 16], { seed: 1 }), randn([32, 16], { seed: 2 })]],
    ['p3', p3, [randn([8, 16], { seed: 3 })]],
    ['mlp', mlp, [randn([4, 8], { seed: 4 })]],
    [
      'views+cat',
      (x) => x.t().reshape(-1, 2).slice(0, 1, 5).expand(2, 4, 2).sum(0),
      [randn([4, 3], { seed: 5 })],
    ],
  ];

  it.each(cases)('%s: interpreting the recorded graph equals eager execution', (_name, fn, inputs) => {
    const g = traceGraph(fn, inputs, { sourceLocations: false });
    const eager = [fn(...inputs)].flat();
    const got = interpret(g, inputs);
    expect(got.length).toBe(eager.length);
    got.forEach((t, i) => {
      expect(maxAbsDiff(t, eager[i])).toBe(0);
    });
  });

  it.each(cases)(
    '%s: the decomposed graph has only primitives and still matches eager',
    (_name, fn, inputs) => {
      const d = decompose(traceGraph(fn, inputs, { sourceLocations: false }));
      const categories = d.nodes.filter((n) => n.kind === 'call').map((n) => getOp(n.op).category);
      expect(categories).not.toContain('composite');
      const eager = [fn(...inputs)].flat();
      interpret(d, inputs).forEach((t, i) => {
        expect(maxAbsDiff(t, eager[i])).toBeLessThan(1e-4);
      });
    },
  );

  it('rejects inputs of the wrong shape or count', () => {
    const g = traceGraph(p3, [randn([8, 16], { seed: 1 })], { names: ['x'], sourceLocations: false });
    expect(expectCode(() => interpret(g, [randn([8, 32], { seed: 1 })]), 'E_BAD_ARGUMENT').message).toBe(
      "input 'x' has shape [8, 32] but the graph was built for [8, 16]",
    );
    expectCode(() => interpret(g, []), 'E_BAD_ARGUMENT');
  });

  it('a graph may return an input or a constant unchanged', () => {
    const c = tensor([1, 2]);
    const g = traceGraph((x: Tensor) => [x, c], [tensor([5, 6])], { sourceLocations: false });
    const [a, b] = interpret(g, [tensor([7, 8])]);
    expect(Array.from(a.toArray())).toEqual([7, 8]);
    expect(Array.from(b.toArray())).toEqual([1, 2]);
  });
});
