// The compiler backend: lowering (aot), fusion and scheduling (inductor), code generation, the kernel
// cache and execution (runtime). Pipeline order: lower -> buffers -> fusion -> schedule -> codegen -> execute.

export type { Access, Buf, BufferGraph, OperandRef, Root } from './buffers.js';
export {
  type BackendMetrics,
  backendMetrics,
  CODEGEN_VERSION,
  type CompileGraphOptions,
  compileGraph,
  graphKey,
  inductorBackend,
  makeInductorBackend,
} from './compile-graph.js';
export { CompiledProgram, type KernelTimes } from './execute.js';
export type { FusionOptions, FusionResult, Group, GroupKind } from './fusion.js';
export {
  type CacheLookup,
  defaultCacheDir,
  defaultKernelCache,
  KERNEL_CACHE_MEMORY_LIMIT,
  KernelCache,
  type KernelCacheOptions,
  type ModuleSpec,
} from './kernel-cache.js';
export { type LoweredGraph, lowerGraph, printLowered } from './lower.js';
export { type GraphPlan, planGraph } from './plan.js';
export type { Schedule, Slot } from './schedule.js';
