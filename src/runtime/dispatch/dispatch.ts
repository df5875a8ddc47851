/**
 * The one dispatch point. Every Tensor method ends here: look the op up, infer the output metadata
 * (raising shape errors), then hand the call to the top dispatch mode, or run it eagerly.
 */

import { CompilogError } from '../../logging/index.js';
import { badArgument } from '../core/errors.js';
import type { Attrs, Operand, StridedArray, TensorValue } from '../core/types.js';
import type { OpDef, OutMeta } from '../ops/op-def.js';
import { getOp } from '../ops/op-table.js';
import { activeModes, type DispatchMode, type MaterializeReason, withModeStack } from './mode.js';

const NO_ATTRS: Attrs = Object.freeze({});

export function dispatch(name: string, inputs: readonly Operand[], attrs: Attrs = NO_ATTRS): TensorValue {
  const op = getOp(name);
  if (op.arity !== 'variadic' && inputs.length !== op.arity) {
    throw badArgument(`${name}() takes ${op.arity} operand(s) but ${inputs.length} were given`);
  }
  const meta = op.inferMeta(inputs, attrs);
  const stack = activeModes();
  return runLevel(stack, stack.length, op, inputs, attrs, meta);
}

function runLevel(
  stack: readonly DispatchMode[],
  level: number,
  op: OpDef,
  inputs: readonly Operand[],
  attrs: Attrs,
  meta: OutMeta,
): TensorValue {
  if (level === 0) return runEager(op, inputs, attrs, meta);
  const mode = stack[level - 1];
  const below = stack.slice(0, level - 1);
  return withModeStack(below, () =>
    mode.dispatch(op, inputs, attrs, meta, () => runLevel(stack, level - 1, op, inputs, attrs, meta)),
  );
}

/** Eager execution of one call whose metadata is known. */
function runEager(op: OpDef, inputs: readonly Operand[], attrs: Attrs, meta: OutMeta): TensorValue {
  const ready = inputs.map((x): StridedArray | number =>
    typeof x === 'number' ? x : { ...x, storage: materialize(x, 'eager-input') },
  );
  const { aliasOf, ...plain } = meta;
  if (aliasOf !== undefined) {
    return { ...plain, storage: (ready[aliasOf] as StridedArray).storage, lazy: null };
  }
  if (op.eager !== undefined) return { ...plain, storage: op.eager(ready, attrs, meta), lazy: null };
  if (op.decompose !== undefined) {
    // Composite without a dedicated kernel: run its decomposition, eagerly, with no modes.
    const operands = ready.map((x): Operand => (typeof x === 'number' ? x : { ...x, lazy: null }));
    return withModeStack([], () => op.decompose!(operands, attrs, dispatch));
  }
  throw badArgument(`op '${op.name}' has neither an eager kernel nor a decomposition`);
}

/**
 * The data of `t`, asking the dispatch modes (top first) when it is lazy. The hook for graph breaks:
 * a capture mode sees every `item()`, `toArray()` and eager use of a lazy tensor here.
 */
export function materialize(t: TensorValue, reason: MaterializeReason): Float32Array {
  if (t.storage !== null) return t.storage;
  const modes = activeModes();
  for (let i = modes.length - 1; i >= 0; i--) {
    const data = modes[i].materialize?.(t, reason);
    if (data !== undefined) {
      t.storage = data;
      return data;
    }
  }
  throw new CompilogError(
    'E_LAZY_TENSOR',
    `cannot read the data of a lazy tensor (${reason}): it exists only inside a capture`,
    'read tensor data outside the captured function, or let the capture mode materialise it (graph break)',
  );
}
