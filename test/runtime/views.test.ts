import { describe, expect, it } from 'vitest';
import { arange, cat, tensor } from '../../src/runtime/index.js';
import { expectCode, expectTensor } from './helpers.js';

const x = arange(6).reshape(2, 3);

describe('views share storage where PyTorch views do', () => {
  it('reshape/view of a contiguous tensor alias its storage', () => {
    const v = x.view(3, 2);
    expect(v.storage).toBe(x.storage);
    expect(x.reshape([6]).storage).toBe(x.storage);
    expect(x.view(-1, 2).shape).toEqual([3, 2]);
    expectTensor(v, [
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
  });

  it('permute / transpose / t / expand / slice are views with PyTorch strides', () => {
    const p = arange(24).reshape(2, 3, 4).permute(2, 0, 1);
    expect(p.shape).toEqual([4, 2, 3]);
    expect(p.strides).toEqual([1, 12, 4]);
    const t = x.transpose(0, -1);
    expect(t.storage).toBe(x.storage);
    expect(t.strides).toEqual([1, 3]);
    expect(x.t().isContiguous()).toBe(false);
    const e = tensor([[1], [2]]).expand(2, 4);
    expect(e.strides).toEqual([1, 0]);
    expectTensor(e, [
      [1, 1, 1, 1],
      [2, 2, 2, 2],
    ]);
    expect(tensor([1, 2, 3]).expand(2, -1).strides).toEqual([0, 1]);
    const s = x.slice(1, 1, 3);
    expect(s.storage).toBe(x.storage);
    expect(s.offset).toBe(1);
    expectTensor(s, [
      [1, 2],
      [4, 5],
    ]);
  });

  it('slice follows Python slicing: negatives, clamping, steps, empty', () => {
    const r = arange(10);
    expectTensor(r.slice(0, -3), [7, 8, 9]);
    expectTensor(r.slice(0, 2, 100, 3), [2, 5, 8]);
    expectTensor(r.slice(0, 5, 2), [], [0]);
    expectTensor(r.slice(0, null, -8), [0, 1]);
    expectCode(() => r.slice(0, 0, 5, 0), 'E_BAD_ARGUMENT');
  });

  it('view on non-viewable strides fails like PyTorch; reshape copies instead', () => {
    const err = expectCode(() => x.t().view(6), 'E_VIEW_STRIDES');
    expect(err.message).toContain('Use .reshape(...) instead.');
    const r = x.t().reshape(6);
    expect(r.storage).not.toBe(x.storage);
    expectTensor(r, [0, 3, 1, 4, 2, 5]);
    // but a transposed tensor can still view where the dims it merges are adjacent in memory
    const y = arange(24).reshape(2, 3, 4).permute(1, 0, 2); // [3,2,4] strides [4,12,1]
    expect(y.view(3, 2, 2, 2).storage).toBe(y.storage);
    expectCode(() => y.view(6, 4), 'E_VIEW_STRIDES');
  });

  it('views of views compose offsets and strides', () => {
    const z = arange(24).reshape(4, 6).slice(0, 1, 3).slice(1, 2, 6, 2).t();
    expectTensor(z, [
      [8, 14],
      [10, 16],
    ]);
    expect(z.offset).toBe(8);
  });

  it('contiguous() returns an alias when already contiguous, a copy otherwise', () => {
    expect(x.contiguous().storage).toBe(x.storage);
    const c = x.t().contiguous();
    expect(c.storage).not.toBe(x.storage);
    expect(c.isContiguous()).toBe(true);
    expectTensor(c, [
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
  });

  it('reshape checks sizes with PyTorch wording', () => {
    const err = expectCode(() => x.reshape(4, 2), 'E_SHAPE_MISMATCH');
    expect(err.message).toBe("shape '[4, 2]' is invalid for input of size 6");
    expectCode(() => x.reshape(-1, -1), 'E_SHAPE_MISMATCH');
    expectTensor(tensor([5]).reshape([]), 5, []);
  });

  it('expand errors on a non-singleton mismatch', () => {
    const err = expectCode(() => x.expand(2, 4), 'E_SHAPE_MISMATCH');
    expect(err.message).toBe(
      'The expanded size of the tensor (4) must match the existing size (3) at non-singleton dimension 1.  Target sizes: [2, 4].  Tensor sizes: [2, 3]',
    );
  });

  it('expand rejects -1 in a new leading dim and fewer sizes than dims', () => {
    expect(expectCode(() => tensor([1, 2]).expand(-1, 2), 'E_SHAPE_MISMATCH').message).toBe(
      "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension 0",
    );
    expectCode(() => x.expand(3), 'E_SHAPE_MISMATCH');
  });

  it('permute rejects wrong length and duplicates', () => {
    expectCode(() => x.permute(0), 'E_BAD_DIM');
    expectCode(() => x.permute(1, 1), 'E_BAD_DIM');
    expectCode(() => x.permute(0, 2), 'E_BAD_DIM');
  });
});

describe('cat', () => {
  const a = arange(6).reshape(2, 3);
  const b = arange(6, 12).reshape(2, 3);
  it('along each dim of a 2-D tensor', () => {
    expectTensor(cat([a, b], 0), [
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8],
      [9, 10, 11],
    ]);
    expectTensor(cat([a, b], 1), [
      [0, 1, 2, 6, 7, 8],
      [3, 4, 5, 9, 10, 11],
    ]);
    expectTensor(cat([a, b], -1), [
      [0, 1, 2, 6, 7, 8],
      [3, 4, 5, 9, 10, 11],
    ]);
  });

  it('along each dim of a 3-D tensor, with different sizes and non-contiguous parts', () => {
    const p = arange(8).reshape(2, 2, 2);
    const q = arange(100, 104).reshape(2, 2, 1).permute(2, 1, 0); // [1,2,2] non-contiguous
    expectTensor(cat([p, q], 0), [
      [
        [0, 1],
        [2, 3],
      ],
      [
        [4, 5],
        [6, 7],
      ],
      [
        [100, 102],
        [101, 103],
      ],
    ]);
    expectTensor(cat([p, p.slice(1, 0, 1)], 1), [
      [
        [0, 1],
        [2, 3],
        [0, 1],
      ],
      [
        [4, 5],
        [6, 7],
        [4, 5],
      ],
    ]);
    expectTensor(cat([p, arange(2).reshape(2, 1, 1).expand(2, 2, 1)], 2), [
      [
        [0, 1, 0],
        [2, 3, 0],
      ],
      [
        [4, 5, 1],
        [6, 7, 1],
      ],
    ]);
  });

  it('errors like PyTorch', () => {
    expect(expectCode(() => cat([a, arange(4).reshape(2, 2)], 0), 'E_SHAPE_MISMATCH').message).toBe(
      'Sizes of tensors must match except in dimension 0. Expected size 3 but got size 2 for tensor number 1 in the list.',
    );
    expectCode(() => cat([a, arange(3)], 0), 'E_SHAPE_MISMATCH');
    expectCode(() => cat([], 0), 'E_BAD_ARGUMENT');
    expectCode(() => cat([a, b], 2), 'E_BAD_DIM');
  });
});
