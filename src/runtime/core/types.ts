/**
 * The data types every runtime layer shares. Kernels, ops, dispatch and the IR speak in these plain
 * shapes; only `tensor.ts` knows the `Tensor` class, so no lower layer imports it (no cycles).
 */

/** Only float32 today; the field exists so guards, printers and later dtypes have a place to look. */
export type DType = 'float32';

/** Everything about a tensor except its data: what a lazy (captured) tensor carries. */
export interface TensorMeta {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  /** Element offset of index [0, ..., 0] into the storage. */
  readonly offset: number;
  readonly dtype: DType;
}

/**
 * A tensor as the layers below `Tensor` see it. `storage` is null for a lazy tensor (recorded by a
 * dispatch mode, data not computed); `lazy` is the mode's handle for it (e.g. the IR node), opaque here.
 * A mode may fill `storage` when it materialises a lazy tensor.
 */
export interface TensorValue extends TensorMeta {
  storage: Float32Array | null;
  readonly lazy: object | null;
}

/** A tensor with data: what eager kernels receive. */
export interface StridedArray extends TensorMeta {
  readonly storage: Float32Array;
}

/** An op input: a tensor or a Python-style scalar (`x.add(1)`). */
export type Operand = TensorValue | number;
export type OperandMeta = TensorMeta | number;

export type AttrValue = number | boolean | string | null | readonly number[];
export type Attrs = Readonly<Record<string, AttrValue>>;
