/** Small helpers shared by the op declarations' shape inference. */
import { badArgument } from '../core/errors.js';
import { contiguousStrides, normalizeDim } from '../core/shape.js';
import type { AttrValue, OperandMeta, TensorMeta } from '../core/types.js';
import type { OutMeta } from './op-def.js';

export function contiguousMeta(shape: readonly number[]): OutMeta {
  return { shape: [...shape], strides: contiguousStrides(shape), offset: 0, dtype: 'float32' };
}

export function operandShape(x: OperandMeta): readonly number[] {
  return typeof x === 'number' ? [] : x.shape;
}

export function tensorArg(x: OperandMeta | undefined, op: string, index = 0): TensorMeta {
  if (x === undefined || typeof x === 'number') {
    throw badArgument(
      `${op}(): argument ${index} must be a Tensor, not ${x === undefined ? 'missing' : 'a number'}`,
    );
  }
  return x;
}

export function numberAttr(v: AttrValue | undefined, name: string, op: string): number {
  if (typeof v !== 'number') throw badArgument(`${op}(): attribute '${name}' must be a number`);
  return v;
}

export function listAttr(v: AttrValue | undefined, name: string, op: string): readonly number[] {
  if (!Array.isArray(v)) throw badArgument(`${op}(): attribute '${name}' must be a list of integers`);
  return v as readonly number[];
}

/** Normalised, sorted, unique reduction dims; `null`/absent means all dims. */
export function reductionDims(dim: AttrValue | undefined, rank: number): number[] {
  if (dim === null || dim === undefined) return [...Array(rank).keys()];
  const list = typeof dim === 'number' ? [dim] : (listAttr(dim, 'dim', 'reduction') as number[]);
  const dims = list.map((d) => normalizeDim(d, rank));
  const seen = new Set<number>();
  for (const d of dims) {
    if (seen.has(d)) throw badArgument(`dim ${d} appears multiple times in the list of dims`);
    seen.add(d);
  }
  // A 0-d tensor reduced over dim 0/-1 reduces nothing.
  return rank === 0 ? [] : dims.sort((a, b) => a - b);
}
