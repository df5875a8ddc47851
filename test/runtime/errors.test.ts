import { describe, expect, it } from 'vitest';
import { arange, cat, randn, tensor, zeros } from '../../src/runtime/index.js';
import { expectCode } from './helpers.js';

// Messages follow PyTorch's wording so users can search for them; codes are the stable contract.
describe('runtime error catalogue', () => {
  const a = zeros([2, 3]);

  it('E_SHAPE_MISMATCH: broadcasting names the output dimension like PyTorch', () => {
    expect(expectCode(() => a.add(zeros([2, 4])), 'E_SHAPE_MISMATCH').message).toBe(
      'The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1',
    );
    expect(expectCode(() => zeros([3]).mul(zeros([2, 4])), 'E_SHAPE_MISMATCH').message).toBe(
      'The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1',
    );
    expect(expectCode(() => zeros([5, 1, 3]).sub(zeros([4, 2, 1])), 'E_SHAPE_MISMATCH').message).toBe(
      'The size of tensor a (5) must match the size of tensor b (4) at non-singleton dimension 0',
    );
    expectCode(() => a.where(zeros([3, 1]), 0), 'E_SHAPE_MISMATCH');
    expectCode(() => a.linear(zeros([4, 2])), 'E_SHAPE_MISMATCH');
    expectCode(() => a.linear(zeros([4, 3]), zeros([3])), 'E_SHAPE_MISMATCH');
    expectCode(() => tensor([1, 2, 3, 4, 5], [2, 2]), 'E_SHAPE_MISMATCH');
    expectCode(() => tensor([[1, 2], [3]]), 'E_SHAPE_MISMATCH');
  });

  it('E_BAD_DIM: PyTorch range text', () => {
    const err = expectCode(() => a.softmax(2), 'E_BAD_DIM');
    expect(err.message).toBe('Dimension out of range (expected to be in range of [-2, 1], but got 2)');
    expect(err.hint).toContain('2 dimension(s)');
    expectCode(() => a.transpose(0, -3), 'E_BAD_DIM');
    expectCode(() => a.slice(5, 0, 1), 'E_BAD_DIM');
    expectCode(() => a.logSoftmax(-3), 'E_BAD_DIM');
    expectCode(() => cat([a, a], -3), 'E_BAD_DIM');
  });

  it('E_VIEW_STRIDES only from view(); reshape never raises it', () => {
    const t = arange(12).reshape(3, 4).t();
    expectCode(() => t.view(12), 'E_VIEW_STRIDES');
    expect(t.reshape(12).shape).toEqual([12]);
    // [2,2] with strides [4,2] is one evenly strided run: viewable, as in PyTorch
    expect(arange(8).reshape(2, 4).slice(1, 0, 4, 2).view(4).strides).toEqual([2]);
    expectCode(() => arange(8).reshape(2, 4).slice(1, 0, 3).view(6), 'E_VIEW_STRIDES');
  });

  it('E_ITEM_NUMEL, E_BAD_ARGUMENT', () => {
    expect(expectCode(() => a.item(), 'E_ITEM_NUMEL').message).toBe(
      'a Tensor with 6 elements cannot be converted to Scalar',
    );
    expect(zeros([1, 1]).add(7).item()).toBe(7);
    expectCode(() => zeros([-1]), 'E_BAD_ARGUMENT');
    expectCode(() => randn([2], { seed: 1.5 }), 'E_BAD_ARGUMENT');
    expectCode(() => arange(0, 5, 0), 'E_BAD_ARGUMENT');
    expectCode(() => a.gelu('fast' as 'tanh'), 'E_BAD_ARGUMENT');
  });

  it('errors are CompilogErrors with a JSON form scripts can match on', () => {
    const err = expectCode(() => a.matmul(a), 'E_SHAPE_MISMATCH');
    expect(err.toJSON()).toEqual({
      code: 'E_SHAPE_MISMATCH',
      message: 'mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)',
    });
  });
});
