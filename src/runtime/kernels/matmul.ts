/** Batched matmul on contiguous copies: i-k-j loop order (unit-stride inner loop), float64 row sums. */
import { broadcastStrides, contiguousStrides, numel } from '../core/shape.js';
import type { StridedArray } from '../core/types.js';
import { toContiguous } from './elementwise.js';

/**
 * a: [...batchA, n, k], b: [...batchB, k, m] (both at least 2-D), out: [...batch, n, m] where batch is
 * the broadcast of batchA and batchB (already checked by shape inference).
 */
export function batchedMatmul(a: StridedArray, b: StridedArray, outBatch: readonly number[]): Float32Array {
  const [n, k] = a.shape.slice(-2);
  const m = b.shape[b.shape.length - 1];
  const ad = toContiguous(a);
  const bd = toContiguous(b);
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const aStr = broadcastStrides(aBatch, contiguousStrides(aBatch), outBatch);
  const bStr = broadcastStrides(bBatch, contiguousStrides(bBatch), outBatch);
  const batches = numel(outBatch);
  const out = new Float32Array(batches * n * m);
  const row = new Float64Array(m);
  for (let t = 0; t < batches; t++) {
    // Decompose the flat batch index into the broadcast batch's coordinates.
    let rest = t;
    let aOff = 0;
    let bOff = 0;
    for (let d = outBatch.length - 1; d >= 0; d--) {
      const c = rest % outBatch[d];
      rest = (rest - c) / outBatch[d];
      aOff += c * aStr[d];
      bOff += c * bStr[d];
    }
    aOff *= n * k;
    bOff *= k * m;
    const oOff = t * n * m;
    for (let i = 0; i < n; i++) {
      row.fill(0);
      const aRow = aOff + i * k;
      for (let p = 0; p < k; p++) {
        const av = ad[aRow + p];
        const bRow = bOff + p * m;
        for (let j = 0; j < m; j++) row[j] += av * bd[bRow + j];
      }
      const oRow = oOff + i * m;
      for (let j = 0; j < m; j++) out[oRow + j] = row[j];
    }
  }
  return out;
}
