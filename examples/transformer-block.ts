/**
 * One pre-norm transformer block, run eagerly and through compilog's compiler.
 *
 *   npm run build                                         # the example imports 'compilog' (dist/)
 *   npx compilog run examples/transformer-block.ts
 *   TORCH_LOGS=+dynamo,graph_code,output_code npx compilog run examples/transformer-block.ts
 *   TORCH_TRACE=/tmp/trace npx compilog run examples/transformer-block.ts && npx compilog report /tmp/trace
 *   npx compilog run examples/transformer-block.ts --runs 20        # arguments after the script are its own
 *
 * The block (batch 1, sequence 128, model width 256, 4 heads, MLP width 1024):
 *
 *   h   = layer_norm(x)
 *   q, k, v = linear(h) each, split into 4 heads
 *   a   = softmax(q @ k^T / sqrt(head_dim)) @ v, heads merged, output projection
 *   x1  = x + a                                  (residual)
 *   y   = x1 + linear(gelu(linear(layer_norm(x1))))   (MLP, residual)
 *
 * `makeBlock(seed)` is exported so benchmarks run exactly these shapes and weights.
 */
import { pathToFileURL } from 'node:url';
import { compile, ones, randn, type Tensor, zeros } from 'compilog';

export const BLOCK_SHAPES = { batch: 1, seq: 128, dModel: 256, heads: 4, mlp: 1024 } as const;

export interface BlockWeights {
  ln1: { weight: Tensor; bias: Tensor };
  q: { weight: Tensor; bias: Tensor };
  k: { weight: Tensor; bias: Tensor };
  v: { weight: Tensor; bias: Tensor };
  out: { weight: Tensor; bias: Tensor };
  ln2: { weight: Tensor; bias: Tensor };
  fc1: { weight: Tensor; bias: Tensor };
  fc2: { weight: Tensor; bias: Tensor };
}

export interface Block {
  shapes: typeof BLOCK_SHAPES;
  weights: BlockWeights;
  /** A deterministic input of shape [batch, seq, dModel]. */
  input: Tensor;
  /** The forward pass, written against plain Tensor methods: call it directly for eager execution. */
  forward: (x: Tensor) => Tensor;
}

/** A linear layer's weight [outFeatures, inFeatures] scaled like PyTorch's default init, and its bias. */
function linearWeights(
  inFeatures: number,
  outFeatures: number,
  seed: number,
): { weight: Tensor; bias: Tensor } {
  const scale = 1 / Math.sqrt(inFeatures);
  return {
    weight: randn([outFeatures, inFeatures], { seed }).mul(scale),
    bias: randn([outFeatures], { seed: seed + 1 }).mul(scale),
  };
}

/** Builds the block's weights and input from `seed`: the same numbers on every run and machine. */
export function makeBlock(seed = 0): Block {
  const { batch, seq, dModel, heads, mlp } = BLOCK_SHAPES;
  const headDim = dModel / heads;
  const weights: BlockWeights = {
    ln1: { weight: ones([dModel]), bias: zeros([dModel]) },
    q: linearWeights(dModel, dModel, seed + 10),
    k: linearWeights(dModel, dModel, seed + 20),
    v: linearWeights(dModel, dModel, seed + 30),
    out: linearWeights(dModel, dModel, seed + 40),
    ln2: { weight: ones([dModel]), bias: zeros([dModel]) },
    fc1: linearWeights(dModel, mlp, seed + 50),
    fc2: linearWeights(mlp, dModel, seed + 60),
  };
  const w = weights;

  // [batch, seq, dModel] -> [batch, heads, seq, headDim]
  const splitHeads = (t: Tensor): Tensor => t.view(batch, seq, heads, headDim).transpose(1, 2);

  function transformerBlock(x: Tensor): Tensor {
    // Attention, pre-norm.
    const h = x.layerNorm([dModel], w.ln1.weight, w.ln1.bias);
    const q = splitHeads(h.linear(w.q.weight, w.q.bias));
    const k = splitHeads(h.linear(w.k.weight, w.k.bias));
    const v = splitHeads(h.linear(w.v.weight, w.v.bias));
    const scores = q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(headDim)); // [batch, heads, seq, seq]
    const attention = scores.softmax(-1).matmul(v); // [batch, heads, seq, headDim]
    const merged = attention.transpose(1, 2).reshape(batch, seq, dModel);
    const x1 = x.add(merged.linear(w.out.weight, w.out.bias));
    // MLP, pre-norm.
    const h2 = x1.layerNorm([dModel], w.ln2.weight, w.ln2.bias);
    const m = h2.linear(w.fc1.weight, w.fc1.bias).gelu().linear(w.fc2.weight, w.fc2.bias);
    return x1.add(m);
  }

  return {
    shapes: BLOCK_SHAPES,
    weights,
    input: randn([batch, seq, dModel], { seed: seed + 1000 }),
    forward: transformerBlock,
  };
}

function checksum(t: Tensor): number {
  let sum = 0;
  for (const v of t.toArray()) sum += v;
  return sum;
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  const x = a.toArray();
  const y = b.toArray();
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
  return max;
}

/** Milliseconds taken by `fn`, and its result. */
function timed<T>(fn: () => T): { ms: number; value: T } {
  const start = performance.now();
  const value = fn();
  return { ms: performance.now() - start, value };
}

export function main(runs = 5): void {
  const block = makeBlock(0);
  const { batch, seq, dModel, heads, mlp } = block.shapes;
  console.log(`transformer block: batch ${batch}, seq ${seq}, d_model ${dModel}, ${heads} heads, mlp ${mlp}`);

  // Eager: every op runs as it is called. This is the baseline and the correctness oracle.
  const eager = timed(() => block.forward(block.input));
  const eagerOut = eager.value;
  const eagerTimes = [eager.ms];
  for (let i = 1; i < runs; i++) eagerTimes.push(timed(() => block.forward(block.input)).ms);

  // Compiled: the first call captures and compiles; later calls hit the cache.
  const compiled = compile(block.forward);
  const first = timed(() => compiled(block.input));
  const compiledTimes: number[] = [];
  let compiledOut = first.value;
  for (let i = 1; i < runs; i++) {
    const run = timed(() => compiled(block.input));
    compiledTimes.push(run.ms);
    compiledOut = run.value;
  }

  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `output checksum: eager ${checksum(eagerOut).toFixed(4)}, compiled ${checksum(compiledOut).toFixed(4)}`,
  );
  console.log(`max |compiled - eager|: ${maxAbsDiff(compiledOut, eagerOut).toExponential(2)}`);
  const eagerMs = median(eagerTimes);
  console.log(`eager forward: ${eagerMs.toFixed(2)} ms (median of ${runs})`);
  console.log(`compiled forward, first call (capture + compile): ${first.ms.toFixed(2)} ms`);
  if (compiledTimes.length > 0) {
    const compiledMs = median(compiledTimes);
    console.log(
      `compiled forward, cached: ${compiledMs.toFixed(2)} ms (median of ${compiledTimes.length}), ` +
        `${(eagerMs / compiledMs).toFixed(1)}x eager`,
    );
  }
  console.log(`compiled graphs: ${compiled.graphs.length}, cache entries: ${compiled.entries.length}`);
}

/** `--runs N` (N >= 1): how many forwards of each kind; default 5. */
function runsFromArgs(args: readonly string[]): number {
  const i = args.indexOf('--runs');
  if (i < 0) return 5;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--runs needs a whole number >= 1, got ${args[i + 1]}`);
  return n;
}

// Run when executed as a script (not when imported, e.g. by a benchmark).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(runsFromArgs(process.argv.slice(2)));
}
