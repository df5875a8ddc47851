/** Pieces every kernel generator shares: parameters, literals, strided addresses, kernel names. */
import { broadcastStrides, contiguousStrides } from '../core/shape.js';
import type { Access, Buf, OperandRef, Root } from './buffers.js';
import type { Group, GroupKind } from './fusion.js';

/** A generated kernel: its source and what the wrapper must pass to it. */
export interface KernelSource {
  readonly name: string;
  readonly kind: GroupKind;
  /** A `const <name> = (() => { ...; return function <name>(...) { ... }; })();` statement. */
  readonly definition: string;
  /** Parameters, in order: the roots it reads, then the buffers it writes. */
  readonly reads: readonly Root[];
  readonly writes: readonly Buf[];
  /** Iteration points, bytes read and written, floating-point ops (matmul) for the runtime's figures. */
  readonly elements: number;
  readonly bytes: number;
  readonly flops: number;
  readonly hints: readonly string[];
}

export class Params {
  readonly reads: Root[] = [];
  readonly writes: Buf[] = [];
  private readonly names = new Map<string, string>();

  read(root: Root): string {
    const key = rootKey(root);
    let name = this.names.get(key);
    if (name === undefined) {
      name = `in${this.reads.length}`;
      this.reads.push(root);
      this.names.set(key, name);
    }
    return name;
  }

  write(buf: Buf): string {
    const key = `w${buf.id}`;
    let name = this.names.get(key);
    if (name === undefined) {
      name = `out${this.writes.length}`;
      this.writes.push(buf);
      this.names.set(key, name);
    }
    return name;
  }

  list(): string {
    return [...this.reads.map((_, i) => `in${i}`), ...this.writes.map((_, i) => `out${i}`)].join(', ');
  }
}

export function rootKey(root: Root): string {
  return root.kind === 'input' ? `i${root.index}` : `b${root.buf.id}`;
}

/** A float32 scalar as a JS literal (scalars are rounded to float32, as eager kernels do). */
export function literal(v: number): string {
  const f = Math.fround(v);
  if (Number.isNaN(f)) return 'NaN';
  if (f === Number.POSITIVE_INFINITY) return 'Infinity';
  if (f === Number.NEGATIVE_INFINITY) return '(-Infinity)';
  if (Object.is(f, -0)) return '(-0)';
  return f < 0 ? `(${f})` : String(f);
}

/** The read a load operand (or a buffer's value computed in another kernel) goes through. */
export function accessOfOperand(o: OperandRef): Access | undefined {
  if (o.kind === 'load') return o.access;
  if (o.kind === 'value') {
    const b = o.buf;
    return {
      root: { kind: 'buffer', buf: b },
      shape: b.shape,
      strides: contiguousStrides(b.shape),
      offset: 0,
      via: [],
    };
  }
  return undefined;
}

/** Strides of `access` over the kernel's loop dims, read by a consumer of `shape` laid out by `map`. */
export function loopStrides(
  access: Access,
  shape: readonly number[],
  map: readonly number[],
  rank: number,
): number[] {
  const per = broadcastStrides(access.shape, access.strides, shape);
  const out = new Array<number>(rank).fill(0);
  map.forEach((d, i) => {
    if (d >= 0) out[d] += per[i];
  });
  return out;
}

/** Where a buffer is stored: contiguous in its own shape, over the kernel's loop dims. */
export function storeStrides(buf: Buf, map: readonly number[], rank: number): number[] {
  const cs = contiguousStrides(buf.shape);
  const out = new Array<number>(rank).fill(0);
  map.forEach((d, i) => {
    if (d >= 0) out[d] += cs[i];
  });
  return out;
}

/** `offset + v0*s0 + v1*s1` with zero terms dropped and unit strides unmultiplied. */
export function address(offset: number, terms: readonly (readonly [string, number])[]): string {
  const parts: string[] = [];
  if (offset !== 0) parts.push(String(offset));
  for (const [v, s] of terms) {
    if (s === 0) continue;
    parts.push(s === 1 ? v : `${v} * ${s}`);
  }
  return parts.length === 0 ? '0' : parts.join(' + ');
}

/** Inductor-style names: `js_<kind>_fused_<sorted op names>_<index>`. */
export function kernelName(g: Group, index: number): string {
  const prefix = { pointwise: 'poi', reduction: 'red', matmul: 'mm', cat: 'cat' }[g.kind];
  const ops = [...new Set(g.bufs.map((b) => b.node.op))].sort();
  const fused = g.bufs.length > 1 ? `fused_${ops.join('_')}` : ops[0];
  return `js_${prefix}_${fused}_${index}`;
}

/** `// Source nodes: [...]` comment lines for a kernel (Inductor's "Topologically Sorted Source Nodes"). */
export function sourceComment(g: Group): string[] {
  const names = g.bufs.map((b) => b.node.name);
  const lines = [`// Topologically sorted source nodes: [${names.join(', ')}]`];
  const seen = new Set<string>();
  for (const b of g.bufs) {
    const s = b.node.source;
    if (s === undefined) continue;
    const text = `//   ${commentText(`${s.file.split(/[\\/]/).pop()}:${s.line}${s.code === undefined ? '' : `  ${s.code}`}`)}`;
    if (!seen.has(text)) {
      seen.add(text);
      lines.push(text);
    }
  }
  return lines;
}

export function indent(lines: readonly string[], by: string): string[] {
  return lines.map((l) => (l.length === 0 ? l : by + l));
}

/** Text safe inside a `//` comment of generated code: no character JavaScript treats as a line end. */
export function commentText(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]/g, ' ');
}
