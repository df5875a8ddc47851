/** Tensor factories and the free functions PyTorch has as torch.* (cat, where, matmul). */
import { badArgument, shapeMismatch } from './core/errors.js';
import { Xoshiro128 } from './core/random.js';
import { contiguousStrides, formatShape, numel } from './core/shape.js';
import { Tensor, type TensorOrScalar } from './tensor.js';

export type NestedNumbers = number | readonly NestedNumbers[];

function fromStorage(storage: Float32Array, shape: readonly number[]): Tensor {
  return new Tensor({
    shape: [...shape],
    strides: contiguousStrides(shape),
    offset: 0,
    dtype: 'float32',
    storage,
    lazy: null,
  });
}

function checkShape(shape: readonly number[]): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw badArgument(`invalid shape ${formatShape(shape)}: sizes must be non-negative integers`);
  }
}

/**
 * tensor([[1, 2], [3, 4]]) infers the shape from nesting; tensor(flatData, shape) takes row-major data.
 * A bare number gives a 0-d tensor.
 */
export function tensor(
  data: NestedNumbers | Float32Array | readonly number[],
  shape?: readonly number[],
): Tensor {
  if (shape !== undefined) {
    checkShape(shape);
    const flat = typeof data === 'number' ? [data] : flatten(data as NestedNumbers);
    if (flat.length !== numel(shape)) {
      throw shapeMismatch(`shape '${formatShape(shape)}' is invalid for input of size ${flat.length}`);
    }
    return fromStorage(Float32Array.from(flat), shape);
  }
  if (data instanceof Float32Array) return fromStorage(data.slice(), [data.length]);
  return fromStorage(Float32Array.from(flatten(data)), inferNestedShape(data));
}

function flatten(data: NestedNumbers | Float32Array): number[] {
  if (typeof data === 'number') return [data];
  if (data instanceof Float32Array) return Array.from(data);
  return (data as readonly NestedNumbers[]).flatMap((d) => flatten(d));
}

function inferNestedShape(data: NestedNumbers): number[] {
  if (typeof data === 'number') return [];
  const list = data as readonly NestedNumbers[];
  const inner = list.length > 0 ? inferNestedShape(list[0]) : [];
  for (const item of list) {
    const s = inferNestedShape(item);
    if (s.length !== inner.length || s.some((d, i) => d !== inner[i])) {
      throw shapeMismatch(`expected sequence of length ${inner[0] ?? 0} (ragged nested list)`);
    }
  }
  return [list.length, ...inner];
}

export function full(shape: readonly number[], value: number): Tensor {
  checkShape(shape);
  return fromStorage(new Float32Array(numel(shape)).fill(value), shape);
}
export const zeros = (shape: readonly number[]): Tensor => full(shape, 0);
export const ones = (shape: readonly number[]): Tensor => full(shape, 1);

/** arange(end), arange(start, end, step?) like torch.arange. */
export function arange(start: number, end?: number, step = 1): Tensor {
  const [from, to] = end === undefined ? [0, start] : [start, end];
  if (step === 0) throw badArgument('step must be nonzero');
  const n = Math.max(0, Math.ceil((to - from) / step));
  return fromStorage(
    Float32Array.from({ length: n }, (_, i) => from + i * step),
    [n],
  );
}

let defaultGenerator = new Xoshiro128(0);

/** torch.manual_seed: reseeds the generator randn uses when no seed is given. */
export function manualSeed(seed: number): void {
  defaultGenerator = new Xoshiro128(seed);
}

/** Standard normal samples; `{ seed }` gives a private deterministic stream. */
export function randn(shape: readonly number[], options: { seed?: number } = {}): Tensor {
  checkShape(shape);
  if (options.seed !== undefined && !Number.isInteger(options.seed))
    throw badArgument('seed must be an integer');
  const rng = options.seed === undefined ? defaultGenerator : new Xoshiro128(options.seed);
  const data = new Float32Array(numel(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng.nextNormal();
  return fromStorage(data, shape);
}

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return Tensor.op('cat', tensors, { dim });
}

export function where(condition: TensorOrScalar, input: TensorOrScalar, other: TensorOrScalar): Tensor {
  if (typeof condition === 'number' && typeof input === 'number' && typeof other === 'number') {
    throw badArgument('where() needs at least one tensor operand');
  }
  return Tensor.op('where', [condition, input, other]);
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  return a.matmul(b);
}
