/**
 * Allocating compile ids the way PyTorch's dynamo does: a `frame_id` per new code object (first seen, first
 * numbered), a `frame_compile_id` per compile of that frame (0, then 1 on the first recompile, ...), and an
 * `attempt` per restart of one compile (0, then 1 after a restart, ...). The ids flow through async code with the
 * logging layer's AsyncLocalStorage context (withCompileId), so log lines and trace envelopes pick them up.
 */
import { type CompileId, currentTraceId, type TraceId, withCompileId } from '../../logging/index.js';

/** Runs `fn` as attempt `attempt` of the current compile (restart numbering); outside a compile, just runs `fn`. */
export function withCompileAttempt<T>(attempt: number, fn: () => T): T {
  const current = currentTraceId();
  if (!current) return fn();
  return withCompileId({ compileId: current.compileId, attempt }, fn);
}

/** The current compile id (without the attempt), or undefined outside a compile. */
export function currentCompileId(): CompileId | undefined {
  return currentTraceId()?.compileId;
}

/** Thrown by a compile to ask for a restart (PyTorch's RestartAnalysis); `CompileContext.compile` retries. */
export class RestartCompile extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'RestartCompile';
  }
}

/** One numbering of frames and compiles; a process normally has one (see `defaultCompileContext`). */
export class CompileContext {
  private nextFrameId = 0;
  private readonly objectFrames = new WeakMap<object, number>();
  private readonly valueFrames = new Map<unknown, number>();
  /** Compiles so far per code object: weak, so a dropped function's counter goes with it. */
  private readonly objectCompiles = new WeakMap<object, number>();
  private readonly valueCompiles = new Map<unknown, number>();

  /** The frame id of a code object (a function, or any key naming it), allocated on first sight. */
  frameId(code: unknown): number {
    const isObject = (typeof code === 'object' && code !== null) || typeof code === 'function';
    const known = isObject ? this.objectFrames.get(code as object) : this.valueFrames.get(code);
    if (known !== undefined) return known;
    const id = this.nextFrameId++;
    if (isObject) this.objectFrames.set(code as object, id);
    else this.valueFrames.set(code, id);
    return id;
  }

  /** A new compile of `code`: its frame id and the next frame_compile_id for that frame. */
  nextCompileId(code: unknown, compiledAutogradId?: number): CompileId {
    const frameId = this.frameId(code);
    const isObject = (typeof code === 'object' && code !== null) || typeof code === 'function';
    const frameCompileId =
      (isObject ? this.objectCompiles.get(code as object) : this.valueCompiles.get(code)) ?? 0;
    if (isObject) this.objectCompiles.set(code as object, frameCompileId + 1);
    else this.valueCompiles.set(code, frameCompileId + 1);
    return compiledAutogradId === undefined
      ? { frameId, frameCompileId }
      : { frameId, frameCompileId, compiledAutogradId };
  }

  /**
   * Compiles `code`: allocates its compile id and runs `fn` inside it as attempt 0; if `fn` throws (or rejects
   * with) RestartCompile, runs it again as attempt 1, 2, ... up to `maxAttempts`. Works for sync and async `fn`.
   */
  compile<T>(code: unknown, fn: (id: TraceId) => T, maxAttempts = 8): T {
    const compileId = this.nextCompileId(code);
    const run = (attempt: number): T => {
      const traceId: TraceId = { compileId, attempt };
      const retry = (err: unknown): T => {
        if (err instanceof RestartCompile && attempt + 1 < maxAttempts) return run(attempt + 1);
        throw err;
      };
      let result: T;
      try {
        result = withCompileId(traceId, () => fn(traceId));
      } catch (err) {
        return retry(err);
      }
      if (result instanceof Promise) return result.catch(retry) as T;
      return result;
    };
    return run(0);
  }
}

/** The process-wide compile numbering used by the included compiler. */
export const defaultCompileContext = new CompileContext();
