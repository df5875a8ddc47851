/**
 * Dispatch modes: a stack of handlers that see every op call before eager execution, like PyTorch's
 * TorchDispatchMode (and tinygrad's lazy buffers). Capture pushes a recording mode that returns lazy
 * tensors; a mode can also observe and pass calls on (`next()`), e.g. to count or log them.
 */
import type { Attrs, Operand, TensorValue } from '../core/types.js';
import type { OpDef, OutMeta } from '../ops/op-def.js';

/** Why a tensor's data is being read: where capture later places graph breaks. */
export type MaterializeReason = 'item' | 'toArray' | 'eager-input';

export interface DispatchMode {
  readonly name: string;
  /**
   * Handles one op call. `meta` is the already-inferred output metadata (shape errors were raised
   * before any mode runs). `next()` passes the call to the modes below and finally to eager. While
   * this runs, this mode and those above it are inactive, so ops it issues do not re-enter it
   * (use `withMode(this, fn)` to re-enter deliberately, e.g. to record a decomposition).
   */
  dispatch(
    op: OpDef,
    inputs: readonly Operand[],
    attrs: Attrs,
    meta: OutMeta,
    next: () => TensorValue,
  ): TensorValue;
  /**
   * A lazy tensor's data is needed. Return its data (e.g. after running the graph recorded so far),
   * return undefined to decline, or throw to refuse (a graph-break signal).
   */
  materialize?(t: TensorValue, reason: MaterializeReason): Float32Array | undefined;
}

let active: readonly DispatchMode[] = [];

export function activeModes(): readonly DispatchMode[] {
  return active;
}

/** Runs fn with `modes` as the whole active stack (internal: dispatch narrows it while a handler runs). */
export function withModeStack<T>(modes: readonly DispatchMode[], fn: () => T): T {
  const saved = active;
  active = modes;
  try {
    return fn();
  } finally {
    active = saved;
  }
}

/** Runs fn with `mode` pushed on top of the active stack (PyTorch's `with mode:`). */
export function withMode<T>(mode: DispatchMode, fn: () => T): T {
  return withModeStack([...active, mode], fn);
}

/** Runs fn with no modes: plain eager execution (the reference interpreter uses this). */
export function withoutModes<T>(fn: () => T): T {
  return withModeStack([], fn);
}
