/**
 * The named records PyTorch writes through trace_structured: artifacts (trace_structured_artifact), generated
 * source files (dump_file) and per-compile metrics (compilation_metrics). Each is a thin, zero-cost-when-off wrapper.
 */
import { getStructuredLoggingOverhead } from './overhead.js';
import { PyFloat } from './py-json.js';
import { emitRecord, type Lazy, type TraceCompileId } from './trace-structured.js';
import { activeSession, traceFlags } from './trace-switch.js';

export type ArtifactEncoding = 'string' | 'json';

/**
 * An `artifact` record: `{"artifact": {"name", "encoding"}}` plus the payload. With encoding `json` the payload
 * should be JSON text (a string); any other value is encoded by the payload rules (a list or indent=0 JSON).
 */
export function traceArtifact(
  name: string,
  encoding: ArtifactEncoding,
  payload: Lazy<unknown>,
  options?: { compileId?: TraceCompileId },
): void {
  if (!traceFlags.trace) return;
  emitRecord('artifact', { name, encoding }, payload, options, traceArtifact);
}

/** A `dump_file` record: generated source that stack frames point into; written once per name per trace. */
export function dumpFile(name: string, source: Lazy<string>): void {
  if (!traceFlags.trace) return;
  const session = activeSession();
  if (!session || session.dumpedFiles.has(name)) return;
  session.dumpedFiles.add(name);
  emitRecord('dump_file', { name }, source, undefined, dumpFile);
}

/** Metric keys PyTorch writes as floats even when they hold a whole number (`0.0`). */
const isFloatKey = (key: string): boolean => key.endsWith('_s') || key === 'start_time';

/**
 * A `compilation_metrics` record for the current compile (or `compileId`). Fills in
 * `structured_logging_overhead_s` from the time traceStructured spent in this compile when it is missing, and
 * writes `*_s` and `start_time` numbers as Python floats. Not counted in the overhead itself, as in PyTorch.
 */
export function compilationMetrics(
  metrics: Lazy<Record<string, unknown>>,
  options?: { compileId?: TraceCompileId },
): void {
  if (!traceFlags.trace) return;
  const build = (): Record<string, unknown> => {
    const source = typeof metrics === 'function' ? metrics() : metrics;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(source)) {
      out[key] = typeof value === 'number' && isFloatKey(key) ? new PyFloat(value) : value;
    }
    if (!('structured_logging_overhead_s' in out)) {
      const compileId = options?.compileId;
      const overhead =
        compileId?.frameId !== undefined && compileId.frameCompileId !== undefined
          ? getStructuredLoggingOverhead({
              frameId: compileId.frameId,
              frameCompileId: compileId.frameCompileId,
            })
          : getStructuredLoggingOverhead();
      if (overhead !== undefined) out.structured_logging_overhead_s = new PyFloat(overhead);
    }
    return out;
  };
  emitRecord(
    'compilation_metrics',
    build,
    undefined,
    { compileId: options?.compileId, recordLoggingOverhead: false },
    compilationMetrics,
  );
}
