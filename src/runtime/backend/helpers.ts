/**
 * Hand-written helpers the generated code calls as `H.name(...)`: erf (JS has none), the matmul
 * micro-kernels and operand packing. They are plain monomorphic functions over Float32Array/Float64Array,
 * so V8 optimises each once for every kernel that calls it.
 */
import { erf } from '../kernels/erf.js';

/**
 * Two output rows of A·Bᵀ at once (a 2x4 register block, float64 accumulators):
 * r0[j] = Σp A[a0+p]·B[b+j·ldb+p], r1[j] likewise from row a1. A's rows and Bᵀ's rows are contiguous in p.
 */
export function gemm2(
  A: Float32Array,
  a0: number,
  a1: number,
  B: Float32Array,
  b: number,
  ldb: number,
  m: number,
  k: number,
  r0: Float64Array,
  r1: Float64Array,
): void {
  let j = 0;
  for (; j + 4 <= m; j += 4) {
    const p0 = b + j * ldb;
    const p1 = p0 + ldb;
    const p2 = p1 + ldb;
    const p3 = p2 + ldb;
    let s00 = 0;
    let s01 = 0;
    let s02 = 0;
    let s03 = 0;
    let s10 = 0;
    let s11 = 0;
    let s12 = 0;
    let s13 = 0;
    for (let p = 0; p < k; p++) {
      const x0 = A[a0 + p];
      const x1 = A[a1 + p];
      const y0 = B[p0 + p];
      const y1 = B[p1 + p];
      const y2 = B[p2 + p];
      const y3 = B[p3 + p];
      s00 += x0 * y0;
      s01 += x0 * y1;
      s02 += x0 * y2;
      s03 += x0 * y3;
      s10 += x1 * y0;
      s11 += x1 * y1;
      s12 += x1 * y2;
      s13 += x1 * y3;
    }
    r0[j] = s00;
    r0[j + 1] = s01;
    r0[j + 2] = s02;
    r0[j + 3] = s03;
    r1[j] = s10;
    r1[j + 1] = s11;
    r1[j + 2] = s12;
    r1[j + 3] = s13;
  }
  for (; j < m; j++) {
    const q = b + j * ldb;
    let s0 = 0;
    let s1 = 0;
    for (let p = 0; p < k; p++) {
      const y = B[q + p];
      s0 += A[a0 + p] * y;
      s1 += A[a1 + p] * y;
    }
    r0[j] = s0;
    r1[j] = s1;
  }
}

/** One output row of A·Bᵀ (the odd row left over by gemm2). */
export function gemm1(
  A: Float32Array,
  a0: number,
  B: Float32Array,
  b: number,
  ldb: number,
  m: number,
  k: number,
  r0: Float64Array,
): void {
  let j = 0;
  for (; j + 4 <= m; j += 4) {
    const p0 = b + j * ldb;
    const p1 = p0 + ldb;
    const p2 = p1 + ldb;
    const p3 = p2 + ldb;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let p = 0; p < k; p++) {
      const x = A[a0 + p];
      s0 += x * B[p0 + p];
      s1 += x * B[p1 + p];
      s2 += x * B[p2 + p];
      s3 += x * B[p3 + p];
    }
    r0[j] = s0;
    r0[j + 1] = s1;
    r0[j + 2] = s2;
    r0[j + 3] = s3;
  }
  for (; j < m; j++) {
    const q = b + j * ldb;
    let s = 0;
    for (let p = 0; p < k; p++) s += A[a0 + p] * B[q + p];
    r0[j] = s;
  }
}

/** dst[r·cols + c] = src[off + r·rs + c·cs]: packs a strided matrix into contiguous rows. */
export function pack(
  dst: Float32Array,
  src: Float32Array,
  off: number,
  rows: number,
  cols: number,
  rs: number,
  cs: number,
): void {
  for (let r = 0; r < rows; r++) {
    const s = off + r * rs;
    const d = r * cols;
    for (let c = 0; c < cols; c++) dst[d + c] = src[s + c * cs];
  }
}

/**
 * relu without a data-dependent branch: `(x + |x|) / 2` is x or 0 exactly for every finite x (and -0 gives
 * +0, as Math.max does). Only -Infinity and NaN make it NaN; then, a branch that is practically never
 * taken, Math.max gives the exact answer. Math.max itself mispredicts on random signs (4-5x slower).
 */
export function relu(x: number): number {
  const r = (x + Math.abs(x)) * 0.5;
  // biome-ignore lint/suspicious/noSelfCompare: r !== r is the cheapest NaN test in a hot kernel helper
  return r === r ? r : Math.max(x, 0);
}

/**
 * max(a, b) as an arithmetic select: `c·a + (1 - c)·b` with c = (a > b) picks a or b exactly, signed zeros
 * included, for finite operands. An infinite operand times 0 (or a NaN operand) makes it NaN: then
 * Math.max decides, so results equal Math.max's for every input.
 */
export function maximum(a: number, b: number): number {
  const c = +(a > b);
  const r = c * a + (1 - c) * b;
  // biome-ignore lint/suspicious/noSelfCompare: r !== r is the cheapest NaN test in a hot kernel helper
  return r === r ? r : Math.max(a, b);
}

export const BACKEND_HELPERS = Object.freeze({ erf, gemm1, gemm2, maximum, pack, relu });
export type BackendHelpers = typeof BACKEND_HELPERS;
