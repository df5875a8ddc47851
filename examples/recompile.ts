/**
 * Recompiles: the same function called with new shapes, a new int and a new memory layout.
 * Mirrors PyTorch's p3_recompile.py (../shared/fixtures/pytorch-2.11/programs/), so the logs and traces
 * can be compared side by side: compile ids 0/0 ... 0/4 in both.
 *
 *   npx compilog run examples/recompile.ts
 *   TORCH_LOGS=recompiles npx compilog run examples/recompile.ts          # why each recompile happened
 *   TORCH_LOGS=recompiles_verbose npx compilog run examples/recompile.ts  # every failing guard of every entry
 *   TORCH_LOGS=guards,graph_code npx compilog run examples/recompile.ts   # guards and graphs (s27: dynamic sizes)
 *   TORCH_LOGS=+dynamo npx compilog run examples/recompile.ts             # the whole capture story
 *   TORCH_TRACE=/tmp/recompile npx compilog run examples/recompile.ts && npx compilog report /tmp/recompile
 */
import { compile, randn, type Tensor } from 'compilog';

function f(x: Tensor, n: number): Tensor {
  return x.exp().mul(n).softmax(-1);
}

const cf = compile(f);

// [8, 16] compiles 0/0. [8, 32] changes dim 1: 0/1 makes it dynamic (s27), so [8, 64] reuses 0/1.
// [16, 64] changes dim 0: 0/2 is dynamic in both dims.
for (const shape of [
  [8, 16],
  [8, 32],
  [8, 64],
  [16, 64],
]) {
  cf(randn(shape, { seed: 1 }), 2);
}
// int change -> recompile 0/3, where n becomes dynamic (s86, PyTorch's automatic dynamic int): later values of n
// reuse 0/3.
cf(randn([8, 16], { seed: 2 }), 3);
// PyTorch's program changes the dtype here; compilog has float32 only, so the layout changes instead:
// a transposed view has strides [1, 8] -> recompile 0/4.
cf(randn([16, 8], { seed: 3 }).t(), 2);
console.log('ok');
