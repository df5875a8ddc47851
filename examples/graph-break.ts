/**
 * Graph breaks: reading a value on the host (item(), toArray()) ends the graph being captured.
 * Mirrors PyTorch's p2_graph_break.py (../shared/fixtures/pytorch-2.11/programs/): compile ids 0/0 (with a
 * restart, 0/0_1), 1/0 (0_1 likewise) and 2/0, as in PyTorch's trace.
 *
 *   npx compilog run examples/graph-break.ts
 *   TORCH_LOGS=graph_breaks npx compilog run examples/graph-break.ts   # where and why each graph ended
 *   TORCH_LOGS=graph_code npx compilog run examples/graph-break.ts     # the three graphs
 *   TORCH_LOGS=+dynamo,guards npx compilog run examples/graph-break.ts
 *   TORCH_TRACE=/tmp/graph-break npx compilog run examples/graph-break.ts && npx compilog report /tmp/graph-break
 */
import { compile, randn, type Tensor } from 'compilog';

function f(x: Tensor): Tensor {
  const y = x.mul(2).add(1);
  // PyTorch breaks on print(); a JavaScript side effect does not break, but reading a value does.
  console.log('side effect', y.mean().item() > 0);
  const z = y.tanh();
  if (z.sum().item() > 0) {
    // data-dependent branch: graph break
    return z.mul(3);
  }
  return z.sub(3);
}

const cf = compile(f);
console.log(
  cf(randn([64, 64], { seed: 0 }))
    .sum()
    .item(),
);
// A second call compiles nothing: the cached graphs run, with only f's own JavaScript in between.
console.log(
  cf(randn([64, 64], { seed: 0 }))
    .sum()
    .item(),
);
