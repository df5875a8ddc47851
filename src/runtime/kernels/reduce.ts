/** Eager reductions over a set of dims: one odometer pass, float64 accumulators, float32 result. */
import { contiguousStrides, numel } from '../core/shape.js';
import type { StridedArray } from '../core/types.js';

export type ReduceKind = 'sum' | 'max';

/**
 * Reduces `x` over `dims` (normalised, unique). The result is laid out in the keepdim shape
 * (reduced dims become 1), which is also the layout of the non-keepdim shape.
 */
export function reduce(x: StridedArray, dims: readonly number[], kind: ReduceKind): Float32Array {
  const rank = x.shape.length;
  const keepShape = x.shape.map((d, i) => (dims.includes(i) ? 1 : d));
  const outStrides = contiguousStrides(keepShape).map((s, i) => (dims.includes(i) ? 0 : s));
  const acc = new Float64Array(numel(keepShape)).fill(kind === 'sum' ? 0 : Number.NEGATIVE_INFINITY);
  const n = numel(x.shape);
  const src = x.storage;
  if (n > 0 && rank === 0) {
    acc[0] = kind === 'sum' ? src[x.offset] : src[x.offset];
  } else if (n > 0) {
    const inner = x.shape[rank - 1];
    const is = x.strides[rank - 1];
    const os = outStrides[rank - 1];
    const idx = new Int32Array(rank);
    let q = x.offset;
    let oq = 0;
    for (let r = 0, outer = n / inner; r < outer; r++) {
      let i = q;
      let o = oq;
      if (kind === 'sum') {
        for (let j = 0; j < inner; j++, i += is, o += os) acc[o] += src[i];
      } else {
        // Math.max propagates NaN like torch.amax.
        for (let j = 0; j < inner; j++, i += is, o += os) acc[o] = Math.max(acc[o], src[i]);
      }
      for (let d = rank - 2; d >= 0; d--) {
        idx[d]++;
        q += x.strides[d];
        oq += outStrides[d];
        if (idx[d] < x.shape[d]) break;
        q -= x.strides[d] * x.shape[d];
        oq -= outStrides[d] * x.shape[d];
        idx[d] = 0;
      }
    }
  }
  return Float32Array.from(acc);
}
