/**
 * Dynamic shapes, PyTorch-style. Which dims are dynamic: all of them with `compile(fn, { dynamic: true })`;
 * with the default (`automatic_dynamic_shapes`), a dim becomes dynamic once a recompile sees it change
 * ("automatic dynamic size L['x'] size(1) 32 != 16"); never with `dynamic: false`. Sizes 0 and 1 stay
 * static (PyTorch's 0/1 specialisation). Dims with equal sizes share one symbol (duck sizing) and get an
 * equality guard. Symbols are named like PyTorch's (`s27` for `L['x'].size()[1]`: sha256 of the source
 * name, mod 100).
 *
 * A graph is only generalised if it stays correct for other sizes: it is re-recorded with a distinct large
 * prime for each symbol, and every size and stride in it must be a product of symbols and a constant. User
 * code that read a size and baked it into the graph (a reshape to `[8, 16]`, a slice end) fails that check
 * or shows the size in an attribute, and the entry falls back to static shapes.
 */
import { createHash } from 'node:crypto';
import { isContiguous } from '../core/shape.js';
import type { AttrValue, TensorMeta } from '../core/types.js';
import type { Graph, Node } from '../ir/graph.js';
import type { Tensor } from '../tensor.js';
import { intCandidate } from './dynamic-ints.js';
import type { CompileArg, DimRef, DynamicDims, ShapeGuard } from './guards.js';
import { respecialize } from './respecialize.js';

/** `true`: every dim dynamic; `false`: static; `undefined`: automatic (dynamic after a size change). */
export type DynamicOption = boolean | undefined;

/** Per compiled function: the sizes each tensor argument had at its compiles ('dyn' once it changed). */
export class FrameShapes {
  private readonly seen = new Map<number, (number | 'dyn')[]>();
  /** Per scalar argument: the value of its first compile, or 'dyn' once an int changed. */
  private readonly scalars = new Map<number, number | 'dyn'>();

  /**
   * Records this compile's sizes and int values and returns the dims and int arguments that are dynamic
   * under `option`, with a message for each that just became dynamic (PyTorch's pgo log line).
   */
  update(
    args: readonly CompileArg[],
    names: readonly string[],
    option: DynamicOption,
  ): { dims: Map<number, number[]>; ints: number[]; changes: string[] } {
    const dims = new Map<number, number[]>();
    const ints: number[] = [];
    const changes: string[] = [];
    args.forEach((a, i) => {
      if (typeof a === 'number') {
        // Ints (PyTorch's automatic dynamic int); floats stay specialised (specialize_float).
        const before = this.scalars.get(i);
        if (before !== 'dyn' && intCandidate(a)) {
          if (before !== undefined && intCandidate(before) && before !== a) {
            changes.push(`automatic dynamic int L['${names[i]}'] val ${a} != ${before}`);
            this.scalars.set(i, 'dyn');
          } else {
            this.scalars.set(i, a);
          }
        } else if (before !== 'dyn') {
          this.scalars.set(i, a);
        }
        const dyn = option === true || (option === undefined && this.scalars.get(i) === 'dyn');
        if (dyn && intCandidate(a)) ints.push(i);
        return;
      }
      const before = this.seen.get(i);
      let now: (number | 'dyn')[];
      if (before === undefined || before.length !== a.shape.length) {
        now = [...a.shape];
      } else {
        now = before.map((s, d) => {
          if (s === 'dyn' || s === a.shape[d]) return s;
          changes.push(`automatic dynamic size L['${names[i]}'] size(${d}) ${a.shape[d]} != ${s}`);
          return 'dyn';
        });
      }
      this.seen.set(i, now);
      const dynamic =
        option === false ? [] : a.shape.map((_, d) => d).filter((d) => option === true || now[d] === 'dyn');
      if (dynamic.length > 0) dims.set(i, dynamic);
    });
    return { dims, ints, changes };
  }
}

export interface ShapeSymbol {
  readonly name: string;
  /** The size it had when the graph was captured. */
  readonly value: number;
  /** Every (argument, dim) that has this size (duck sizing). */
  readonly refs: readonly DimRef[];
}

/** A graph generalised over symbolic sizes. */
export interface SymbolicShapes {
  readonly symbols: readonly ShapeSymbol[];
  readonly dims: DynamicDims;
  readonly shapeGuards: readonly ShapeGuard[];
  /** Sizes and strides of a node as PyTorch prints them (`8`, `s27`, `8*s27`). */
  metaText(node: Node): { shape: string[]; strides: string[] };
}

const SENTINEL_MIN = 1009;
const SENTINELS = [
  1009, 1013, 1019, 1021, 1031, 1033, 1039, 1049, 1051, 1061, 1063, 1069, 1087, 1091, 1093, 1097,
];

/**
 * Generalises `graph` over the requested dynamic dims, or returns null (with why) when it cannot be:
 * `placeholderArg[i]` is the argument index of placeholder i (-1 for lifted weights, which stay static).
 */
export function symbolize(
  graph: Graph,
  args: readonly CompileArg[],
  names: readonly string[],
  requested: DynamicDims,
  placeholderArg: readonly number[],
): { shapes: SymbolicShapes } | { reason: string } {
  // 0/1 specialisation; only contiguous tensors generalise (their strides follow from their sizes).
  const dims = new Map<number, number[]>();
  const strided: string[] = [];
  for (const [arg, list] of requested) {
    const t = args[arg] as Tensor;
    if (!isContiguous(t.shape, t.strides)) {
      strided.push(`L['${names[arg]}']`);
      continue;
    }
    const kept = list.filter((d) => t.shape[d] >= 2);
    if (kept.length > 0) dims.set(arg, kept);
  }
  if (dims.size === 0) {
    return {
      reason:
        strided.length > 0
          ? `${strided.join(', ')} not contiguous: only contiguous tensors get dynamic sizes`
          : 'no dynamic dim left after 0/1 specialisation',
    };
  }

  // Duck sizing: one symbol per distinct size, in argument and dim order.
  const byValue = new Map<number, { name: string; value: number; refs: DimRef[] }>();
  const used = new Set<string>();
  for (const [arg, list] of [...dims].sort((a, b) => a[0] - b[0])) {
    for (const dim of list) {
      const value = (args[arg] as Tensor).shape[dim];
      const ref: DimRef = { arg, name: names[arg], dim };
      const known = byValue.get(value);
      if (known !== undefined) known.refs.push(ref);
      else
        byValue.set(value, {
          name: symbolName(`L['${names[arg]}'].size()[${dim}]`, used),
          value,
          refs: [ref],
        });
    }
  }
  const symbols = [...byValue.values()];
  if (symbols.length > SENTINELS.length) return { reason: 'too many dynamic sizes' };
  const baked = bakedSize(graph, new Set(byValue.keys()));
  if (baked !== undefined) return { reason: `the graph holds the size ${baked} as a constant` };

  // Re-record with a distinct prime per symbol; every size must come out as a product of symbols.
  const sentinelOf = new Map(symbols.map((s, i) => [s.value, SENTINELS[i]]));
  const sentinelFor = (arg: number, dim: number, size: number): number =>
    dims.get(arg)?.includes(dim) === true ? sentinelOf.get(size)! : size;
  const metas = graph.placeholders.map((p, i): TensorMeta => {
    const arg = placeholderArg[i];
    if (arg < 0 || !dims.has(arg)) return p.meta;
    const shape = p.meta.shape.map((s, d) => sentinelFor(arg, d, s));
    return { ...p.meta, shape, strides: contiguous(shape) };
  });
  let probe: Graph;
  try {
    probe = respecialize(graph, metas);
  } catch (err) {
    return { reason: `the graph does not hold for other sizes (${(err as Error).message})` };
  }
  const syms = symbols.map((s, i) => ({ name: s.name, sentinel: SENTINELS[i] }));
  const texts = new Map<string, { shape: string[]; strides: string[] }>();
  for (const node of graph.nodes) {
    const twin = probe.nodes.find((n) => n.name === node.name);
    if (twin === undefined) return { reason: `node ${node.name} vanished when re-recorded` };
    const shape = twin.meta.shape.map((v, d) => express(v, node.meta.shape[d], syms));
    const strides = twin.meta.strides.map((v, d) => express(v, node.meta.strides[d], syms));
    if ([...shape, ...strides].some((t) => t === null)) {
      return { reason: `the sizes of ${node.name} are not products of the dynamic sizes` };
    }
    texts.set(node.name, { shape: shape as string[], strides: strides as string[] });
  }

  const shapeGuards: ShapeGuard[] = [];
  for (const s of symbols) {
    const [first, ...rest] = s.refs;
    for (const r of rest) shapeGuards.push({ kind: 'eq', a: r, b: first });
  }
  for (const [arg, list] of dims) {
    const t = args[arg] as Tensor;
    // Strides that span a dynamic dim: stride(d) == product of the sizes after d.
    for (let d = 0; d < t.shape.length - 1; d++) {
      const after = t.shape.map((_, k) => k).filter((k) => k > d);
      if (!after.some((k) => list.includes(k))) continue;
      const sizes = after.filter((k) => list.includes(k)).map((k) => ({ arg, name: names[arg], dim: k }));
      const coefficient = after.filter((k) => !list.includes(k)).reduce((p, k) => p * t.shape[k], 1);
      shapeGuards.push({ kind: 'stride', ref: { arg, name: names[arg], dim: d }, coefficient, sizes });
    }
  }
  for (const s of symbols) shapeGuards.push({ kind: 'min', ref: s.refs[0], min: 2 });

  return {
    shapes: {
      symbols,
      dims,
      shapeGuards,
      metaText: (node) =>
        texts.get(node.name) ?? {
          shape: node.meta.shape.map(String),
          strides: node.meta.strides.map(String),
        },
    },
  };
}

function contiguous(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = acc;
    acc *= shape[d];
  }
  return strides;
}

/** `v` (from the sentinel run) as PyTorch prints it, or null when it is not a product of symbols. */
function express(
  v: number,
  original: number,
  syms: readonly { name: string; sentinel: number }[],
): string | null {
  let rest = v;
  const parts: string[] = [];
  if (rest !== 0) {
    for (const s of syms) {
      while (rest % s.sentinel === 0) {
        rest /= s.sentinel;
        parts.push(s.name);
      }
    }
  }
  if (parts.length === 0) return rest === original ? String(original) : null;
  if (rest >= SENTINEL_MIN) return null;
  parts.sort();
  return `${rest === 1 ? '' : `${rest}*`}${parts.join('*')}`;
}

/** A size that appears as a literal in an op's attributes (a reshape target, a slice bound). */
function bakedSize(graph: Graph, sizes: ReadonlySet<number>): number | undefined {
  const numbers = (v: AttrValue): readonly number[] =>
    typeof v === 'number' ? [v] : Array.isArray(v) ? (v as readonly number[]) : [];
  for (const node of graph.nodes) {
    for (const value of Object.values(node.attrs)) {
      for (const n of numbers(value)) if (sizes.has(n)) return n;
    }
  }
  return undefined;
}

/** PyTorch 2.11 names a size symbol by the sha256 of its source, mod 100 (`s27`, `s77`); collisions probe on. */
export function symbolName(source: string, used: Set<string>): string {
  let n = Number(BigInt(`0x${createHash('sha256').update(source).digest('hex')}`) % 100n);
  while (used.has(`s${n}`)) n++;
  used.add(`s${n}`);
  return `s${n}`;
}
