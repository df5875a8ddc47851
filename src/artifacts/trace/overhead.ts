/**
 * Time spent writing trace records, per compile (`<frame_id>_<frame_compile_id>`, summed over attempts), so that
 * compilation_metrics can report `structured_logging_overhead_s` (PyTorch's get_structured_logging_overhead).
 */
import { type CompileId, currentTraceId } from '../../logging/index.js';

const overheadSeconds = new Map<string, number>();

const keyOf = (id: Pick<CompileId, 'frameId' | 'frameCompileId'>): string =>
  `${id.frameId}_${id.frameCompileId}`;

export function addStructuredLoggingOverhead(seconds: number): void {
  const traceId = currentTraceId();
  if (!traceId) return; // records outside a compile are not charged to any compile
  const key = keyOf(traceId.compileId);
  overheadSeconds.set(key, (overheadSeconds.get(key) ?? 0) + seconds);
}

/** Adds to the overhead of a given compile (for records built after their compile's context is gone). */
export function addStructuredLoggingOverheadFor(
  id: Pick<CompileId, 'frameId' | 'frameCompileId'>,
  seconds: number,
): void {
  const key = keyOf(id);
  overheadSeconds.set(key, (overheadSeconds.get(key) ?? 0) + seconds);
}

/**
 * Seconds spent in traceStructured for `compileId` (default: the current compile), or undefined outside a
 * compile. Zero when nothing was traced for it.
 */
export function getStructuredLoggingOverhead(
  compileId?: Pick<CompileId, 'frameId' | 'frameCompileId'>,
): number | undefined {
  const id = compileId ?? currentTraceId()?.compileId;
  if (!id) return undefined;
  return overheadSeconds.get(keyOf(id)) ?? 0;
}
