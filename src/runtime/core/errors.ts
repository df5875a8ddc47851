/**
 * The runtime's error catalogue. Each code is stable; messages follow PyTorch's wording where PyTorch
 * has one, so users can search for them.
 *
 *   E_SHAPE_MISMATCH  shapes cannot broadcast / do not fit the op (matmul, cat, expand, reshape, layer_norm)
 *   E_BAD_DIM         a dim index out of range, or repeated in a permutation / reduction
 *   E_VIEW_STRIDES    view() on a tensor whose strides cannot express the new shape (use reshape)
 *   E_BAD_ARGUMENT    a malformed argument (bad slice step, wrong arity, unknown op, bad seed)
 *   E_ITEM_NUMEL      item() on a tensor with more than one element
 *   E_LAZY_TENSOR     a lazy (captured) tensor's data was needed and no dispatch mode could provide it
 */
import { CompilogError } from '../../logging/index.js';

export function shapeMismatch(message: string, hint?: string): CompilogError {
  return new CompilogError('E_SHAPE_MISMATCH', message, hint);
}

export function badDim(dim: number, rank: number): CompilogError {
  return new CompilogError(
    'E_BAD_DIM',
    `Dimension out of range (expected to be in range of [${-rank}, ${rank - 1}], but got ${dim})`,
    `the tensor has ${rank} dimension(s); negative dims count from the end`,
  );
}

export function badArgument(message: string, hint?: string): CompilogError {
  return new CompilogError('E_BAD_ARGUMENT', message, hint);
}
