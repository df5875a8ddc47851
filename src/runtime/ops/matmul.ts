/** torch.matmul semantics: 1-D·1-D dot, 2-D mm, 1-D promotion, batched with broadcast batch dims. */
import { shapeMismatch } from '../core/errors.js';
import { broadcastShapes, formatShape } from '../core/shape.js';
import type { OperandMeta, StridedArray, TensorMeta } from '../core/types.js';
import { batchedMatmul } from '../kernels/matmul.js';
import { contiguousMeta, tensorArg } from './meta.js';
import type { OpDef, OutMeta } from './op-def.js';

interface MatmulPlan {
  /** Operand shapes promoted to >= 2-D. */
  a: number[];
  b: number[];
  batch: number[];
  out: number[];
}

export function planMatmul(aShape: readonly number[], bShape: readonly number[]): MatmulPlan {
  if (aShape.length === 0 || bShape.length === 0) {
    throw shapeMismatch(
      `both arguments to matmul need to be at least 1D, but they are ${aShape.length}D and ${bShape.length}D`,
    );
  }
  if (aShape.length === 1 && bShape.length === 1 && aShape[0] !== bShape[0]) {
    throw shapeMismatch(
      `inconsistent tensor size, expected tensor [${aShape[0]}] and src [${bShape[0]}] to have the same number of elements, but got ${aShape[0]} and ${bShape[0]} elements respectively`,
    );
  }
  const a = aShape.length === 1 ? [1, aShape[0]] : [...aShape];
  const b = bShape.length === 1 ? [bShape[0], 1] : [...bShape];
  const [n, k] = a.slice(-2);
  const [k2, m] = b.slice(-2);
  if (k !== k2) {
    const fmt = (s: readonly number[]) => (s.length <= 2 ? s.join('x') : formatShape(s));
    throw shapeMismatch(`mat1 and mat2 shapes cannot be multiplied (${fmt(aShape)} and ${fmt(bShape)})`);
  }
  const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2));
  const out = [...batch];
  if (aShape.length > 1) out.push(n);
  if (bShape.length > 1) out.push(m);
  return { a, b, batch, out };
}

export const MATMUL_OP: OpDef = {
  name: 'matmul',
  category: 'matmul',
  arity: 2,
  print: { kind: 'operator', symbol: '@' },
  inferMeta(inputs: readonly OperandMeta[]): OutMeta {
    const a = tensorArg(inputs[0], 'matmul', 0);
    const b = tensorArg(inputs[1], 'matmul', 1);
    return contiguousMeta(planMatmul(a.shape, b.shape).out);
  },
  eager(inputs: readonly (StridedArray | number)[]): Float32Array {
    const a = inputs[0] as StridedArray;
    const b = inputs[1] as StridedArray;
    const plan = planMatmul(a.shape, b.shape);
    // Promoting a 1-D operand is a view: [k] with stride s reads as [1, k] or [k, 1].
    const promote = (x: StridedArray, shape: number[], row: boolean): StridedArray => {
      if (x.shape.length > 1) return x;
      const strides = row ? [0, x.strides[0]] : [x.strides[0], 0];
      const meta: TensorMeta = { shape, strides, offset: x.offset, dtype: x.dtype };
      return { ...meta, storage: x.storage };
    };
    return batchedMatmul(promote(a, plan.a, true), promote(b, plan.b, false), plan.batch);
  },
};
