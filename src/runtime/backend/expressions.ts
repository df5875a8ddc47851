/**
 * Per-element expressions the code generator uses instead of the op table's where a branchless form is
 * much faster (perf anchors B3: on random signs `Math.max(x, 0)` and `c ? 1 : 0` mispredict, 4-5x slower).
 * Operands are always locals or literals here, so repeating them costs nothing. Every form gives exactly
 * the eager op's result for every input, infinities, NaN and signed zeros included (helpers.ts).
 */
import type { ExprTemplate } from '../kernels/elementwise.js';

const compare =
  (op: string): ExprTemplate =>
  (a, b) =>
    `+(${a} ${op} ${b})`;

export const BRANCHLESS: Readonly<Record<string, ExprTemplate>> = {
  relu: (a) => `H.relu(${a})`,
  maximum: (a, b) => `H.maximum(${a}, ${b})`,
  eq: compare('==='),
  ne: compare('!=='),
  lt: compare('<'),
  le: compare('<='),
  gt: compare('>'),
  ge: compare('>='),
};

/**
 * gelu stays one pointwise op through lowering (like Inductor's lowering of aten.gelu), with the same
 * expression as the eager kernel (ops/composites.ts), so compiled and eager gelu agree bit for bit.
 */
export function geluExpr(approximate: unknown): ExprTemplate {
  return approximate === 'tanh'
    ? (a) => `(0.5 * ${a} * (1 + Math.tanh(${0.7978845608028654} * (${a} + 0.044715 * ${a} * ${a} * ${a}))))`
    : (a) => `(0.5 * ${a} * (1 + H.erf(${a} * ${Math.SQRT1_2})))`;
}

/** Composite ops lowering keeps as single pointwise ops. */
export const KEPT_COMPOSITES: ReadonlySet<string> = new Set(['gelu']);

/** Ops whose result is already a float32 value when their operands are (no rounding needed). */
const EXACT: ReadonlySet<string> = new Set([
  'relu',
  'maximum',
  'neg',
  'abs',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'where',
  'reshape',
  'contiguous',
]);

/**
 * The statement computing a value, rounded to float32 as the eager op would store it. The rounding is left
 * out where it cannot change anything: exact ops, and values that are only stored (a Float32Array store
 * rounds the same way).
 */
export function roundedValue(op: string, expr: string, consumedInKernel: boolean): string {
  return !consumedInKernel || EXACT.has(op) ? expr : `Math.fround(${expr})`;
}
