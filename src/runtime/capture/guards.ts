/**
 * Guards: the conditions under which a compiled graph may be reused. Static shapes (PyTorch's
 * TENSOR_MATCH on sizes and strides) and specialised scalars (EQUALS_MATCH), with PyTorch's
 * failure texts ("tensor 'x' size mismatch at index 1. expected 16, actual 32", "n == 2").
 */
import type { TensorMeta } from '../core/types.js';
import { Tensor } from '../tensor.js';

export type CompileArg = Tensor | number;

export type Guard =
  | {
      readonly kind: 'tensor';
      readonly name: string;
      readonly shape: readonly number[];
      readonly strides: readonly number[];
      readonly dtype: TensorMeta['dtype'];
    }
  | { readonly kind: 'scalar'; readonly name: string; readonly value: number };

export interface GuardSet {
  readonly arity: number;
  readonly guards: readonly Guard[];
}

export function guardsFor(names: readonly string[], args: readonly CompileArg[]): GuardSet {
  return {
    arity: args.length,
    guards: args.map(
      (a, i): Guard =>
        typeof a === 'number'
          ? { kind: 'scalar', name: names[i], value: a }
          : { kind: 'tensor', name: names[i], shape: [...a.shape], strides: [...a.strides], dtype: a.dtype },
    ),
  };
}

/** The first failing guard's text, or null when every guard passes. */
export function checkGuards(set: GuardSet, args: readonly CompileArg[]): string | null {
  if (args.length !== set.arity) return `len(args) == ${set.arity}`;
  for (let i = 0; i < set.guards.length; i++) {
    const g = set.guards[i];
    const a = args[i];
    if (g.kind === 'scalar') {
      if (typeof a !== 'number') return `type(${g.name}) == number`;
      if (!Object.is(a, g.value)) return `${g.name} == ${g.value}`;
      continue;
    }
    if (!(a instanceof Tensor)) return `type(${g.name}) == Tensor`;
    if (a.dtype !== g.dtype)
      return `tensor '${g.name}' dtype mismatch. expected ${g.dtype}, actual ${a.dtype}`;
    if (a.shape.length !== g.shape.length) {
      return `tensor '${g.name}' rank mismatch. expected ${g.shape.length}, actual ${a.shape.length}`;
    }
    for (let d = 0; d < g.shape.length; d++) {
      if (a.shape[d] !== g.shape[d]) {
        return `tensor '${g.name}' size mismatch at index ${d}. expected ${g.shape[d]}, actual ${a.shape[d]}`;
      }
    }
    for (let d = 0; d < g.strides.length; d++) {
      if (a.strides[d] !== g.strides[d]) {
        return `tensor '${g.name}' stride mismatch at index ${d}. expected ${g.strides[d]}, actual ${a.strides[d]}`;
      }
    }
  }
  return null;
}

/** The guard tree in the shape of PyTorch's TREE_GUARD_MANAGER dump (the `dynamo_guards` artifact). */
export function formatGuards(set: GuardSet): string {
  const lines = ['TREE_GUARD_MANAGER:', '+- RootGuardManager'];
  for (const g of set.guards) {
    if (g.kind === 'scalar') {
      lines.push(`| +- GuardManager: source=L['${g.name}'], type=<class 'number'>`);
      lines.push(`| | +- EQUALS_MATCH: L['${g.name}'] == ${g.value}`);
    } else {
      lines.push(`| +- GuardManager: source=L['${g.name}'], type=<class 'Tensor'>`);
      lines.push(
        `| | +- TENSOR_MATCH: check_tensor(L['${g.name}'], Tensor, ${g.dtype}, device=cpu, size=[${g.shape.join(', ')}], stride=[${g.strides.join(', ')}])`,
      );
    }
  }
  return lines.join('\n');
}
