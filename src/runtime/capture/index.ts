// Capture (`dynamo`): compile(fn) with guards, a per-function cache, recompile reasons, dynamic shapes and
// graph breaks, instrumented like PyTorch's dynamo.
export {
  type Backend,
  type BackendContext,
  type CompilableFn,
  type CompiledEntry,
  type CompiledFunction,
  type CompiledGraph,
  type CompileOptions,
  type GraphRunner,
  referenceBackend,
} from './api.js';
export { compile, SPECIALIZED_SIZES } from './compile.js';
export { defaultBackend, setDefaultBackend, setMetricsProvider } from './defaults.js';
export { definitionLine } from './definition-line.js';
export { type DynamicOption, type ShapeSymbol, type SymbolicShapes, symbolName } from './dynamic.js';
export { formatGraphTable } from './graph-table.js';
export {
  allGuardFailures,
  type CompileArg,
  checkGuards,
  type DimRef,
  type DynamicDims,
  formatGuards,
  type Guard,
  type GuardSet,
  guardsFor,
  type ShapeGuard,
  shapeGuardText,
} from './guards.js';
export { paramNames } from './param-names.js';
export { respecialize } from './respecialize.js';
export { type GraphBreak, type Segment, type SegmentClose, Segmenter } from './segmenter.js';
export { structureKey } from './structure-key.js';
