import { describe, expect, it } from 'vitest';
import { arange, tensor } from '../../src/runtime/index.js';
import { expectCode, expectTensor } from './helpers.js';

const A = tensor([
  [1, 2, 3],
  [4, 5, 6],
]);
const B = tensor([
  [1, 0],
  [0, 1],
  [1, 1],
]);

describe('matmul like torch.matmul', () => {
  it('2-D x 2-D', () => {
    expectTensor(A.matmul(B), [
      [4, 5],
      [10, 11],
    ]);
  });

  it('1-D x 1-D is a 0-d dot product', () => {
    expectTensor(tensor([1, 2, 3]).matmul(tensor([4, 5, 6])), 32, []);
  });

  it('1-D x 2-D prepends then removes a dim; 2-D x 1-D appends then removes', () => {
    expectTensor(tensor([1, 1]).matmul(A), [5, 7, 9]);
    expectTensor(A.matmul(tensor([1, 0, -1])), [-2, -2]);
  });

  it('batched N-D with broadcast batch dims', () => {
    const batch = arange(12).reshape(2, 2, 3); // two 2x3 matrices
    const r = batch.matmul(B); // [2,2,3] @ [3,2]
    expectTensor(r, [
      [
        [2, 3],
        [8, 9],
      ],
      [
        [14, 15],
        [20, 21],
      ],
    ]);
    // [2,1,2,3] @ [3,3,2] -> [2,3,2,2]
    const left = arange(12).reshape(2, 1, 2, 3);
    const right = tensor([B.tolist(), B.mul(2).tolist(), B.mul(0).tolist()] as number[][][]);
    const out = left.matmul(right);
    expect(out.shape).toEqual([2, 3, 2, 2]);
    expectTensor(out.slice(0, 1, 2).slice(1, 1, 2).reshape(2, 2), [
      [2 * 14, 2 * 15],
      [2 * 20, 2 * 21],
    ]);
    // 1-D x 3-D: [3] @ [2,3,2] -> [2,2]
    expectTensor(tensor([1, 0, 1]).matmul(arange(12).reshape(2, 3, 2)), [
      [4, 6],
      [16, 18],
    ]);
    // 3-D x 1-D: [2,2,3] @ [3] -> [2,2]
    expectTensor(batch.matmul(tensor([1, 1, 1])), [
      [3, 12],
      [21, 30],
    ]);
  });

  it('non-contiguous operands (transposed views)', () => {
    expectTensor(A.matmul(A.t()), [
      [14, 32],
      [32, 77],
    ]);
    expectTensor(A.t().matmul(A), [
      [17, 22, 27],
      [22, 29, 36],
      [27, 36, 45],
    ]);
  });

  it('shape errors with PyTorch messages', () => {
    expect(expectCode(() => A.matmul(A), 'E_SHAPE_MISMATCH').message).toBe(
      'mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)',
    );
    expectCode(() => tensor([1, 2]).matmul(tensor([1, 2, 3])), 'E_SHAPE_MISMATCH');
    expectCode(() => tensor(1).matmul(A), 'E_SHAPE_MISMATCH');
    expectCode(
      () =>
        arange(12)
          .reshape(2, 2, 3)
          .matmul(arange(27).reshape(3, 3, 3)),
      'E_SHAPE_MISMATCH',
    );
  });
});
