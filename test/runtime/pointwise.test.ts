import { describe, expect, it } from 'vitest';
import { arange, tensor, where } from '../../src/runtime/index.js';
import { expectTensor } from './helpers.js';

const x = tensor([
  [1, 2, 3],
  [4, 5, 6],
]);

describe('pointwise unary ops', () => {
  const v = tensor([-2, -0.5, 0, 0.5, 2]);
  it.each([
    ['neg', [2, 0.5, -0, -0.5, -2]],
    ['exp', [-2, -0.5, 0, 0.5, 2].map(Math.exp)],
    ['sin', [-2, -0.5, 0, 0.5, 2].map(Math.sin)],
    ['cos', [-2, -0.5, 0, 0.5, 2].map(Math.cos)],
    ['tanh', [-2, -0.5, 0, 0.5, 2].map(Math.tanh)],
    ['relu', [0, 0, 0, 0.5, 2]],
    ['sigmoid', [0.11920292, 0.37754067, 0.5, 0.62245933, 0.88079708]],
    ['abs', [2, 0.5, 0, 0.5, 2]],
    // erf values from tables (scipy.special.erf)
    ['erf', [-0.99532227, -0.52049988, 0, 0.52049988, 0.99532227]],
  ] as const)('%s', (name, want) => {
    const t = (v as unknown as Record<string, () => typeof v>)[name]();
    expectTensor(t, [...want]);
  });

  it('log and sqrt, including NaN for negatives like PyTorch', () => {
    expectTensor(tensor([1, Math.E, 4]).log(), [0, 1, Math.log(4)]);
    expectTensor(tensor([4, 9, -1]).sqrt(), [2, 3, Number.NaN]);
    expectTensor(tensor([0]).log(), [Number.NEGATIVE_INFINITY]);
  });

  it('gelu: exact erf form by default, tanh approximation on request (torch values)', () => {
    const g = tensor([-1, 0, 1, 2]);
    expectTensor(g.gelu(), [-0.15865525, 0, 0.84134475, 1.95449974]);
    expectTensor(g.gelu('tanh'), [-0.15880801, 0, 0.84119199, 1.95459769]);
  });

  it('relu keeps NaN (Math.max semantics, like torch.relu)', () => {
    expectTensor(tensor([Number.NaN, -1]).relu(), [Number.NaN, 0]);
  });
});

describe('pointwise binary ops with broadcasting and scalars', () => {
  it('scalar operands like Python numbers', () => {
    expectTensor(x.add(1), [
      [2, 3, 4],
      [5, 6, 7],
    ]);
    expectTensor(x.mul(0.5), [
      [0.5, 1, 1.5],
      [2, 2.5, 3],
    ]);
    expectTensor(x.sub(1).div(2), [
      [0, 0.5, 1],
      [1.5, 2, 2.5],
    ]);
    expectTensor(x.pow(2), [
      [1, 4, 9],
      [16, 25, 36],
    ]);
  });

  it('row and column broadcasting', () => {
    expectTensor(x.add(tensor([10, 20, 30])), [
      [11, 22, 33],
      [14, 25, 36],
    ]);
    expectTensor(x.mul(tensor([[2], [3]])), [
      [2, 4, 6],
      [12, 15, 18],
    ]);
    // [2,1] op [3] -> [2,3]
    expectTensor(tensor([[1], [2]]).sub(tensor([1, 2, 3])), [
      [0, -1, -2],
      [1, 0, -1],
    ]);
    // 0-d tensor broadcasts everywhere
    expectTensor(x.div(tensor(2)), [
      [0.5, 1, 1.5],
      [2, 2.5, 3],
    ]);
  });

  it('rank-extending broadcast [2,1,3] x [4,1] -> [2,4,3]', () => {
    const a = arange(6).reshape(2, 1, 3);
    const b = arange(4).reshape(4, 1);
    const r = a.add(b);
    expect(r.shape).toEqual([2, 4, 3]);
    const want: number[][][] = [0, 1].map((i) =>
      [0, 1, 2, 3].map((j) => [0, 1, 2].map((k) => i * 3 + k + j)),
    );
    expectTensor(r, want);
  });

  it('maximum and pow with tensor exponent', () => {
    expectTensor(tensor([1, 5, -3]).maximum(tensor([2, 4, -4])), [2, 5, -3]);
    expectTensor(tensor([2, 3]).pow(tensor([3, 2])), [8, 9]);
    expectTensor(tensor([1, Number.NaN]).maximum(0), [1, Number.NaN]);
  });

  it('non-contiguous inputs (transposed, sliced, expanded)', () => {
    expectTensor(x.t().add(1), [
      [2, 5],
      [3, 6],
      [4, 7],
    ]);
    expectTensor(x.slice(1, 0, 3, 2).mul(10), [
      [10, 30],
      [40, 60],
    ]);
    expectTensor(tensor([1, 2, 3]).expand(2, 3).add(x), [
      [2, 4, 6],
      [5, 7, 9],
    ]);
    expectTensor(x.t().mul(x.t()), [
      [1, 16],
      [4, 25],
      [9, 36],
    ]);
  });
});

describe('comparisons and where', () => {
  const a = tensor([1, 2, 3]);
  const b = tensor([3, 2, 1]);
  it.each([
    ['eq', [0, 1, 0]],
    ['ne', [1, 0, 1]],
    ['lt', [1, 0, 0]],
    ['le', [1, 1, 0]],
    ['gt', [0, 0, 1]],
    ['ge', [0, 1, 1]],
  ] as const)('%s gives float 0/1', (name, want) => {
    const t = (a as unknown as Record<string, (o: typeof b) => typeof a>)[name](b);
    expectTensor(t, [...want]);
  });

  it('comparisons with scalars and broadcasting', () => {
    expectTensor(x.gt(3), [
      [0, 0, 0],
      [1, 1, 1],
    ]);
    expectTensor(x.eq(tensor([[1], [5]])), [
      [1, 0, 0],
      [0, 1, 0],
    ]);
  });

  it('where with tensors, scalars and broadcasting; method form is self-where-cond-else-other', () => {
    const cond = x.gt(2);
    expectTensor(where(cond, x, 0), [
      [0, 0, 3],
      [4, 5, 6],
    ]);
    expectTensor(where(tensor([1, 0, 1]), x, tensor([[-1], [-2]])), [
      [1, -1, 3],
      [4, -2, 6],
    ]);
    expectTensor(x.where(cond, -1), [
      [-1, -1, 3],
      [4, 5, 6],
    ]);
  });
});
