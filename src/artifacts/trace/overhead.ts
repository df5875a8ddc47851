/**
 * Time spent writing trace records, per compile (`<frame_id>_<frame_compile_id>`, summed over attempts), so that
 * compilation_metrics can report `structured_logging_overhead_s` (PyTorch's get_structured_logging_overhead).
 */
import { type CompileId, currentTraceId } from '../../logging/index.js';

const overheadSeconds = new Map<string, number>();
/**
 * Compiles whose overhead is remembered (the oldest is forgotten first): compilation_metrics reads it when its
 * compile ends, and a long-running process compiles without bound.
 */
const REMEMBERED_COMPILES = 1024;

const keyOf = (id: Pick<CompileId, 'frameId' | 'frameCompileId'>): string =>
  `${id.frameId}_${id.frameCompileId}`;

export function addStructuredLoggingOverhead(seconds: number): void {
  const traceId = currentTraceId();
  if (!traceId) return; // records outside a compile are not charged to any compile
  add(keyOf(traceId.compileId), seconds);
}

/** Adds to the overhead of a given compile (for records built after their compile's context is gone). */
export function addStructuredLoggingOverheadFor(
  id: Pick<CompileId, 'frameId' | 'frameCompileId'>,
  seconds: number,
): void {
  add(keyOf(id), seconds);
}

function add(key: string, seconds: number): void {
  const known = overheadSeconds.get(key);
  overheadSeconds.set(key, (known ?? 0) + seconds);
  if (known === undefined && overheadSeconds.size > REMEMBERED_COMPILES) {
    overheadSeconds.delete(overheadSeconds.keys().next().value as string);
  }
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
