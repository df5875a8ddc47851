/**
 * The user-facing Tensor: a strided float32 view (shape, strides, offset) over a Float32Array, or a
 * lazy tensor (metadata only) while a capture mode records. Every op method goes through dispatch().
 */
import { CompilogError } from '../logging/index.js';
import { isContiguous, normalizeDim, numel } from './core/shape.js';
import type { Attrs, AttrValue, DType, Operand, TensorValue } from './core/types.js';
import { dispatch, materialize } from './dispatch/dispatch.js';
import { toContiguous } from './kernels/elementwise.js';

export type Scalar = number;
export type TensorOrScalar = Tensor | Scalar;

/** A list of sizes given either as one array or as separate numbers, like PyTorch. */
type Sizes = [readonly number[]] | number[];

export class Tensor implements TensorValue {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  storage: Float32Array | null;
  readonly lazy: object | null;

  constructor(value: TensorValue) {
    this.shape = value.shape;
    this.strides = value.strides;
    this.offset = value.offset;
    this.dtype = value.dtype;
    this.storage = value.storage;
    this.lazy = value.lazy;
  }

  /** Wraps a dispatch result (modes may already return Tensors). */
  static wrap(value: TensorValue): Tensor {
    return value instanceof Tensor ? value : new Tensor(value);
  }

  static op(name: string, inputs: readonly Operand[], attrs?: Attrs): Tensor {
    return Tensor.wrap(dispatch(name, inputs, attrs));
  }

  get ndim(): number {
    return this.shape.length;
  }
  get isLazy(): boolean {
    return this.storage === null;
  }
  numel(): number {
    return numel(this.shape);
  }
  size(dim?: number): number | readonly number[] {
    return dim === undefined ? this.shape : this.shape[normalizeDim(dim, this.shape.length)];
  }
  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  // pointwise, unary
  neg(): Tensor {
    return Tensor.op('neg', [this]);
  }
  exp(): Tensor {
    return Tensor.op('exp', [this]);
  }
  log(): Tensor {
    return Tensor.op('log', [this]);
  }
  sin(): Tensor {
    return Tensor.op('sin', [this]);
  }
  cos(): Tensor {
    return Tensor.op('cos', [this]);
  }
  tanh(): Tensor {
    return Tensor.op('tanh', [this]);
  }
  relu(): Tensor {
    return Tensor.op('relu', [this]);
  }
  sigmoid(): Tensor {
    return Tensor.op('sigmoid', [this]);
  }
  sqrt(): Tensor {
    return Tensor.op('sqrt', [this]);
  }
  abs(): Tensor {
    return Tensor.op('abs', [this]);
  }
  erf(): Tensor {
    return Tensor.op('erf', [this]);
  }
  /** approximate: 'none' (PyTorch's default, exact erf) or 'tanh'. */
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor {
    return Tensor.op('gelu', [this], { approximate });
  }

  // pointwise, binary (scalars accepted like Python numbers)
  add(other: TensorOrScalar): Tensor {
    return Tensor.op('add', [this, other]);
  }
  sub(other: TensorOrScalar): Tensor {
    return Tensor.op('sub', [this, other]);
  }
  mul(other: TensorOrScalar): Tensor {
    return Tensor.op('mul', [this, other]);
  }
  div(other: TensorOrScalar): Tensor {
    return Tensor.op('div', [this, other]);
  }
  pow(exponent: TensorOrScalar): Tensor {
    return Tensor.op('pow', [this, exponent]);
  }
  maximum(other: TensorOrScalar): Tensor {
    return Tensor.op('maximum', [this, other]);
  }

  // comparisons: float 0/1 results
  eq(other: TensorOrScalar): Tensor {
    return Tensor.op('eq', [this, other]);
  }
  ne(other: TensorOrScalar): Tensor {
    return Tensor.op('ne', [this, other]);
  }
  lt(other: TensorOrScalar): Tensor {
    return Tensor.op('lt', [this, other]);
  }
  le(other: TensorOrScalar): Tensor {
    return Tensor.op('le', [this, other]);
  }
  gt(other: TensorOrScalar): Tensor {
    return Tensor.op('gt', [this, other]);
  }
  ge(other: TensorOrScalar): Tensor {
    return Tensor.op('ge', [this, other]);
  }
  /** PyTorch's Tensor.where: this where condition is non-zero, else other. */
  where(condition: TensorOrScalar, other: TensorOrScalar): Tensor {
    return Tensor.op('where', [condition, this, other]);
  }

  // reductions: dim may be negative or a list; omitted means all dims
  sum(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return Tensor.op('sum', [this], reductionAttrs(dim, keepdim));
  }
  mean(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return Tensor.op('mean', [this], reductionAttrs(dim, keepdim));
  }
  amax(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return Tensor.op('amax', [this], reductionAttrs(dim, keepdim));
  }
  softmax(dim: number): Tensor {
    return Tensor.op('softmax', [this], { dim });
  }
  logSoftmax(dim: number): Tensor {
    return Tensor.op('log_softmax', [this], { dim });
  }

  matmul(other: Tensor): Tensor {
    return Tensor.op('matmul', [this, other]);
  }
  /** torch.nn.functional.linear: this @ weight^T + bias. */
  linear(weight: Tensor, bias?: Tensor): Tensor {
    return Tensor.op('linear', bias === undefined ? [this, weight] : [this, weight, bias]);
  }
  layerNorm(
    normalizedShape: readonly number[],
    weight?: Tensor | null,
    bias?: Tensor | null,
    eps = 1e-5,
  ): Tensor {
    const inputs: Tensor[] = [this];
    if (weight) inputs.push(weight);
    if (bias) inputs.push(bias);
    return Tensor.op('layer_norm', inputs, {
      normalized_shape: [...normalizedShape],
      eps,
      has_weight: Boolean(weight),
      has_bias: Boolean(bias),
    });
  }

  // views (share storage like PyTorch's); reshape copies only when strides force it
  view(...shape: Sizes): Tensor {
    return Tensor.op('view', [this], { shape: sizes(shape) });
  }
  reshape(...shape: Sizes): Tensor {
    return Tensor.op('reshape', [this], { shape: sizes(shape) });
  }
  permute(...dims: Sizes): Tensor {
    return Tensor.op('permute', [this], { dims: sizes(dims) });
  }
  transpose(dim0: number, dim1: number): Tensor {
    return Tensor.op('transpose', [this], { dim0, dim1 });
  }
  /** 2-D transpose; 0-D and 1-D tensors are returned as they are (PyTorch's t()). */
  t(): Tensor {
    return this.ndim < 2 ? this : this.transpose(0, 1);
  }
  expand(...size: Sizes): Tensor {
    return Tensor.op('expand', [this], { size: sizes(size) });
  }
  /** this[..., start:end:step, ...] along dim (Python slicing rules: clamped, negatives from the end). */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return Tensor.op('slice', [this], { dim, start: start ?? null, end: end ?? null, step });
  }
  contiguous(): Tensor {
    return Tensor.op('contiguous', [this]);
  }

  // data access: the materialisation points a capture mode sees
  item(): number {
    const n = this.numel();
    if (n !== 1) {
      throw new CompilogError(
        'E_ITEM_NUMEL',
        `a Tensor with ${n} elements cannot be converted to Scalar`,
        'reduce the tensor first (sum(), amax(), ...) or index one element',
      );
    }
    return materialize(this, 'item')[this.offset];
  }
  /** The elements in row-major order, as a fresh contiguous Float32Array. */
  toArray(): Float32Array {
    const storage = materialize(this, 'toArray');
    return toContiguous({ ...this, storage });
  }
  /** Nested JS arrays (for printing and tests). */
  tolist(): number | unknown[] {
    const flat = Array.from(this.toArray());
    if (this.ndim === 0) return flat[0];
    const build = (dim: number, start: number): unknown[] => {
      const step = numel(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) =>
        dim === this.ndim - 1 ? flat[start + i] : build(dim + 1, start + i * step),
      );
    };
    return build(0, 0);
  }
  toString(): string {
    const desc = `shape=[${this.shape.join(', ')}], dtype=${this.dtype}`;
    return this.isLazy ? `Tensor(<lazy>, ${desc})` : `Tensor(${JSON.stringify(this.tolist())}, ${desc})`;
  }
}

function reductionAttrs(dim: number | readonly number[] | null | undefined, keepdim: boolean): Attrs {
  const d: AttrValue = dim === undefined || dim === null ? null : typeof dim === 'number' ? dim : [...dim];
  return { dim: d, keepdim };
}

function sizes(args: Sizes): number[] {
  return args.length === 1 && Array.isArray(args[0])
    ? [...(args[0] as readonly number[])]
    : (args as number[]);
}
