/**
 * The 6-op elementwise chain both benches measure (add, mul, relu, sub, mul, maximum) and the hand-written
 * loops it is compared with.
 */
import type { Tensor } from '../../src/runtime/index.js';

// y = max((relu((x + w) * 1.5) - w) * x, 0.25)
export const chain = (x: Tensor, w: Tensor): Tensor => x.add(w).mul(1.5).relu().sub(w).mul(x).maximum(0.25);

/** The loop with Math.max: mispredicts on random signs (perf anchors B3). For information. */
export function handLoop(x: Float32Array, w: Float32Array, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const a = x[i];
    const b = w[i];
    out[i] = Math.max((Math.max((a + b) * 1.5, 0) - b) * a, 0.25);
  }
}

/**
 * THE baseline: the loop a competent engineer writes by hand (perf anchors B3): branchless relu and max,
 * float64 arithmetic, one float32 store per element.
 */
export function handLoopBranchless(x: Float32Array, w: Float32Array, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const a = x[i];
    const b = w[i];
    const t = (a + b) * 1.5;
    const u = ((t + Math.abs(t)) * 0.5 - b) * a;
    out[i] = (u + 0.25 + Math.abs(u - 0.25)) * 0.5;
  }
}
