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

/**
 * Relu and maximum as the branchless arithmetic a hand-written loop uses, with no fallback branch: a
 * never-taken NaN test per element still costs 30% on a 6-op chain, and far more in a large kernel, where
 * it splits the loop body and V8 no longer keeps independent work side by side.
 *  - relu: `(x + |x|) / 2`, exact for every finite x, NaN and +Infinity.
 *  - maximum with a finite literal s >= 0: `s + relu(x - s)`: exactly s when x <= s, and x within 2^-52
 *    (float64 rounding) when x > s, because 0 <= s < x there (`exactResult: false`: exact mode rounds it
 *    to float32, which gives x exactly).
 *  - maximum otherwise: the select `(a > b)·a + (a <= b)·b`, exact for finite operands and NaN.
 * They give NaN where the eager op does not only for an infinite operand (-Infinity for relu). The
 * kernel adds every such value to a check sum and, when the sum ends NaN, runs its safe copy (helpers.ts
 * forms) instead: results never depend on the shortcut.
 */
export function fastForm(
  op: string,
  args: readonly string[],
): { readonly expr: string; readonly exactResult: boolean } | undefined {
  if (op === 'relu') return { expr: `((${args[0]} + Math.abs(${args[0]})) * 0.5)`, exactResult: true };
  if (op !== 'maximum') return undefined;
  const [a, b] = args;
  const s = nonNegativeLiteral(b) ? b : nonNegativeLiteral(a) ? a : undefined;
  if (s !== undefined) {
    const x = s === b ? a : b;
    return { expr: `(${s} + ((${x} - ${s}) + Math.abs(${x} - ${s})) * 0.5)`, exactResult: false };
  }
  return { expr: `(+(${a} > ${b}) * ${a} + +(${a} <= ${b}) * ${b})`, exactResult: true };
}

/** Ops whose fast form needs the kernel's NaN check (see fastForm). */
export const CHECKED_OPS: ReadonlySet<string> = new Set(['relu', 'maximum']);

/** A literal operand (codegen-common's `literal`) that is a finite number >= 0 (not -0). */
function nonNegativeLiteral(text: string): boolean {
  if (!/^[0-9]/.test(text)) return false;
  const v = Number(text);
  return Number.isFinite(v) && v >= 0;
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
