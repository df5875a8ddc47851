/**
 * The compiler's performance, all in one run: `npm run bench -- runtime` (or `npx tsx bench/runtime.ts`).
 *
 *  (a) a 6-op elementwise chain on 4M floats: compiled (default fast mode, and exact: true) vs eager vs the
 *      single JavaScript loop a competent engineer writes (branchless, float64 until one store per element);
 *      a Math.max version of that loop is printed for information;
 *  (b) a transformer block forward (the shapes and weights of examples/transformer-block.ts: batch 1,
 *      seq 128, d_model 256, 4 heads, MLP 1024): compiled vs eager vs TensorFlow.js's CPU backend;
 *  (c) first-compile latency of the block, and cache-hit latency (in-memory and on-disk);
 *  (d) what observability costs: compile time of the block with every artifact on and TORCH_TRACE
 *      writing, against nothing enabled (each in its own child process, so the settings are the real
 *      environment variables); and, for information, everything on with stderr a pipe, with the write thread
 *      and with COMPILOG_WRITE_THREAD=0.
 *
 * Every case runs in several rounds (interleaved where cases compete for the same conditions); each round takes
 * the best of a few repetitions, and the table gives the median over rounds and their range, with the load
 * average before and after (the machine is shared). Prints a table, then one line of JSON.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileGraph, KernelCache, makeInductorBackend } from '../src/runtime/backend/index.js';
import { compile, ones, randn, type Tensor, zeros } from '../src/runtime/index.js';
import { chain, handLoop, handLoopBranchless } from './support/chain-program.js';

const CHAIN_N = 4 * 1024 * 1024;
const SHAPES = { batch: 1, seq: 128, dModel: 256, heads: 4, mlp: 1024 } as const;

// ---------------------------------------------------------------------------------------------------
// The programs

interface Linear {
  weight: Tensor;
  bias: Tensor;
}

/** The block of examples/transformer-block.ts (same seeds, same weights, same math). */
function makeBlock(seed = 0) {
  const { batch, seq, dModel, heads, mlp } = SHAPES;
  const headDim = dModel / heads;
  const linear = (inF: number, outF: number, s: number): Linear => {
    const scale = 1 / Math.sqrt(inF);
    return {
      weight: randn([outF, inF], { seed: s }).mul(scale),
      bias: randn([outF], { seed: s + 1 }).mul(scale),
    };
  };
  const w = {
    ln1: { weight: ones([dModel]), bias: zeros([dModel]) },
    q: linear(dModel, dModel, seed + 10),
    k: linear(dModel, dModel, seed + 20),
    v: linear(dModel, dModel, seed + 30),
    out: linear(dModel, dModel, seed + 40),
    ln2: { weight: ones([dModel]), bias: zeros([dModel]) },
    fc1: linear(dModel, mlp, seed + 50),
    fc2: linear(mlp, dModel, seed + 60),
  };
  const splitHeads = (t: Tensor): Tensor => t.view(batch, seq, heads, headDim).transpose(1, 2);
  function transformerBlock(x: Tensor): Tensor {
    const h = x.layerNorm([dModel], w.ln1.weight, w.ln1.bias);
    const q = splitHeads(h.linear(w.q.weight, w.q.bias));
    const k = splitHeads(h.linear(w.k.weight, w.k.bias));
    const v = splitHeads(h.linear(w.v.weight, w.v.bias));
    const scores = q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(headDim));
    const attention = scores.softmax(-1).matmul(v);
    const merged = attention.transpose(1, 2).reshape(batch, seq, dModel);
    const x1 = x.add(merged.linear(w.out.weight, w.out.bias));
    const h2 = x1.layerNorm([dModel], w.ln2.weight, w.ln2.bias);
    const m = h2.linear(w.fc1.weight, w.fc1.bias).gelu().linear(w.fc2.weight, w.fc2.bias);
    return x1.add(m);
  }
  return { weights: w, input: randn([batch, seq, dModel], { seed: seed + 1000 }), forward: transformerBlock };
}

type TF = typeof import('@tensorflow/tfjs');

/** The same block on TensorFlow.js (CPU backend), with the same weights. */
function tfjsBlock(tf: TF, block: ReturnType<typeof makeBlock>) {
  const { seq, dModel, heads } = SHAPES;
  const headDim = dModel / heads;
  const t = (x: Tensor) => tf.tensor(x.toArray(), [...x.shape]);
  const w = block.weights;
  const p = Object.fromEntries(
    Object.entries(w).map(([name, l]) => [name, { weight: t(l.weight), bias: t(l.bias) }]),
  ) as Record<
    keyof typeof w,
    { weight: import('@tensorflow/tfjs').Tensor; bias: import('@tensorflow/tfjs').Tensor }
  >;
  type T = import('@tensorflow/tfjs').Tensor;
  const ln = (x: T, g: T, b: T) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return x.sub(mean).div(variance.add(1e-5).sqrt()).mul(g).add(b);
  };
  const lin = (x: T, l: { weight: T; bias: T }) => {
    const s = x.shape;
    const y = tf.matMul(x.reshape([-1, s[s.length - 1]]), l.weight, false, true).add(l.bias);
    return y.reshape([...s.slice(0, -1), l.weight.shape[0]]);
  };
  const split = (x: T) => x.reshape([1, seq, heads, headDim]).transpose([0, 2, 1, 3]);
  const input = t(block.input);
  const forward = (): Float32Array =>
    tf.tidy(() => {
      const x = input;
      const h = ln(x, p.ln1.weight, p.ln1.bias);
      const q = split(lin(h, p.q));
      const k = split(lin(h, p.k));
      const v = split(lin(h, p.v));
      const att = tf.softmax(tf.matMul(q, k, false, true).mul(1 / Math.sqrt(headDim))).matMul(v);
      const merged = att.transpose([0, 2, 1, 3]).reshape([1, seq, dModel]);
      const x1 = x.add(lin(merged, p.out));
      const h2 = ln(x1, p.ln2.weight, p.ln2.bias);
      const a = lin(h2, p.fc1);
      const g = a.mul(0.5).mul(tf.erf(a.mul(Math.SQRT1_2)).add(1)); // exact gelu, as ours
      return x1.add(lin(g, p.fc2)).dataSync() as Float32Array;
    });
  return forward;
}

// ---------------------------------------------------------------------------------------------------
// Measurement helpers

function best(run: () => unknown, reps: number, warmup = 2): number {
  for (let i = 0; i < warmup; i++) run();
  let ms = Number.POSITIVE_INFINITY;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    run();
    ms = Math.min(ms, performance.now() - t0);
  }
  return ms;
}

/** Median and range of per-round figures. */
interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number[];
}

function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1)!, runs: values.map((v) => round(v, 4)) };
}

const fmt = (x: Spread, unit = ' ms', d = 2) =>
  `${x.median.toFixed(d)}${unit} (${x.min.toFixed(d)}-${x.max.toFixed(d)})`;
const spreadJson = (x: Spread) => ({
  median: round(x.median),
  min: round(x.min),
  max: round(x.max),
  runs: x.runs,
});

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return m;
}

const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;
const median = (xs: readonly number[]) => spread(xs).median;

/**
 * Compile time of the block: the first call of a fresh compile(fn) (capture, lowering, fusion, codegen, and
 * every log and trace record they write) minus the time that call spent running the generated kernels.
 * `reps` fresh compiles after `warmup` unmeasured ones (V8 optimising the compiler itself is (c)'s first
 * call), with no kernel cache; their median and best.
 */
function compileLatency(reps: number, warmup = 0) {
  const block = makeBlock(0);
  const compiles: number[] = [];
  const firsts: number[] = [];
  const inner = makeInductorBackend({ cache: false });
  for (let r = -warmup; r < reps; r++) {
    let runMs = 0;
    const backend: typeof inner = (graph, inputs, ...rest) => {
      const run = inner(graph, inputs, ...rest);
      return (xs) => {
        const t = performance.now();
        const out = run(xs);
        runMs += performance.now() - t;
        return out;
      };
    };
    const c = compile(block.forward, { backend });
    const t0 = performance.now();
    c(block.input);
    const first = performance.now() - t0;
    if (r < 0) continue;
    firsts.push(first);
    compiles.push(first - runMs);
  }
  return {
    compile_median_ms: median(compiles),
    compile_best_ms: Math.min(...compiles),
    first_median_ms: median(firsts),
  };
}

// ---------------------------------------------------------------------------------------------------

const ALL_ARTIFACTS =
  '+dynamo,+aot,+inductor,+runtime,graph,graph_code,graph_breaks,guards,recompiles,recompiles_verbose,aot_graphs,ir_pre_fusion,ir_post_fusion,fusion,schedule,output_code,kernel_code,perf_hints';

/** Compiles per child process (after 3 unmeasured ones); the child reports their median and best. */
const COMPILES_PER_CHILD = 9;
const WARMUP_COMPILES = 3;
/** Rounds of (nothing enabled, everything enabled) child processes, alternating. */
const OBSERVABILITY_ROUNDS = 11;
/** Rounds of the stderr-as-a-pipe pair (write thread on, off), for information. */
const PIPE_ROUNDS = 5;

function observabilityChild(): void {
  console.log(JSON.stringify(compileLatency(COMPILES_PER_CHILD, WARMUP_COMPILES)));
}

type ChildFigures = ReturnType<typeof compileLatency>;

/** Runs one child; its stderr goes to `stderrFile`, or to a pipe this process reads when it is 'pipe'. */
function runChild(env: Record<string, string | undefined>, stderrFile: string | 'pipe'): ChildFigures {
  const fd = stderrFile === 'pipe' ? 'pipe' : openSync(stderrFile, 'w');
  try {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', import.meta.filename, '--observability-child'],
      {
        env: {
          ...process.env,
          TORCH_LOGS: undefined,
          TORCH_TRACE: undefined,
          COMPILOG_WRITE_THREAD: undefined,
          ...env,
        },
        stdio: ['ignore', 'pipe', fd],
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      },
    );
    if (r.status !== 0) throw new Error(`observability child failed (${r.status}); stderr: ${stderrFile}`);
    const last = r.stdout.trim().split('\n').at(-1)!;
    return JSON.parse(last) as ChildFigures;
  } finally {
    if (typeof fd === 'number') closeSync(fd);
  }
}

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
}

const load = () => loadavg().map((v) => round(v, 2));

export async function main(): Promise<void> {
  const loadBefore = load();
  const rows: [string, string][] = [];
  const line = (name: string, value: string) => {
    rows.push([name, value]);
  };

  // (a) elementwise chain ------------------------------------------------------------------------
  const x = randn([CHAIN_N], { seed: 1 });
  const w = randn([CHAIN_N], { seed: 2 });
  const xs = x.toArray();
  const ws = w.toArray();
  const out = new Float32Array(CHAIN_N);
  const compiledChain = compile(chain, { backend: makeInductorBackend({ cache: false }) });
  const exactChain = compile(chain, { backend: makeInductorBackend({ cache: false, exact: true }) });
  const eagerOut = chain(x, w).toArray();
  const fastDiff = maxDiff(compiledChain(x, w).toArray(), eagerOut);
  if (fastDiff > 1e-6) throw new Error(`compiled chain disagrees with eager (${fastDiff})`);
  const exactDiff = maxDiff(exactChain(x, w).toArray(), eagerOut);
  if (exactDiff !== 0) throw new Error(`exact: true chain is not bit-exact with eager (${exactDiff})`);
  handLoopBranchless(xs, ws, out);
  const handDiff = maxDiff(out, eagerOut);
  if (handDiff > 1e-6) throw new Error(`hand loop disagrees with eager (${handDiff})`);
  // Interleaved rounds: load on the shared machine drifts during a run; every variant sees each phase.
  const CHAIN_ROUNDS = 7;
  const chainRuns = {
    eager: [] as number[],
    compiled: [] as number[],
    exact: [] as number[],
    hand: [] as number[],
    handMax: [] as number[],
  };
  for (let r = 0; r < CHAIN_ROUNDS; r++) {
    chainRuns.eager.push(best(() => chain(x, w), 2, r === 0 ? 1 : 0));
    chainRuns.compiled.push(best(() => compiledChain(x, w), 4));
    chainRuns.hand.push(best(() => handLoopBranchless(xs, ws, out), 4));
    chainRuns.exact.push(best(() => exactChain(x, w), 3));
    chainRuns.handMax.push(best(() => handLoop(xs, ws, out), 2));
  }
  const per = (f: (i: number) => number) => spread(chainRuns.eager.map((_, i) => f(i)));
  const chainEager = spread(chainRuns.eager);
  const chainCompiled = spread(chainRuns.compiled);
  const chainExact = spread(chainRuns.exact);
  const chainHand = spread(chainRuns.hand);
  const chainHandMax = spread(chainRuns.handMax);
  const vsEager = per((i) => chainRuns.eager[i] / chainRuns.compiled[i]);
  const vsHand = per((i) => chainRuns.hand[i] / chainRuns.compiled[i]);
  const exactVsHand = per((i) => chainRuns.hand[i] / chainRuns.exact[i]);
  const vsHandMax = per((i) => chainRuns.handMax[i] / chainRuns.compiled[i]);
  line('(a) chain: eager (6 kernels, 5 temporaries)', fmt(chainEager));
  line('(a) chain: compiled, default (float64 until the store)', fmt(chainCompiled));
  line('(a) chain: compiled, exact: true (float32 per op, bit-exact)', fmt(chainExact));
  line('(a) chain: hand-written loop, branchless (THE baseline)', fmt(chainHand));
  line('(a) chain: hand-written loop with Math.max (information)', fmt(chainHandMax));
  line('(a) compiled speedup over eager (target >= 3x)', fmt(vsEager, 'x'));
  line('(a) branchless hand loop / compiled (target >= 0.7)', fmt(vsHand, ''));
  line('(a) branchless hand loop / compiled exact: true', fmt(exactVsHand, ''));
  line('(a) Math.max hand loop / compiled (information)', fmt(vsHandMax, ''));

  // (b) transformer block -------------------------------------------------------------------------
  const block = makeBlock(0);
  const blockEagerOut = block.forward(block.input).toArray();
  const compiledBlock = compile(block.forward, { backend: makeInductorBackend({ cache: false }) });
  const blockDiff = maxDiff(compiledBlock(block.input).toArray(), blockEagerOut);
  if (blockDiff > 1e-4) throw new Error(`compiled block disagrees with eager (${blockDiff})`);
  const tf = (await import('@tensorflow/tfjs')) as TF;
  await tf.setBackend('cpu');
  const tfForward = tfjsBlock(tf, block);
  const tfDiff = maxDiff(tfForward(), blockEagerOut);
  const BLOCK_ROUNDS = 5;
  const blockRuns = { eager: [] as number[], compiled: [] as number[], tfjs: [] as number[] };
  for (let r = 0; r < BLOCK_ROUNDS; r++) {
    blockRuns.eager.push(best(() => block.forward(block.input), 2, r === 0 ? 1 : 0));
    blockRuns.compiled.push(best(() => compiledBlock(block.input), 4, r === 0 ? 2 : 0));
    blockRuns.tfjs.push(best(tfForward, 2, r === 0 ? 1 : 0));
  }
  const blockEager = spread(blockRuns.eager);
  const blockCompiled = spread(blockRuns.compiled);
  const blockTf = spread(blockRuns.tfjs);
  const blockVsEager = spread(blockRuns.eager.map((e, i) => e / blockRuns.compiled[i]));
  const blockVsTf = spread(blockRuns.tfjs.map((t, i) => t / blockRuns.compiled[i]));
  line('(b) block: eager', fmt(blockEager));
  line('(b) block: compiled', fmt(blockCompiled));
  line('(b) block: tfjs 4.22 cpu backend', fmt(blockTf));
  line('(b) compiled speedup over eager (target > 1x)', fmt(blockVsEager, 'x'));
  line('(b) compiled speedup over tfjs (target > 1x)', fmt(blockVsTf, 'x'));
  line(
    '(b) max rel diff compiled vs eager / tfjs vs eager',
    `${blockDiff.toExponential(2)} / ${tfDiff.toExponential(2)}`,
  );

  // (c) compile latency ----------------------------------------------------------------------------
  const cacheDir = mkdtempSync(join(tmpdir(), 'compilog-bench-cache-'));
  /** First-call latency of a fresh compile(fn), and the backend's own share (lowering to loaded module). */
  const timeFirstCall = (cache: KernelCache): { call: number; backend: number } => {
    let backendMs = 0;
    const c = compile(block.forward, {
      backend: (graph) => {
        const program = compileGraph(graph, { cache });
        backendMs = program.metrics.inductor_cumulative_compile_time_us / 1000;
        return (xs) => program.run(xs);
      },
    });
    const t0 = performance.now();
    c(block.input);
    return { call: performance.now() - t0, backend: backendMs };
  };
  const LATENCY_RUNS = 5;
  const firstRuns = Array.from({ length: LATENCY_RUNS }, () => timeFirstCall(new KernelCache({ dir: null })));
  const diskCache = new KernelCache({ dir: cacheDir });
  timeFirstCall(diskCache); // fills the disk cache (and this cache's memory)
  const memoryRuns = Array.from({ length: LATENCY_RUNS }, () => timeFirstCall(diskCache));
  const diskRuns = Array.from({ length: LATENCY_RUNS }, () =>
    timeFirstCall(new KernelCache({ dir: cacheDir })),
  );
  rmSync(cacheDir, { recursive: true, force: true });
  const calls = (rs: { call: number }[]) => spread(rs.map((r) => r.call));
  const backends = (rs: { backend: number }[]) => spread(rs.map((r) => r.backend));
  const firstCall = calls(firstRuns);
  const memoryCall = calls(memoryRuns);
  const diskCall = calls(diskRuns);
  line(
    '(c) first call, empty cache (capture + compile + run)',
    `${fmt(firstCall)}; backend ${fmt(backends(firstRuns))}`,
  );
  line(
    '(c) first call, in-memory cache hit (capture + run)',
    `${fmt(memoryCall)}; backend ${fmt(backends(memoryRuns))}`,
  );
  line(
    '(c) first call, disk cache hit (capture + run)',
    `${fmt(diskCall)}; backend ${fmt(backends(diskRuns))}`,
  );
  line('(c) steady call (for reference)', fmt(blockCompiled));

  // (d) observability cost -------------------------------------------------------------------------
  const work = mkdtempSync(join(tmpdir(), 'compilog-bench-obs-'));
  const traceDir = join(work, 'trace');
  // Alternate the two configurations (one child process each per round) so machine load hits both alike.
  const quiet: ChildFigures[] = [];
  const loud: ChildFigures[] = [];
  let logBytes = 0;
  let traceBytes = 0;
  for (let r = 0; r < OBSERVABILITY_ROUNDS; r++) {
    quiet.push(runChild({}, join(work, 'quiet.stderr')));
    loud.push(
      runChild({ TORCH_LOGS: ALL_ARTIFACTS, TORCH_TRACE: `${traceDir}${r}` }, join(work, 'loud.stderr')),
    );
    logBytes = statSync(join(work, 'loud.stderr')).size;
    traceBytes = dirBytes(`${traceDir}${r}`);
  }
  // The same, with stderr a pipe read by this process (logs piped to `tee` or a test runner): the write thread
  // against synchronous writes (COMPILOG_WRITE_THREAD=0), alternating.
  const piped: ChildFigures[] = [];
  const pipedSync: ChildFigures[] = [];
  for (let r = 0; r < PIPE_ROUNDS; r++) {
    const loudEnv = { TORCH_LOGS: ALL_ARTIFACTS, TORCH_TRACE: `${traceDir}-pipe${r}` };
    piped.push(runChild(loudEnv, 'pipe'));
    pipedSync.push(runChild({ ...loudEnv, COMPILOG_WRITE_THREAD: '0' }, 'pipe'));
  }
  rmSync(work, { recursive: true, force: true });
  const ratio = (f: (c: ChildFigures) => number) => spread(quiet.map((q, i) => f(loud[i]) / f(q)));
  const pipedCompile = spread(piped.map((c) => c.compile_median_ms));
  const pipedSyncCompile = spread(pipedSync.map((c) => c.compile_median_ms));
  const quietCompile = spread(quiet.map((q) => q.compile_median_ms));
  const loudCompile = spread(loud.map((l) => l.compile_median_ms));
  const obsRatio = ratio((c) => c.compile_median_ms);
  const obsBestRatio = ratio((c) => c.compile_best_ms);
  const firstRatio = ratio((c) => c.first_median_ms);
  line(
    `(d) block compile (no kernel run), nothing on (median of ${COMPILES_PER_CHILD} per process)`,
    fmt(quietCompile),
  );
  line('(d) block compile, every artifact + TORCH_TRACE', fmt(loudCompile));
  line(`(d) compile ratio, ${OBSERVABILITY_ROUNDS} process pairs (target <= 1.5x)`, fmt(obsRatio, 'x'));
  line('(d) compile ratio of best-of-9 compiles (information)', fmt(obsBestRatio, 'x'));
  line('(d) first call (compile + first run) ratio', fmt(firstRatio, 'x'));
  line('(d) everything on, stderr a pipe: write thread', fmt(pipedCompile));
  line('(d) everything on, stderr a pipe: COMPILOG_WRITE_THREAD=0', fmt(pipedSyncCompile));
  line(
    `(d) volume per process (${WARMUP_COMPILES + COMPILES_PER_CHILD} compiles and first runs)`,
    `${(logBytes / 1024).toFixed(0)} KiB of logs, ${(traceBytes / 1024).toFixed(0)} KiB of trace`,
  );

  const loadAfter = load();
  const width = Math.max(...rows.map(([n]) => n.length));
  console.log(
    `compilog runtime benchmark (Node ${process.version}; median over rounds, range in brackets; load average ${loadBefore.join(' ')} before, ${loadAfter.join(' ')} after)`,
  );
  for (const [n, v] of rows) console.log(`${n.padEnd(width)}  ${v}`);
  console.log(
    JSON.stringify({
      bench: 'runtime',
      load_average: { before: loadBefore, after: loadAfter },
      chain: {
        elements: CHAIN_N,
        rounds: CHAIN_ROUNDS,
        eager_ms: spreadJson(chainEager),
        compiled_ms: spreadJson(chainCompiled),
        compiled_exact_ms: spreadJson(chainExact),
        hand_loop_branchless_ms: spreadJson(chainHand),
        hand_loop_math_max_ms: spreadJson(chainHandMax),
        speedup_vs_eager: spreadJson(vsEager),
        hand_over_compiled: spreadJson(vsHand),
        hand_over_compiled_exact: spreadJson(exactVsHand),
        math_max_hand_over_compiled: spreadJson(vsHandMax),
        max_rel_diff_default: fastDiff,
      },
      block: {
        shapes: SHAPES,
        rounds: BLOCK_ROUNDS,
        eager_ms: spreadJson(blockEager),
        compiled_ms: spreadJson(blockCompiled),
        tfjs_cpu_ms: spreadJson(blockTf),
        speedup_vs_eager: spreadJson(blockVsEager),
        speedup_vs_tfjs: spreadJson(blockVsTf),
        max_rel_diff: blockDiff,
        tfjs_max_rel_diff: tfDiff,
      },
      compile_latency_ms: {
        first: spreadJson(firstCall),
        memory_hit: spreadJson(memoryCall),
        disk_hit: spreadJson(diskCall),
        backend_first: spreadJson(backends(firstRuns)),
        backend_memory_hit: spreadJson(backends(memoryRuns)),
        backend_disk_hit: spreadJson(backends(diskRuns)),
      },
      observability: {
        rounds: OBSERVABILITY_ROUNDS,
        compiles_per_process: COMPILES_PER_CHILD,
        quiet_compile_ms: spreadJson(quietCompile),
        all_artifacts_trace_compile_ms: spreadJson(loudCompile),
        ratio: spreadJson(obsRatio),
        best_of_ratio: spreadJson(obsBestRatio),
        first_call_ratio: spreadJson(firstRatio),
        stderr_pipe_compile_ms: spreadJson(pipedCompile),
        stderr_pipe_sync_writes_compile_ms: spreadJson(pipedSyncCompile),
        log_bytes: logBytes,
        trace_bytes: traceBytes,
      },
    }),
  );
}

if (process.argv.includes('--observability-child')) observabilityChild();
else if (import.meta.url === `file://${process.argv[1]}`) await main();
