/** Reductions over `dim` (an int, a list, or null for all dims) with `keepdim`. */
import type { Attrs, OperandMeta, StridedArray } from '../core/types.js';
import { type ReduceKind, reduce } from '../kernels/reduce.js';
import { contiguousMeta, reductionDims, tensorArg } from './meta.js';
import type { OpDef, OutMeta } from './op-def.js';

/** Output shape of reducing `shape` over `dims` (normalised). */
export function reducedShape(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
  return keepdim
    ? shape.map((d, i) => (dims.includes(i) ? 1 : d))
    : shape.filter((_, i) => !dims.includes(i));
}

export function reductionMeta(name: string, inputs: readonly OperandMeta[], attrs: Attrs): OutMeta {
  const x = tensorArg(inputs[0], name);
  const dims = reductionDims(attrs.dim, x.shape.length);
  return contiguousMeta(reducedShape(x.shape, dims, attrs.keepdim === true));
}

function reduction(name: string, kind: ReduceKind): OpDef {
  return {
    name,
    category: 'reduction',
    arity: 1,
    print: { kind: 'method', name },
    inferMeta: (inputs, attrs) => reductionMeta(name, inputs, attrs),
    eager(inputs: readonly (StridedArray | number)[], attrs: Attrs): Float32Array {
      const x = inputs[0] as StridedArray;
      return reduce(x, reductionDims(attrs.dim, x.shape.length), kind);
    },
  };
}

export const REDUCTION_OPS: readonly OpDef[] = [reduction('sum', 'sum'), reduction('amax', 'max')];
