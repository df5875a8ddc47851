/**
 * A small MLP: Linear(256, 512) -> GELU -> Linear(512, 256) -> LayerNorm(256), compiled once and called
 * three times. Mirrors the forward pass of PyTorch's p4_mlp_train.py (compilog has no autograd yet, so
 * there is no backward graph and no optimizer step): one compile, 0/0, then cache hits.
 *
 *   npx compilog run examples/mlp.ts
 *   TORCH_LOGS=graph_code,guards npx compilog run examples/mlp.ts    # the captured graph and its guards
 *   TORCH_LOGS=aot_graphs,output_code npx compilog run examples/mlp.ts   # lowering and generated code
 *   TORCH_LOGS=+inductor,fusion npx compilog run examples/mlp.ts     # fusion decisions
 *   TORCH_TRACE=/tmp/mlp npx compilog run examples/mlp.ts && npx compilog report /tmp/mlp
 */
import { compile, manualSeed, ones, randn, type Tensor, zeros } from 'compilog';

manualSeed(0);
const linear = (inFeatures: number, outFeatures: number) => ({
  weight: randn([outFeatures, inFeatures]).mul(1 / Math.sqrt(inFeatures)),
  bias: randn([outFeatures]).mul(1 / Math.sqrt(inFeatures)),
});
const fc1 = linear(256, 512);
const fc2 = linear(512, 256);
const norm = { weight: ones([256]), bias: zeros([256]) };

function mlp(x: Tensor): Tensor {
  const h = x.linear(fc1.weight, fc1.bias).gelu();
  return h.linear(fc2.weight, fc2.bias).layerNorm([256], norm.weight, norm.bias);
}

// Naming the weights makes the graph read like PyTorch's module parameters.
const cm = compile(mlp, {
  params: {
    'fc1.weight': fc1.weight,
    'fc1.bias': fc1.bias,
    'fc2.weight': fc2.weight,
    'fc2.bias': fc2.bias,
    'norm.weight': norm.weight,
    'norm.bias': norm.bias,
  },
});

let loss = 0;
for (let i = 0; i < 3; i++) {
  const x = randn([64, 256]);
  loss = cm(x).pow(2).mean().item(); // the loss runs eagerly, outside the compiled function
}
console.log(loss);
