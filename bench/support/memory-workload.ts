/**
 * A long run of the included compiler, for memory checks (bench/memory.ts and test/runtime/memory.test.ts run
 * it in a child with `node --expose-gc --import tsx`). Each round compiles and calls fresh functions of every
 * kind capture handles: a plain chain, a graph break with a data-dependent branch (both ways), a closed-over
 * weight (the MLP example's shape), automatic dynamic shapes, a function past its recompile limit, and one
 * long-lived dynamic function called at ever new sizes. Sizes change with the round, so kernels are new too.
 *
 *   node --expose-gc --import tsx bench/support/memory-workload.ts <rounds> <sampleEvery>
 *
 * Prints one JSON line: `{ "samples": [{ "round", "compiles", "heapUsed" }], "finalizedFns": n }`
 * (heapUsed in bytes after global.gc()). With `weak` as third argument it instead checks that dropped
 * compiled functions and their entries are collected: `{ "dropped": n, "collected": n }`.
 */
import { compile, randn, type Tensor } from '../../src/runtime/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('run with node --expose-gc');
  process.exit(2);
}

let compiles = 0;
const count = (cf: { graphs: readonly unknown[] }): void => {
  compiles += cf.graphs.length;
};

/** A function past its limit, kept for the whole run (its cache must stay at the limit). */
const longLivedStatic = compile((x: Tensor) => x.exp().sum(), { dynamic: false, recompileLimit: 4 });
/** A dynamic function kept for the whole run, called at a new size every round. */
const longLivedDynamic = compile((x: Tensor) => x.mul(3).sin().add(x), { dynamic: true });

function round(r: number): void {
  const n = 4 + (r % 29);
  const m = 3 + (r % 17);
  const x = randn([n, m], { seed: r });

  // a plain chain, called twice (the second call runs the cached graph)
  const chain = compile((a: Tensor) =>
    a
      .mul(r + 1)
      .add(1)
      .relu()
      .tanh(),
  );
  chain(x);
  chain(x);
  count(chain);

  // graph breaks: item() and a data-dependent branch, called with both signs
  const breaks = compile((a: Tensor) => {
    const y = a.mul(2).add(1);
    const unused = a.exp();
    const side = y.mean().item() > 0;
    const z = y.tanh();
    if (z.sum().item() > 0) return side ? z.mul(3) : z.add(unused.sum());
    return z.sub(3);
  });
  breaks(x);
  breaks(x.neg());
  breaks(x);
  count(breaks);

  // the MLP example's shape: closed-over weights, linear + gelu + softmax
  const w = randn([m, 8], { seed: r + 1 });
  const mlp = compile((a: Tensor) => a.matmul(w).gelu().softmax(-1), { params: { 'fc.weight': w } });
  mlp(x);
  count(mlp);

  // automatic dynamic shapes: a size change recompiles over a symbol, later sizes reuse it
  const dyn = compile((a: Tensor) => a.add(1).mul(a));
  dyn(randn([4, m + 2], { seed: r }));
  dyn(randn([4, m + 3], { seed: r }));
  dyn(randn([4, m + 4], { seed: r }));
  count(dyn);

  longLivedStatic(randn([2 + (r % 50)], { seed: r }));
  longLivedDynamic(randn([3 + r, 2], { seed: r }));
}

function sample(r: number): { round: number; compiles: number; heapUsed: number } {
  gc!();
  gc!();
  return { round: r, compiles, heapUsed: process.memoryUsage().heapUsed };
}

/** Compiled functions dropped by the user must be collectable with their entries, graphs and runners. */
async function weakCheck(total: number): Promise<void> {
  let collected = 0;
  const registry = new FinalizationRegistry<number>(() => {
    collected++;
  });
  const x = randn([6, 5], { seed: 1 });
  // In a function of its own, so no frame of the loop keeps the last pair alive.
  const makeAndDrop = (i: number): void => {
    const f = (a: Tensor) => {
      const y = a.mul(i + 1);
      return y.sum().item() > 0 ? y.exp() : y.neg();
    };
    const cf = compile(f);
    cf(x);
    cf(x);
    registry.register(cf, i);
    registry.register(f, i + total);
  };
  for (let i = 0; i < total; i++) makeAndDrop(i);
  for (let i = 0; i < 10 && collected < 2 * total; i++) {
    gc!();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  console.log(JSON.stringify({ dropped: 2 * total, collected }));
}

const rounds = Number(process.argv[2] ?? 200);
const every = Number(process.argv[3] ?? 25);
if (process.argv[4] === 'weak') {
  await weakCheck(rounds);
} else {
  const samples = [sample(0)];
  for (let r = 1; r <= rounds; r++) {
    round(r);
    if (r % every === 0) samples.push(sample(r));
  }
  console.log(JSON.stringify({ samples }));
}
