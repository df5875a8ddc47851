/**
 * Every subsystem and artifact of the included compiler, declared in one place (like PyTorch's
 * torch/_logging/_registrations.py). This file only declares; reading it tells a newcomer which
 * `TORCH_LOGS` names exist. Importing it registers them (once: registration is idempotent).
 *
 * Subsystems use PyTorch's aliases so PyTorch habits carry over: `dynamo` (capture), `aot` (lowering),
 * `inductor` (scheduling, fusion, codegen), plus `runtime` (kernel execution). Stage loggers are
 * children (`compilog.inductor.scheduler`), so `+inductor` reaches them. `compilog` is the root: `all`
 * enables it, and every child inherits.
 *
 * Artifacts keep PyTorch's names, meanings, `visible` and `off_by_default` flags (PyTorch 2.11's registry);
 * descriptions are ours.
 */
import { registerArtifact, registerLog } from '../logging/index.js';

/** The logger qualified names, by stage. */
export const QNAMES = {
  root: 'compilog',
  dynamo: 'compilog.dynamo',
  aot: 'compilog.aot',
  inductor: 'compilog.inductor',
  scheduler: 'compilog.inductor.scheduler',
  codegen: 'compilog.inductor.codegen',
  codecache: 'compilog.inductor.codecache',
  runtime: 'compilog.runtime',
} as const;

registerLog('compilog', QNAMES.root);
registerLog('dynamo', QNAMES.dynamo);
registerLog('aot', QNAMES.aot);
registerLog('inductor', QNAMES.inductor);
registerLog('runtime', QNAMES.runtime);

// Capture (dynamo)
registerArtifact('graph', {
  description: 'The captured graph as a table of nodes (op, target, args), before lowering.',
});
registerArtifact('graph_code', {
  description: 'The captured graph as readable code, with the user source line of each node.',
});
registerArtifact('graph_breaks', {
  description: 'Each place capture had to end a graph (a value needed on the host) and why.',
  visible: true,
});
registerArtifact('guards', {
  description: 'The guards that decide when a compiled graph may be reused.',
  visible: true,
});
registerArtifact('recompiles', {
  description: 'Why a function was compiled again: the first guard that failed.',
  visible: true,
});
registerArtifact('recompiles_verbose', {
  description: 'Every guard that failed for every cached entry when a function was compiled again.',
  visible: true,
  offByDefault: true,
});

// Lowering (aot)
registerArtifact('aot_graphs', {
  description: 'The lowered graph handed to the scheduler: composites decomposed into primitives.',
  visible: true,
});

// Scheduling, fusion and code generation (inductor)
registerArtifact('ir_pre_fusion', {
  description: 'One buffer per primitive op with its iteration space, before fusion.',
  offByDefault: true,
});
registerArtifact('ir_post_fusion', {
  description: 'The kernels after fusion: which buffers each one computes and stores.',
  offByDefault: true,
});
registerArtifact('fusion', {
  description: 'Every fusion decision and every refusal, with its reason. More detail than schedule.',
  offByDefault: true,
});
registerArtifact('schedule', {
  description: 'Kernel order and the memory plan (which buffers reuse which slots).',
  offByDefault: true,
});
registerArtifact('output_code', {
  description: 'The generated JavaScript module: kernels and the call() wrapper that runs them.',
  visible: true,
  offByDefault: true,
});
registerArtifact('kernel_code', {
  description: 'The generated JavaScript of each kernel, under its name.',
  visible: true,
  offByDefault: true,
});
registerArtifact('perf_hints', {
  description: 'Places where the generated code is slower than it could be, and why.',
  offByDefault: true,
});
