// Capture (`dynamo`): compile(fn) with guards, a per-function cache and recompile reasons.
export {
  type Backend,
  type CompilableFn,
  type CompiledEntry,
  type CompiledFunction,
  type CompiledGraph,
  type CompileOptions,
  compile,
  type GraphRunner,
  referenceBackend,
} from './compile.js';
export {
  type CompileArg,
  checkGuards,
  formatGuards,
  type Guard,
  type GuardSet,
  guardsFor,
} from './guards.js';
export { paramNames } from './param-names.js';
export { type Segment, Segmenter } from './segmenter.js';
