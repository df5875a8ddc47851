import { describe, expect, it } from 'vitest';
import { arange, tensor } from '../../src/runtime/index.js';
import { expectCode, expectTensor } from './helpers.js';

const x = tensor([
  [1, 2, 3],
  [4, 5, 6],
]);
// [2, 3, 4] with values 0..23
const c = arange(24).reshape(2, 3, 4);

describe('sum / mean / amax', () => {
  it('over all dims when no dim is given (0-d result)', () => {
    expectTensor(x.sum(), 21, []);
    expectTensor(x.mean(), 3.5, []);
    expectTensor(x.amax(), 6, []);
    expect(c.sum().item()).toBe(276);
  });

  it('over one dim, negative dims, keepdim', () => {
    expectTensor(x.sum(0), [5, 7, 9]);
    expectTensor(x.sum(-1), [6, 15]);
    expectTensor(x.sum(1, true), [[6], [15]]);
    expectTensor(x.mean(-2, true), [[2.5, 3.5, 4.5]]);
    expectTensor(x.amax(-1), [3, 6]);
    expectTensor(x.amax(0, true), [[4, 5, 6]]);
  });

  it('over several dims of a 3-D tensor', () => {
    // sum over dims 0 and 2: for j in 0..2: sum_i sum_k (12i + 4j + k)
    expectTensor(
      c.sum([0, 2]),
      [0, 1, 2].map((j) => 2 * (4 * 4 * j + 6) + 4 * 12),
    );
    expectTensor(c.amax([-1, 0], true), [[[15], [19], [23]]]);
    expectTensor(c.mean([1]), [
      [4, 5, 6, 7],
      [16, 17, 18, 19],
    ]);
  });

  it('reduces non-contiguous views correctly', () => {
    expectTensor(x.t().sum(-1), [5, 7, 9]);
    expectTensor(c.permute(2, 0, 1).amax(0), [
      [3, 7, 11],
      [15, 19, 23],
    ]);
    expectTensor(tensor([1, 2, 3]).expand(4, 3).sum(0), [4, 8, 12]);
    expectTensor(c.slice(2, 1, 4, 2).sum(-1), [
      [4, 12, 20],
      [28, 36, 44],
    ]);
  });

  it('amax propagates NaN like torch.amax', () => {
    expectTensor(tensor([1, Number.NaN, 3]).amax(), Number.NaN, []);
  });

  it('rejects bad and repeated dims', () => {
    expectCode(() => x.sum(2), 'E_BAD_DIM');
    expectCode(() => x.sum(-3), 'E_BAD_DIM');
    expectCode(() => x.sum([0, -2]), 'E_BAD_ARGUMENT');
  });
});

describe('softmax / logSoftmax', () => {
  it('matches hand values and is stable for large inputs', () => {
    const s = tensor([[1, 2, 3]]).softmax(-1);
    expectTensor(s, [[0.09003057, 0.24472847, 0.66524096]]);
    const big = tensor([[1000, 1001, 1002]]).softmax(1);
    expectTensor(big, [[0.09003057, 0.24472847, 0.66524096]]);
    expectTensor(tensor([[1000, 1001, 1002]]).logSoftmax(-1), [[-2.40760596, -1.40760596, -0.40760596]]);
  });

  it('along dim 0', () => {
    const s = tensor([
      [0, 0],
      [Math.log(3), 0],
    ]).softmax(0);
    expectTensor(s, [
      [0.25, 0.5],
      [0.75, 0.5],
    ]);
  });
});

describe('layerNorm and linear', () => {
  it('layerNorm over the last dim with weight and bias', () => {
    const y = x.layerNorm([3], tensor([1, 2, 3]), tensor([0, 1, 0]));
    const z = 1.2247356; // 1/sqrt(2/3 + 1e-5)
    expectTensor(y, [
      [-z, 1, 3 * z],
      [-z, 1, 3 * z],
    ]);
  });

  it('layerNorm over the last two dims, without affine parameters', () => {
    const y = x.layerNorm([2, 3]);
    const sd = Math.sqrt(35 / 12 + 1e-5);
    expectTensor(
      y,
      [
        [1, 2, 3],
        [4, 5, 6],
      ].map((r) => r.map((v) => (v - 3.5) / sd)),
    );
  });

  it('layerNorm rejects a shape that is not the input tail (PyTorch message)', () => {
    const err = expectCode(() => x.layerNorm([2]), 'E_SHAPE_MISMATCH');
    expect(err.message).toBe(
      'Given normalized_shape=[2], expected input with shape [*, 2], but got input of size[2, 3]',
    );
    expectCode(() => x.layerNorm([3], tensor([1, 2])), 'E_SHAPE_MISMATCH');
  });

  it('linear is x @ w^T + b', () => {
    const w = tensor([
      [1, 0, 0],
      [0, 1, 1],
    ]);
    expectTensor(x.linear(w, tensor([10, 20])), [
      [11, 25],
      [14, 31],
    ]);
    expectTensor(x.linear(w), [
      [1, 5],
      [4, 11],
    ]);
    expectTensor(tensor([1, 2, 3]).linear(w), [1, 5]);
  });
});
