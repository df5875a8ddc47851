/**
 * Per-element expressions the code generator uses instead of the op table's where a branchless form is
 * much faster (perf anchors B3: on random signs `Math.max(x, 0)` and `c ? 1 : 0` mispredict, 4-5x slower).
 * Operands are always locals or literals here, so repeating them costs nothing.
 *
 * Exactness: relu and maximum are exact for finite inputs and NaN propagates; an input of -Infinity gives
 * NaN instead of the other operand (Infinity - Infinity). Comparisons are exact.
 */
import type { ExprTemplate } from '../kernels/elementwise.js';

const compare =
  (op: string): ExprTemplate =>
  (a, b) =>
    `+(${a} ${op} ${b})`;

export const BRANCHLESS: Readonly<Record<string, ExprTemplate>> = {
  relu: (a) => `((${a} + Math.abs(${a})) * 0.5)`,
  maximum: (a, b) => `((${a} + ${b} + Math.abs(${a} - ${b})) * 0.5)`,
  eq: compare('==='),
  ne: compare('!=='),
  lt: compare('<'),
  le: compare('<='),
  gt: compare('>'),
  ge: compare('>='),
};
