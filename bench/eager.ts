/**
 * Eager baseline: `npm run bench -- eager` (or `npx tsx bench/eager.ts`).
 * A 6-op elementwise chain on 4M float32s, run op by op through Tensor dispatch (one kernel and one
 * temporary per op), against the same math as one hand-written JS loop (what fusion + codegen aim for).
 * Prints a table, then one line of JSON with the figures.
 */
import { randn } from '../src/runtime/index.js';
import { chain, handLoop, handLoopBranchless } from './support/chain-program.js';

const N = 4 * 1024 * 1024;
const REPS = 7;

function best(run: () => void): number {
  let ms = Number.POSITIVE_INFINITY;
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    run();
    ms = Math.min(ms, performance.now() - t0);
  }
  return ms;
}

export function main(): void {
  const x = randn([N], { seed: 1 });
  const w = randn([N], { seed: 2 });
  const xs = x.toArray();
  const ws = w.toArray();
  const out = new Float32Array(N);

  // correctness first: the two must agree exactly (same float64 math, rounded at each float32 store
  // in eager vs once in the loop, so compare with a float32-sized tolerance)
  handLoop(xs, ws, out);
  const eagerOut = chain(x, w).toArray();
  let maxDiff = 0;
  for (let i = 0; i < N; i++)
    maxDiff = Math.max(maxDiff, Math.abs(eagerOut[i] - out[i]) / (1 + Math.abs(out[i])));
  if (maxDiff > 1e-5) throw new Error(`eager and hand loop disagree (max rel diff ${maxDiff})`);

  handLoopBranchless(xs, ws, out);
  for (let i = 0; i < N; i++)
    maxDiff = Math.max(maxDiff, Math.abs(eagerOut[i] - out[i]) / (1 + Math.abs(out[i])));
  if (maxDiff > 1e-5) throw new Error(`eager and branchless hand loop disagree (max rel diff ${maxDiff})`);

  const eagerMs = best(() => void chain(x, w));
  const loopMs = best(() => handLoop(xs, ws, out));
  const branchlessMs = best(() => handLoopBranchless(xs, ws, out));
  const bytes = (passes: number) => (passes * N * 4) / 1e9;
  // eager moves 15 array passes (add 3, mul 2, relu 2, sub 3, mul 3, maximum 2); the loop moves 3
  const rows = [
    ['eager (6 dispatches, 5 temporaries)', eagerMs, N / eagerMs / 1e6, bytes(15) / (eagerMs / 1e3)],
    ['hand-written single loop (Math.max)', loopMs, N / loopMs / 1e6, bytes(3) / (loopMs / 1e3)],
    [
      'hand-written single loop (branchless)',
      branchlessMs,
      N / branchlessMs / 1e6,
      bytes(3) / (branchlessMs / 1e3),
    ],
  ] as const;
  console.log(`elementwise chain, ${N.toLocaleString('en-US')} float32 elements, best of ${REPS}`);
  console.log(`${'variant'.padEnd(38)} ${'ms'.padStart(8)} ${'Gelem/s'.padStart(8)} ${'GB/s'.padStart(7)}`);
  for (const [name, ms, gelem, gbs] of rows) {
    console.log(
      `${name.padEnd(38)} ${ms.toFixed(2).padStart(8)} ${gelem.toFixed(3).padStart(8)} ${gbs.toFixed(2).padStart(7)}`,
    );
  }
  console.log(
    `speedup of the fused loop over eager: ${(eagerMs / loopMs).toFixed(2)}x (Math.max), ${(eagerMs / branchlessMs).toFixed(2)}x (branchless)`,
  );
  console.log(
    JSON.stringify({
      bench: 'eager',
      elements: N,
      eager_ms: round(eagerMs),
      fused_loop_ms: round(loopMs),
      fused_loop_branchless_ms: round(branchlessMs),
      speedup: round(eagerMs / loopMs),
      speedup_branchless: round(eagerMs / branchlessMs),
      eager_gelem_s: round(N / eagerMs / 1e6),
      fused_gelem_s: round(N / loopMs / 1e6),
      fused_branchless_gelem_s: round(N / branchlessMs / 1e6),
      max_rel_diff: maxDiff,
    }),
  );
}

const round = (v: number) => Math.round(v * 1000) / 1000;

if (import.meta.url === `file://${process.argv[1]}`) main();
