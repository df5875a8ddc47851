/**
 * Guards: the conditions under which a compiled graph may be reused. Tensors are checked on dtype, rank,
 * sizes and strides (PyTorch's TENSOR_MATCH), specialised scalars on their value (EQUALS_MATCH), dynamic ints
 * on being an integer (TYPE_MATCH, within float32's exact range: a LAMBDA_GUARD). A dynamic
 * dim (`null` in `shape`) is not checked by TENSOR_MATCH; shape guards (PyTorch's LAMBDA_GUARDs from the
 * shape environment) relate it instead: `2 <= L['x'].size()[1]`, `L['y'].size()[0] == L['x'].size()[0]`,
 * `L['x'].stride()[0] == L['x'].size()[1]`. Failure texts are PyTorch's
 * ("tensor 'x' size mismatch at index 1. expected 16, actual 32", "n == 2").
 */
import type { TensorMeta } from '../core/types.js';
import type { Graph } from '../ir/graph.js';
import { Tensor } from '../tensor.js';

export type CompileArg = Tensor | number;

export type Guard =
  | {
      readonly kind: 'tensor';
      readonly name: string;
      /** Static sizes; `null` where the dim is dynamic (checked by shape guards instead). */
      readonly shape: readonly (number | null)[];
      /** Static strides; `null` where the stride follows dynamic sizes. */
      readonly strides: readonly (number | null)[];
      readonly dtype: TensorMeta['dtype'];
    }
  | { readonly kind: 'scalar'; readonly name: string; readonly value: number }
  /** A dynamic int: any integer within float32's exact range (PyTorch's TYPE_MATCH on a SymInt source). */
  | { readonly kind: 'int'; readonly name: string };

/** One argument's size (or stride) of one dim: `L['x'].size()[1]`. */
export interface DimRef {
  readonly arg: number;
  readonly name: string;
  readonly dim: number;
}

/** A relation between dynamic sizes (PyTorch's shape-environment guards). */
export type ShapeGuard =
  | { readonly kind: 'min'; readonly ref: DimRef; readonly min: number }
  | { readonly kind: 'eq'; readonly a: DimRef; readonly b: DimRef }
  /** stride(ref) == coefficient * product of `sizes` (a contiguous layout over dynamic sizes). */
  | {
      readonly kind: 'stride';
      readonly ref: DimRef;
      readonly coefficient: number;
      readonly sizes: readonly DimRef[];
    };

export interface GuardSet {
  readonly arity: number;
  readonly guards: readonly Guard[];
  /** Relations over dynamic dims; empty for static entries. */
  readonly shapeGuards: readonly ShapeGuard[];
  /** Where each guarded tensor is first used (`code  # file:line in fn`), shown after its TENSOR_MATCH. */
  readonly origins?: ReadonlyMap<string, string>;
}

/** Dynamic dims per argument index (absent or empty: all static). */
export type DynamicDims = ReadonlyMap<number, readonly number[]>;

export function guardsFor(
  names: readonly string[],
  args: readonly CompileArg[],
  dynamic: DynamicDims = new Map(),
  shapeGuards: readonly ShapeGuard[] = [],
  dynamicInts: ReadonlySet<number> = new Set(),
): GuardSet {
  return {
    arity: args.length,
    guards: args.map((a, i): Guard => {
      if (typeof a === 'number') {
        return dynamicInts.has(i)
          ? { kind: 'int', name: names[i] }
          : { kind: 'scalar', name: names[i], value: a };
      }
      const dyn = new Set(dynamic.get(i) ?? []);
      const shape = a.shape.map((s, d) => (dyn.has(d) ? null : s));
      // A stride is dynamic when it spans a dynamic dim (the product of the sizes after it).
      const strides = a.strides.map((s, d) => (a.shape.some((_, k) => k > d && dyn.has(k)) ? null : s));
      return { kind: 'tensor', name: names[i], shape, strides, dtype: a.dtype };
    }),
    shapeGuards,
  };
}

/** The first failing guard's text, or null when every guard passes. */
export function checkGuards(set: GuardSet, args: readonly CompileArg[]): string | null {
  if (args.length !== set.arity) return `len(args) == ${set.arity}`;
  for (let i = 0; i < set.guards.length; i++) {
    const failed = checkGuard(set.guards[i], args[i]);
    if (failed !== null) return failed;
  }
  for (const g of set.shapeGuards) if (!holds(g, args)) return shapeGuardText(g);
  return null;
}

/** Every failing guard (for `recompiles_verbose`); empty when all pass. */
export function allGuardFailures(set: GuardSet, args: readonly CompileArg[]): string[] {
  if (args.length !== set.arity) return [`len(args) == ${set.arity}`];
  const failures: string[] = [];
  set.guards.forEach((g, i) => {
    const failed = checkGuard(g, args[i]);
    if (failed !== null) failures.push(failed);
  });
  // Relations are only meaningful once every tensor has the rank they index.
  if (failures.length === 0)
    for (const g of set.shapeGuards) if (!holds(g, args)) failures.push(shapeGuardText(g));
  return failures;
}

/** The largest integer a dynamic int input holds exactly (it reaches kernels as float32). */
const INT_RANGE = 2 ** 24;

function checkGuard(g: Guard, a: CompileArg): string | null {
  if (g.kind === 'int') {
    if (typeof a !== 'number' || !Number.isInteger(a)) return `___check_type_id(L['${g.name}'], int)`;
    return Math.abs(a) <= INT_RANGE ? null : intRangeText(g.name);
  }
  if (g.kind === 'scalar') {
    if (typeof a !== 'number') return `type(${g.name}) == number`;
    return Object.is(a, g.value) ? null : `${g.name} == ${g.value}`;
  }
  if (!(a instanceof Tensor)) return `type(${g.name}) == Tensor`;
  if (a.dtype !== g.dtype) return `tensor '${g.name}' dtype mismatch. expected ${g.dtype}, actual ${a.dtype}`;
  if (a.shape.length !== g.shape.length) {
    return `tensor '${g.name}' rank mismatch. expected ${g.shape.length}, actual ${a.shape.length}`;
  }
  for (let d = 0; d < g.shape.length; d++) {
    const want = g.shape[d];
    if (want !== null && a.shape[d] !== want) {
      return `tensor '${g.name}' size mismatch at index ${d}. expected ${want}, actual ${a.shape[d]}`;
    }
  }
  for (let d = 0; d < g.strides.length; d++) {
    const want = g.strides[d];
    if (want !== null && a.strides[d] !== want) {
      return `tensor '${g.name}' stride mismatch at index ${d}. expected ${want}, actual ${a.strides[d]}`;
    }
  }
  return null;
}

const size = (args: readonly CompileArg[], r: DimRef): number => (args[r.arg] as Tensor).shape[r.dim];

function holds(g: ShapeGuard, args: readonly CompileArg[]): boolean {
  switch (g.kind) {
    case 'min':
      return size(args, g.ref) >= g.min;
    case 'eq':
      return size(args, g.a) === size(args, g.b);
    case 'stride':
      return (
        (args[g.ref.arg] as Tensor).strides[g.ref.dim] ===
        g.sizes.reduce((p, r) => p * size(args, r), g.coefficient)
      );
  }
}

const intRangeText = (name: string): string => `-${INT_RANGE} <= L['${name}'] <= ${INT_RANGE}`;

const sizeText = (r: DimRef): string => `L['${r.name}'].size()[${r.dim}]`;

/** PyTorch's spelling of a shape guard (sympy-printed, sizes multiplied in order). */
export function shapeGuardText(g: ShapeGuard): string {
  switch (g.kind) {
    case 'min':
      return `${g.min} <= ${sizeText(g.ref)}`;
    case 'eq':
      return `${sizeText(g.a)} == ${sizeText(g.b)}`;
    case 'stride': {
      const factors = [...(g.coefficient === 1 ? [] : [String(g.coefficient)]), ...g.sizes.map(sizeText)];
      return `L['${g.ref.name}'].stride()[${g.ref.dim}] == ${factors.join('*')}`;
    }
  }
}

const list = (xs: readonly (number | null)[]): string =>
  `[${xs.map((x) => (x === null ? 'None' : x)).join(', ')}]`;

/**
 * The guard tree in the shape of PyTorch's TREE_GUARD_MANAGER dump (the `guards` artifact and the
 * `dynamo_cpp_guards_str` trace record). Managers are listed by argument name, as PyTorch sorts them.
 */
export function formatGuards(set: GuardSet): string {
  const lines = ['TREE_GUARD_MANAGER:', '+- RootGuardManager'];
  const sorted = [...set.guards].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const g of sorted) {
    if (g.kind === 'int') {
      lines.push(`| +- GuardManager: source=L['${g.name}'], type=<class 'number'>`);
      lines.push(
        `| | +- TYPE_MATCH: ___check_type_id(L['${g.name}'], int), type=<class 'int'>${origin(set, g.name)}`,
      );
    } else if (g.kind === 'scalar') {
      lines.push(`| +- GuardManager: source=L['${g.name}'], type=<class 'number'>`);
      lines.push(`| | +- EQUALS_MATCH: L['${g.name}'] == ${g.value}`);
    } else {
      lines.push(`| +- GuardManager: source=L['${g.name}'], type=<class 'Tensor'>`);
      lines.push(
        `| | +- TENSOR_MATCH: check_tensor(L['${g.name}'], Tensor, ${g.dtype}, device=cpu, size=${list(g.shape)}, stride=${list(g.strides)})${origin(set, g.name)}`,
      );
    }
  }
  for (const g of set.shapeGuards) lines.push(`+- LAMBDA_GUARD: ${shapeGuardText(g)}`);
  for (const g of set.guards) if (g.kind === 'int') lines.push(`+- LAMBDA_GUARD: ${intRangeText(g.name)}`);
  return lines.join('\n');
}

function origin(set: GuardSet, name: string): string {
  const where = set.origins?.get(name);
  return where === undefined ? '' : `  # ${where}`;
}

/** Where each placeholder of `graph` is first used, as PyTorch comments its guards: `code  # file:line in fn`. */
export function guardOrigins(graph: Graph): Map<string, string> {
  const origins = new Map<string, string>();
  for (const p of graph.placeholders) {
    const user = graph.nodes.find((n) => n.kind === 'call' && n.inputs.includes(p) && n.source !== undefined);
    const s = user?.source;
    if (s === undefined) continue;
    origins.set(p.argName ?? p.name, `${s.code ?? ''}  # ${s.file}:${s.line} in ${s.fn}`);
  }
  return origins;
}

/** How many leaf guards the tree holds (compilation_metrics' guard_count). */
export function guardCount(set: GuardSet): number {
  return set.guards.length + set.shapeGuards.length + set.guards.filter((g) => g.kind === 'int').length;
}
