/**
 * An op, declared once as data: what capture records, what lowering decomposes, what fusion groups
 * (by category) and what codegen emits (by `expr`). Eager execution is one field among others.
 */

import type { Attrs, Operand, OperandMeta, StridedArray, TensorMeta, TensorValue } from '../core/types.js';
import type { ExprTemplate } from '../kernels/elementwise.js';

export type OpCategory =
  | 'pointwise-unary'
  | 'pointwise-binary'
  | 'comparison'
  | 'where'
  | 'reduction'
  | 'matmul'
  | 'view'
  | 'copy'
  | 'cat'
  | 'composite';

/** The output's metadata. `aliasOf: i` says the output is a view of input i's storage (no kernel runs). */
export interface OutMeta extends TensorMeta {
  readonly aliasOf?: number;
}

/** Re-entry into dispatch, handed to decompositions so they stay independent of the Tensor class. */
export type OpCall = (op: string, inputs: readonly Operand[], attrs?: Attrs) => TensorValue;

/** How the FX-style printer spells a call: `a + b`, `x.exp()`, `torch.where(c, a, b)`. */
export type PrintStyle =
  | { readonly kind: 'operator'; readonly symbol: string }
  | { readonly kind: 'method'; readonly name: string }
  | { readonly kind: 'function'; readonly name: string };

export interface OpDef {
  readonly name: string;
  readonly category: OpCategory;
  /** Number of operands (tensors or scalars), or 'variadic' (cat). */
  readonly arity: number | 'variadic';
  readonly print: PrintStyle;
  /** Shape/stride/dtype inference; the single place shape errors are raised (eager and capture alike). */
  inferMeta(inputs: readonly OperandMeta[], attrs: Attrs): OutMeta;
  /** Eager kernel: a fresh contiguous buffer for the output. Absent for views (aliasOf) and composites. */
  eager?(inputs: readonly (StridedArray | number)[], attrs: Attrs, out: OutMeta): Float32Array;
  /** Composite ops: the same computation in terms of other ops (what `aot` lowering applies). */
  decompose?(inputs: readonly Operand[], attrs: Attrs, call: OpCall): TensorValue;
  /** Pointwise ops: the per-element JS expression (operands named by the caller). */
  readonly expr?: ExprTemplate;
}
