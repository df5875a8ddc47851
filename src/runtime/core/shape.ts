/** Shape and stride arithmetic: broadcasting, dim normalisation, viewability (PyTorch's rules). */
import { badDim, shapeMismatch } from './errors.js';

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** True when the strides are row-major for the shape (size-1 dims may have any stride, like PyTorch). */
export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/** Maps a possibly negative dim into [0, rank); a 0-d tensor accepts dims -1 and 0 like PyTorch. */
export function normalizeDim(dim: number, rank: number): number {
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r) throw badDim(dim, r);
  return dim < 0 ? dim + r : dim;
}

/** numpy/PyTorch broadcasting of two shapes; throws PyTorch's message on mismatch. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw shapeMismatch(
        `The size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i}`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read `meta` as if it had `shape` (stride 0 on broadcast dims). Assumes compatibility. */
export function broadcastStrides(
  shape: readonly number[],
  strides: readonly number[],
  target: readonly number[],
): number[] {
  const out = new Array<number>(target.length).fill(0);
  const lead = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[lead + i] = shape[i] === 1 ? 0 : strides[i];
  return out;
}

/**
 * Strides for viewing (shape, strides) as newShape without copying, or null when impossible.
 * Port of PyTorch's computeStride (aten/src/ATen/TensorUtils.cpp).
 */
export function viewStrides(
  shape: readonly number[],
  strides: readonly number[],
  newShape: readonly number[],
): number[] | null {
  const out = new Array<number>(newShape.length);
  if (shape.length === 0) return newShape.map(() => 1);
  if (numel(shape) === 0) return contiguousStrides(newShape);
  let viewD = newShape.length - 1;
  let chunkBase = strides[strides.length - 1];
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d];
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? out : null;
}

/** Resolves one -1 in a requested shape and checks the element count (PyTorch's infer_size). */
export function inferSize(requested: readonly number[], total: number): number[] {
  let infer = -1;
  let known = 1;
  requested.forEach((d, i) => {
    if (d === -1) {
      if (infer >= 0) throw shapeMismatch('only one dimension can be inferred');
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw shapeMismatch(`invalid shape dimension ${d}`);
    } else known *= d;
  });
  const out = [...requested];
  if (infer >= 0 && known !== 0 && total % known === 0) out[infer] = total / known;
  if (numel(out) !== total || (infer >= 0 && known === 0)) {
    throw shapeMismatch(`shape '${formatShape(requested)}' is invalid for input of size ${total}`);
  }
  return out;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
