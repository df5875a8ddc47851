/**
 * Fusion (`inductor`): groups buffers into kernels, greedily in topological order, and records every
 * decision and every refusal with its reason (the `fusion` artifact).
 *
 * Rules:
 *  - vertical: a pointwise buffer joins the kernel of a producer when its shape is that kernel's iteration
 *    space (or, in a reduction kernel, the reduced space: a per-row epilogue like `sum / n`);
 *  - a reduction joins the kernel of its input's producer when that kernel iterates the reduction's input
 *    shape (the pointwise producers become its prologue), or reduces the same dims of the same space
 *    (softmax's max and sum, layer_norm's mean and variance: one kernel, one pass each);
 *  - pointwise consumers of a reduction over the full space join it as a final pass (softmax's division);
 *  - matmul is its own kernel; pointwise ops of its output shape join it as an epilogue (bias, gelu,
 *    residual), applied to each output row while it is still in cache;
 *  - horizontal: independent kernels with the same iteration space merge into one loop nest;
 *  - never: a buffer that reads a buffer of the same kernel through memory (a view), or a join that would
 *    make two kernels wait on each other (a cycle).
 */
import { formatShape, sameShape } from '../core/shape.js';
import type { Buf, BufferGraph, OperandRef } from './buffers.js';

export type GroupKind = 'pointwise' | 'reduction' | 'matmul' | 'cat';

export interface Group {
  readonly id: number;
  kind: GroupKind;
  /** The loop dims: the iteration shape (matmul: [...batch, n, m]). */
  readonly space: readonly number[];
  /** Reduction kernels: the dims of `space` that are reduced. */
  reduceDims: readonly number[];
  readonly bufs: Buf[];
  /** Kernels this one reads from. */
  readonly deps: Set<Group>;
  /** The matmul or cat buffer a matmul/cat kernel is built around. */
  readonly anchor?: Buf;
}

export interface FusionResult {
  readonly groups: readonly Group[];
  readonly groupOf: ReadonlyMap<Buf, Group>;
  /** One line per decision (`fused ...`) or refusal (`cannot fuse ...`), in the order they were made. */
  readonly decisions: readonly string[];
}

export interface FusionOptions {
  /** Turn fusion off: one kernel per buffer (the unfused baseline the benchmarks compare against). */
  readonly fuse?: boolean;
}

export function fuse(bg: BufferGraph, options: FusionOptions = {}): FusionResult {
  const enabled = options.fuse ?? true;
  const groups: Group[] = [];
  const groupOf = new Map<Buf, Group>();
  const decisions: string[] = [];

  const newGroup = (
    buf: Buf,
    kind: GroupKind,
    space: readonly number[],
    reduceDims: readonly number[] = [],
  ) => {
    const g: Group = {
      id: groups.length,
      kind,
      space,
      reduceDims,
      bufs: [],
      deps: new Set(),
      ...(kind === 'matmul' || kind === 'cat' ? { anchor: buf } : {}),
    };
    groups.push(g);
    add(g, buf);
    return g;
  };
  const add = (g: Group, buf: Buf) => {
    g.bufs.push(buf);
    groupOf.set(buf, g);
    for (const p of producersOf(buf)) {
      const pg = groupOf.get(p);
      if (pg !== undefined && pg !== g) g.deps.add(pg);
    }
  };

  for (const buf of bg.bufs) {
    if (buf.kind === 'matmul') {
      const [n, m] = [buf.matmul!.a.at(-2)!, buf.matmul!.b.at(-1)!];
      newGroup(buf, 'matmul', [...buf.matmul!.batch, n, m]);
      continue;
    }
    if (buf.kind === 'cat') {
      newGroup(buf, 'cat', buf.shape);
      continue;
    }
    const candidates = enabled ? candidateGroups(buf) : [];
    let joined: Group | undefined;
    for (const g of candidates) {
      const why = refusal(g, buf);
      if (why === null) {
        joined = g;
        break;
      }
      decisions.push(`cannot fuse ${buf.name} (${buf.node.op}) into ${describe(g)}: ${why}`);
    }
    if (joined !== undefined) {
      if (buf.kind === 'reduction' && joined.kind === 'pointwise') {
        joined.kind = 'reduction';
        joined.reduceDims = buf.reduce!.dims;
        decisions.push(
          `fused ${buf.name} (${buf.node.op}) into ${describe(joined)}: its pointwise ops become the reduction's prologue (one pass over ${formatShape(joined.space)})`,
        );
      } else {
        decisions.push(
          `fused ${buf.name} (${buf.node.op}) into ${describe(joined)}: ${reasonFor(joined, buf)}`,
        );
      }
      add(joined, buf);
    } else if (buf.kind === 'reduction') {
      newGroup(buf, 'reduction', buf.reduce!.inShape, buf.reduce!.dims);
    } else {
      newGroup(buf, 'pointwise', buf.shape);
    }
  }
  if (enabled) horizontal(groups, decisions);
  const live = groups.filter((g) => g.bufs.length > 0);
  return { groups: live, groupOf, decisions };

  /** Kernels of the buffers this one reads as values, newest first. */
  function candidateGroups(buf: Buf): Group[] {
    const seen: Group[] = [];
    for (const o of buf.operands) {
      if (o.kind !== 'value') continue;
      const g = groupOf.get(o.buf);
      if (g !== undefined && !seen.includes(g)) seen.push(g);
    }
    return seen.sort((a, b) => b.id - a.id);
  }

  /** Null when `buf` may join `g`, otherwise the reason it may not. */
  function refusal(g: Group, buf: Buf): string | null {
    if (g.kind === 'cat') return 'cat kernels copy their inputs and take no fusion';
    if (buf.kind === 'reduction') {
      const r = buf.reduce!;
      if (g.kind === 'matmul')
        return 'a reduction does not fuse into a matmul epilogue (it would need a whole output row per reduction)';
      if (!sameShape(r.inShape, g.space)) {
        return `shapes ${formatShape(r.inShape)} vs ${formatShape(g.space)} differ and ${buf.name} is not a reduction over ${describe(g)}'s iteration space`;
      }
      if (g.kind === 'reduction' && !sameDims(r.dims, g.reduceDims)) {
        return `${buf.name} reduces dims ${formatShape(r.dims)} but the kernel reduces dims ${formatShape(g.reduceDims)}`;
      }
    } else {
      const map = mapInto(g, buf.shape);
      if (map === null) {
        const extra = g.kind === 'reduction' ? ` or its reduced space ${formatShape(reducedSpace(g))}` : '';
        return `shapes ${formatShape(buf.shape)} vs ${formatShape(g.space)} differ: ${buf.name} is not over the kernel's iteration space${extra}`;
      }
      if (g.kind === 'matmul' && !sameShape(buf.shape, g.anchor!.outShape)) {
        return `only pointwise ops over the matmul's output shape ${formatShape(g.anchor!.outShape)} fuse as an epilogue`;
      }
    }
    return operandProblem(g, buf);
  }

  function operandProblem(g: Group, buf: Buf): string | null {
    const target = buf.kind === 'reduction' ? identityMap(g.space) : mapInto(g, buf.shape)!;
    for (const o of buf.operands) {
      if (o.kind === 'scalar') continue;
      if (o.kind === 'load') {
        const root = o.access.root;
        if (root.kind !== 'buffer') continue;
        const pg = groupOf.get(root.buf)!;
        if (pg === g) {
          return `it reads ${root.buf.name} through a view (${o.access.via.join(', ') || 'reshape'}), which needs ${root.buf.name} stored before the kernel starts`;
        }
        if (dependsOn(pg, g))
          return `${root.buf.name}'s kernel depends on this kernel (fusing would create a cycle)`;
        continue;
      }
      const pg = groupOf.get(o.buf)!;
      if (pg !== g) {
        if (dependsOn(pg, g))
          return `${o.buf.name}'s kernel depends on this kernel (fusing would create a cycle)`;
        continue;
      }
      if (g.kind === 'matmul' && o.buf === g.anchor) continue;
      const own = mapInto(g, o.buf.shape);
      const seen = broadcastMap(o.buf.shape, buf.kind === 'reduction' ? g.space : buf.shape, target);
      if (own === null || !sameDims(own, seen)) {
        return `${o.buf.name} ${formatShape(o.buf.shape)} is indexed differently in ${buf.name} ${formatShape(buf.shape)} than where the kernel computes it`;
      }
    }
    return null;
  }

  function dependsOn(from: Group, target: Group): boolean {
    const stack = [from];
    const seen = new Set<Group>();
    while (stack.length > 0) {
      const g = stack.pop()!;
      if (g === target) return true;
      if (seen.has(g)) continue;
      seen.add(g);
      for (const d of g.deps) stack.push(d);
    }
    return false;
  }

  function horizontal(all: Group[], log: string[]): void {
    for (let i = 0; i < all.length; i++) {
      const a = all[i];
      if (a.bufs.length === 0 || (a.kind !== 'pointwise' && a.kind !== 'reduction')) continue;
      for (let j = i + 1; j < all.length; j++) {
        const b = all[j];
        if (b.bufs.length === 0 || b.kind !== a.kind) continue;
        if (!sameShape(a.space, b.space) || !sameDims(a.reduceDims, b.reduceDims)) continue;
        if (dependsOn(a, b) || dependsOn(b, a)) continue;
        log.push(
          `horizontal: merged ${describe(b)} into ${describe(a)}: independent loops over the same space ${formatShape(a.space)}`,
        );
        for (const buf of b.bufs) {
          a.bufs.push(buf);
          groupOf.set(buf, a);
        }
        for (const d of b.deps) if (d !== a) a.deps.add(d);
        b.bufs.length = 0;
        for (const g of all) {
          if (g.deps.delete(b) && g !== a) g.deps.add(a);
        }
        a.bufs.sort((x, y) => x.id - y.id);
      }
    }
  }
}

/** Buffers read by `buf` (as values or through views). */
export function producersOf(buf: Buf): Buf[] {
  const out: Buf[] = [];
  for (const o of buf.operands) {
    const p = producerOf(o);
    if (p !== undefined) out.push(p);
  }
  return out;
}

export function producerOf(o: OperandRef): Buf | undefined {
  if (o.kind === 'value') return o.buf;
  if (o.kind === 'load' && o.access.root.kind === 'buffer') return o.access.root.buf;
  return undefined;
}

/**
 * How a value of `shape` is laid over the kernel's loop dims: for each of its dims, the loop dim it
 * follows (-1 for size-1 dims), or null when the shape is not one the kernel iterates.
 */
export function mapInto(g: Group, shape: readonly number[]): number[] | null {
  if (g.kind === 'matmul') {
    const mm = g.anchor!.matmul!;
    if (!sameShape(shape, g.anchor!.outShape)) return null;
    const b = mm.batch.length;
    const dims = [...mm.batch.keys()];
    if (mm.hasN) dims.push(b);
    if (mm.hasM) dims.push(b + 1);
    return dims.map((d, i) => (shape[i] === 1 ? -1 : d));
  }
  if (sameShape(shape, g.space)) return identityMap(shape);
  if (g.kind !== 'reduction') return null;
  if (sameShape(shape, reducedSpace(g))) return identityMap(shape);
  const outer = [...g.space.keys()].filter((i) => !g.reduceDims.includes(i));
  if (shape.length === outer.length && shape.every((d, i) => d === g.space[outer[i]])) {
    return shape.map((d, i) => (d === 1 ? -1 : outer[i]));
  }
  return null;
}

/** The keepdim shape of a reduction kernel's space. */
export function reducedSpace(g: Group): number[] {
  return g.space.map((d, i) => (g.reduceDims.includes(i) ? 1 : d));
}

function identityMap(shape: readonly number[]): number[] {
  return shape.map((d, i) => (d === 1 ? -1 : i));
}

/** The loop dims a value of `shape` follows when broadcast into a consumer of `into` laid out by `intoMap`. */
export function broadcastMap(
  shape: readonly number[],
  into: readonly number[],
  intoMap: readonly number[],
): number[] {
  const lead = into.length - shape.length;
  return shape.map((d, i) => (d === 1 ? -1 : intoMap[lead + i]));
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function describe(g: Group): string {
  const first = g.anchor ?? g.bufs[0];
  return `${g.kind} kernel of ${first.name}`;
}

function reasonFor(g: Group, buf: Buf): string {
  if (g.kind === 'matmul') return `epilogue over the matmul output ${formatShape(buf.shape)}`;
  if (g.kind === 'pointwise') return `same iteration space ${formatShape(g.space)}`;
  if (buf.kind === 'reduction')
    return `reduces the same dims ${formatShape(g.reduceDims)} of ${formatShape(g.space)}`;
  return sameShape(buf.shape, g.space)
    ? `pointwise over the reduction's full space ${formatShape(g.space)}`
    : `per-row epilogue over the reduced space ${formatShape(buf.shape)}`;
}
