import { describe, expect, it } from 'vitest';
import {
  type DispatchMode,
  dispatch,
  GraphRecorder,
  type MaterializeReason,
  materialize,
  randn,
  Tensor,
  tensor,
  withMode,
} from '../../src/runtime/index.js';
import { expectCode, expectTensor } from './helpers.js';

/** A pass-through mode that records the op names it sees. */
function counter(): DispatchMode & { seen: string[] } {
  const seen: string[] = [];
  return {
    name: 'counter',
    seen,
    dispatch: (op, _inputs, _attrs, _meta, next) => {
      seen.push(op.name);
      return next();
    },
  };
}

describe('dispatch and modes', () => {
  it('every Tensor method reaches the one dispatch point, once per call', () => {
    const mode = counter();
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    const y = withMode(mode, () => x.add(1).softmax(-1).sum().mul(x.t().matmul(x).amax()));
    // softmax is one call: its decomposition runs below the mode, not through it again
    expect(mode.seen).toEqual(['add', 'softmax', 'sum', 'transpose', 'matmul', 'amax', 'mul']);
    expectTensor(y, 2 * 20, []);
  });

  it('ops a handler issues do not re-enter it but reach the modes below; nested modes see calls top first', () => {
    const outer = counter();
    const inner: DispatchMode & { seen: string[] } = {
      name: 'inner',
      seen: [],
      dispatch(op, inputs, _attrs, _meta, next) {
        this.seen.push(op.name);
        // an extra op issued from inside a handler goes only to the modes below this one
        if (op.name === 'exp') (inputs[0] as Tensor).neg();
        return next();
      },
    };
    withMode(outer, () => withMode(inner, () => tensor([1]).exp()));
    // inner never sees its own neg; the mode below sees it, then the exp passed on by next()
    expect(inner.seen).toEqual(['exp']);
    expect(outer.seen).toEqual(['neg', 'exp']);
    outer.seen.length = 0;
    const seenInner: string[] = [];
    withMode(outer, () =>
      withMode(
        {
          name: 'spy',
          dispatch: (op, _i, _a, _m, next) => {
            seenInner.push(op.name);
            return next();
          },
        },
        () => tensor([1]).sin(),
      ),
    );
    expect(seenInner).toEqual(['sin']);
    expect(outer.seen).toEqual(['sin']);
  });

  it('shape errors are raised before any mode sees the call (same errors in capture and eager)', () => {
    const mode = counter();
    expectCode(() => withMode(mode, () => tensor([1, 2, 3]).add(tensor([1, 2]))), 'E_SHAPE_MISMATCH');
    expect(mode.seen).toEqual([]);
  });

  it('dispatch by name with scalars; unknown ops and wrong arity are coded errors', () => {
    const r = Tensor.wrap(dispatch('add', [tensor([1, 2]), 3]));
    expectTensor(r, [4, 5]);
    expectCode(() => dispatch('frobnicate', [tensor([1])]), 'E_BAD_ARGUMENT');
    expectCode(() => dispatch('add', [tensor([1])]), 'E_BAD_ARGUMENT');
  });
});

describe('lazy tensors and the materialisation hook', () => {
  it('a recording mode returns lazy tensors carrying only metadata', () => {
    const rec = new GraphRecorder({ sourceLocations: false });
    const x = rec.input('x', randn([4, 8], { seed: 1 }));
    const y = withMode(rec, () => x.matmul(x.t()).relu().sum(-1, true));
    expect(y.isLazy).toBe(true);
    expect(y.shape).toEqual([4, 1]);
    expect(y.strides).toEqual([1, 1]);
    expect(rec.graph.nodes.map((n) => n.op)).toEqual(['', 'transpose', 'matmul', 'relu', 'sum']);
  });

  it('item() / toArray() on a lazy tensor reach the mode: a graph break unless it supplies data', () => {
    const rec = new GraphRecorder({ sourceLocations: false });
    const x = rec.input('x', tensor([1, 2]));
    const err = expectCode(() => withMode(rec, () => x.sum().item()), 'E_GRAPH_BREAK');
    expect(err.message).toContain("item() needs the value of 'sum_1'");
    expectCode(() => withMode(rec, () => x.toArray()), 'E_GRAPH_BREAK');

    const reasons: MaterializeReason[] = [];
    const lenient = new GraphRecorder({
      sourceLocations: false,
      onMaterialize: (t, node, reason) => {
        reasons.push(reason);
        return node.op === 'sum'
          ? new Float32Array([42])
          : new Float32Array(t.shape.reduce((a, b) => a * b, 1));
      },
    });
    const z = lenient.input('z', tensor([1, 2]));
    const v = withMode(lenient, () => z.sum().item());
    expect(v).toBe(42);
    withMode(lenient, () => z.toArray());
    expect(reasons).toEqual(['item', 'toArray']);
  });

  it('a lazy tensor outside its capture cannot be read or computed with', () => {
    const rec = new GraphRecorder({ sourceLocations: false });
    const x = rec.input('x', tensor([1, 2]));
    const y = withMode(rec, () => x.exp());
    expectCode(() => y.item(), 'E_ITEM_NUMEL');
    expectCode(() => y.toArray(), 'E_LAZY_TENSOR');
    expectCode(() => y.add(1), 'E_LAZY_TENSOR');
    expectCode(() => materialize(y, 'toArray'), 'E_LAZY_TENSOR');
    const other = new GraphRecorder({ sourceLocations: false });
    expectCode(() => withMode(other, () => y.add(1)), 'E_LAZY_TENSOR');
  });

  it('real tensors used during recording become constant nodes (one per tensor)', () => {
    const w = tensor([1, 2, 3]);
    const rec = new GraphRecorder({ sourceLocations: false });
    const x = rec.input('x', tensor([0, 0, 0]));
    withMode(rec, () => x.mul(w).add(w).sub(w.t()));
    const constants = rec.graph.nodes.filter((n) => n.kind === 'constant');
    expect(constants.map((n) => n.name)).toEqual(['_tensor_constant0']);
  });
});
