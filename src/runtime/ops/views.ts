/**
 * View ops alias their input's storage (`aliasOf: 0`, no kernel), exactly where PyTorch's do.
 * `reshape` and `contiguous` alias when the strides allow and copy otherwise; `cat` always copies.
 */

import { CompilogError } from '../../logging/index.js';
import { badArgument, shapeMismatch } from '../core/errors.js';
import { formatShape, inferSize, isContiguous, normalizeDim, numel, viewStrides } from '../core/shape.js';
import type { Attrs, OperandMeta, StridedArray, TensorMeta } from '../core/types.js';
import { toContiguous } from '../kernels/elementwise.js';
import { contiguousMeta, listAttr, numberAttr, tensorArg } from './meta.js';
import type { OpDef, OutMeta } from './op-def.js';

function alias(
  x: TensorMeta,
  shape: readonly number[],
  strides: readonly number[],
  offset = x.offset,
): OutMeta {
  return { shape: [...shape], strides: [...strides], offset, dtype: x.dtype, aliasOf: 0 };
}

function viewOp(name: string, infer: (x: TensorMeta, attrs: Attrs) => OutMeta): OpDef {
  return {
    name,
    category: 'view',
    arity: 1,
    print: { kind: 'method', name },
    inferMeta: (inputs, attrs) => infer(tensorArg(inputs[0], name), attrs),
  };
}

const copyFirst = (inputs: readonly (StridedArray | number)[]) => toContiguous(inputs[0] as StridedArray);

const view = viewOp('view', (x, attrs) => {
  const shape = inferSize(listAttr(attrs.shape, 'shape', 'view'), numel(x.shape));
  const strides = viewStrides(x.shape, x.strides, shape);
  if (strides === null) {
    throw new CompilogError(
      'E_VIEW_STRIDES',
      "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.",
      'call reshape() (copies when needed) or contiguous() before view()',
    );
  }
  return alias(x, shape, strides);
});

const reshape: OpDef = {
  ...viewOp('reshape', (x, attrs) => {
    const shape = inferSize(listAttr(attrs.shape, 'shape', 'reshape'), numel(x.shape));
    const strides = viewStrides(x.shape, x.strides, shape);
    return strides === null ? contiguousMeta(shape) : alias(x, shape, strides);
  }),
  eager: copyFirst,
};

const contiguous: OpDef = {
  name: 'contiguous',
  category: 'copy',
  arity: 1,
  print: { kind: 'method', name: 'contiguous' },
  inferMeta(inputs) {
    const x = tensorArg(inputs[0], 'contiguous');
    return isContiguous(x.shape, x.strides) ? alias(x, x.shape, x.strides) : contiguousMeta(x.shape);
  },
  eager: copyFirst,
};

const permute = viewOp('permute', (x, attrs) => {
  const dims = listAttr(attrs.dims, 'dims', 'permute').map((d) => normalizeDim(d, x.shape.length));
  if (dims.length !== x.shape.length) {
    throw new CompilogError(
      'E_BAD_DIM',
      `permute(): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${x.shape.length} is not equal to len(dims) = ${dims.length}`,
      'pass each dim exactly once',
    );
  }
  if (new Set(dims).size !== dims.length) {
    throw new CompilogError(
      'E_BAD_DIM',
      'permute(): duplicate dims are not allowed.',
      'pass each dim exactly once',
    );
  }
  return alias(
    x,
    dims.map((d) => x.shape[d]),
    dims.map((d) => x.strides[d]),
  );
});

const transpose = viewOp('transpose', (x, attrs) => {
  const rank = x.shape.length;
  const a = normalizeDim(numberAttr(attrs.dim0, 'dim0', 'transpose'), rank);
  const b = normalizeDim(numberAttr(attrs.dim1, 'dim1', 'transpose'), rank);
  const shape = [...x.shape];
  const strides = [...x.strides];
  if (rank > 0) {
    [shape[a], shape[b]] = [shape[b], shape[a]];
    [strides[a], strides[b]] = [strides[b], strides[a]];
  }
  return alias(x, shape, strides);
});

const expand = viewOp('expand', (x, attrs) => {
  const size = listAttr(attrs.size, 'size', 'expand');
  if (size.length < x.shape.length) {
    throw shapeMismatch(
      `expand(torch.FloatTensor{${formatShape(x.shape)}}, size=${formatShape(size)}): the number of sizes provided (${size.length}) must be greater or equal to the number of dimensions in the tensor (${x.shape.length})`,
    );
  }
  const lead = size.length - x.shape.length;
  const shape: number[] = [];
  const strides: number[] = [];
  size.forEach((want, i) => {
    if (i < lead && want === -1) {
      throw shapeMismatch(
        `The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension ${i}`,
      );
    }
    const have = i >= lead ? x.shape[i - lead] : 1;
    const target = want === -1 && i >= lead ? have : want;
    if (have !== target && have !== 1) {
      throw shapeMismatch(
        `The expanded size of the tensor (${target}) must match the existing size (${have}) at non-singleton dimension ${i}.  Target sizes: ${formatShape(size)}.  Tensor sizes: ${formatShape(x.shape)}`,
      );
    }
    shape.push(target);
    strides.push(i < lead || (have === 1 && target !== 1) ? 0 : x.strides[i - lead]);
  });
  return alias(x, shape, strides);
});

/** x[..., start:end:step, ...] along `dim`; start/end clamp like Python slicing, negatives count from the end. */
const slice = viewOp('slice', (x, attrs) => {
  const rank = x.shape.length;
  if (rank === 0) throw badArgument('slice() cannot be applied to a 0-dim tensor.');
  const dim = normalizeDim(numberAttr(attrs.dim, 'dim', 'slice'), rank);
  const step = attrs.step === undefined ? 1 : numberAttr(attrs.step, 'step', 'slice');
  if (!Number.isInteger(step) || step <= 0) throw badArgument('slice step must be positive');
  const size = x.shape[dim];
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  const start = clamp(
    attrs.start === undefined || attrs.start === null ? 0 : numberAttr(attrs.start, 'start', 'slice'),
  );
  const end = Math.max(
    start,
    clamp(attrs.end === undefined || attrs.end === null ? size : numberAttr(attrs.end, 'end', 'slice')),
  );
  const shape = [...x.shape];
  const strides = [...x.strides];
  shape[dim] = Math.ceil((end - start) / step);
  strides[dim] = x.strides[dim] * step;
  return alias(x, shape, strides, x.offset + start * x.strides[dim]);
});

const cat: OpDef = {
  name: 'cat',
  category: 'cat',
  arity: 'variadic',
  print: { kind: 'function', name: 'torch.cat' },
  inferMeta(inputs: readonly OperandMeta[], attrs: Attrs): OutMeta {
    if (inputs.length === 0) throw badArgument('torch.cat(): expected a non-empty list of Tensors');
    const first = tensorArg(inputs[0], 'cat');
    const rank = first.shape.length;
    if (rank === 0) throw shapeMismatch('zero-dimensional tensor (at position 0) cannot be concatenated');
    const dim = normalizeDim(numberAttr(attrs.dim ?? 0, 'dim', 'cat'), rank);
    const shape = [...first.shape];
    shape[dim] = 0;
    inputs.forEach((input, i) => {
      const t = tensorArg(input, 'cat', i);
      if (t.shape.length !== rank) {
        throw shapeMismatch(`Tensors must have same number of dimensions: got ${rank} and ${t.shape.length}`);
      }
      t.shape.forEach((d, j) => {
        if (j !== dim && d !== first.shape[j]) {
          throw shapeMismatch(
            `Sizes of tensors must match except in dimension ${dim}. Expected size ${first.shape[j]} but got size ${d} for tensor number ${i} in the list.`,
          );
        }
      });
      shape[dim] += t.shape[dim];
    });
    return contiguousMeta(shape);
  },
  eager(inputs: readonly (StridedArray | number)[], attrs: Attrs, out: OutMeta): Float32Array {
    const dim = normalizeDim(attrs.dim as number, out.shape.length);
    const result = new Float32Array(numel(out.shape));
    // Viewed as [outer, shape[dim] * inner], each part fills a column block of every outer row.
    const inner = numel(out.shape.slice(dim + 1));
    const outer = numel(out.shape.slice(0, dim));
    const rowLen = out.shape[dim] * inner;
    let col = 0;
    for (const input of inputs) {
      const part = input as StridedArray;
      const data = toContiguous(part);
      const block = part.shape[dim] * inner;
      for (let r = 0; r < outer; r++) result.set(data.subarray(r * block, (r + 1) * block), r * rowLen + col);
      col += block;
    }
    return result;
  },
};

export const VIEW_OPS: readonly OpDef[] = [view, reshape, contiguous, permute, transpose, expand, slice, cat];
