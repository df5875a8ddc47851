/**
 * The compile-id context: which compile (and which attempt of it) the current code runs in.
 * It flows through async code with AsyncLocalStorage, so log lines and trace envelopes inside a compile
 * carry `[frame/compile]` without anyone passing it by hand. Lives in `logging` because the log-line
 * formatter needs it; `artifacts` re-exports it for the trace writer.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface CompileId {
  frameId: number;
  frameCompileId: number;
  compiledAutogradId?: number;
}

export interface TraceId {
  compileId: CompileId;
  attempt: number;
}

const storage = new AsyncLocalStorage<TraceId>();

/** Runs `fn` inside a compile; everything it logs or traces (sync or async) carries this id. */
export function withCompileId<T>(id: CompileId | TraceId, fn: () => T): T {
  const traceId: TraceId = 'compileId' in id ? id : { compileId: id, attempt: 0 };
  return storage.run(traceId, fn);
}

export function currentTraceId(): TraceId | undefined {
  return storage.getStore();
}

/** PyTorch's CompileId string: `0/1`, `!2`, `!2/3/4`. */
export function formatCompileId(id: CompileId): string {
  const base = `${id.frameId}/${id.frameCompileId}`;
  return id.compiledAutogradId === undefined ? base : `!${id.compiledAutogradId}/${base}`;
}

/** PyTorch's TraceId string: the compile id, then `_<attempt>` when the attempt is not 0. */
export function formatTraceId(id: TraceId): string {
  const cid = formatCompileId(id.compileId);
  return id.attempt === 0 ? cid : `${cid}_${id.attempt}`;
}
