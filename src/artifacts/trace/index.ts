// The structured trace writer (TORCH_TRACE / TORCH_DTRACE): public surface.
export {
  type CompileId,
  currentTraceId,
  formatCompileId,
  formatTraceId,
  type TraceId,
  withCompileId,
} from '../../logging/index.js';
export {
  type ChromiumEvent,
  type ChromiumEventOptions,
  type ChromiumPhase,
  chromiumEvent,
  completeEvent,
  nowMicros,
  timed,
} from './chromium.js';
export {
  CompileContext,
  currentCompileId,
  defaultCompileContext,
  RestartCompile,
  withCompileAttempt,
} from './compile-ids.js';
export type { TraceClock } from './glog-prefix.js';
export { type ArtifactEncoding, compilationMetrics, dumpFile, traceArtifact } from './helpers.js';
export { getStructuredLoggingOverhead } from './overhead.js';
export { encodePayload, md5Hex, type PayloadEncoding } from './payload.js';
export { PyFloat, pyFloat, pyJsonDumps, pyJsonString, pythonFloatRepr } from './py-json.js';
export { traceFileName } from './trace-file.js';
export type { TraceSessionOptions } from './trace-session.js';
export {
  dtraceStructured,
  internStack,
  internString,
  type Lazy,
  RESERVED_TRACE_NAMES,
  settleQueuedRecords,
  type TraceCompileId,
  type TraceStructuredOptions,
  traceStructured,
  type UserFrame,
} from './trace-structured.js';
export {
  disableTrace,
  enableTrace,
  flushTrace,
  isTraceEnabled,
  traceFilePath,
} from './trace-switch.js';
