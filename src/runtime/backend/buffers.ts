/**
 * The scheduler's IR: one `Buf` per primitive op that computes (Inductor's buffers, named buf0, buf1,
 * ...), in topological order. Views are not buffers: a permute/expand/slice/view chain is resolved to
 * its root (a graph input or a buffer) plus static strides and an offset, so a view feeding a kernel
 * becomes strided indexing in that kernel, never a copy. `reshape`/`contiguous` that cannot alias
 * become identity pointwise buffers (the only copies).
 */
import { isContiguous, sameShape } from '../core/shape.js';
import type { TensorMeta } from '../core/types.js';
import type { Graph, Node } from '../ir/graph.js';
import type { ExprTemplate } from '../kernels/elementwise.js';
import { planMatmul } from '../ops/matmul.js';
import { reductionDims } from '../ops/meta.js';
import { getOp } from '../ops/op-table.js';
import { BRANCHLESS, geluExpr } from './expressions.js';

/** Where data lives: a graph input (placeholder or constant, by position) or a computed buffer. */
export type Root =
  | { readonly kind: 'input'; readonly index: number }
  | { readonly kind: 'buffer'; readonly buf: Buf };

/** A strided read of a root: what a view chain becomes. Offsets are relative to the root's first element. */
export interface Access {
  readonly root: Root;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  /** The view ops between the root and this read (for logs and perf hints). */
  readonly via: readonly string[];
}

export type OperandRef =
  | { readonly kind: 'scalar'; readonly value: number }
  /** The value of another buffer, element for element: can be computed inline when fused. */
  | { readonly kind: 'value'; readonly buf: Buf }
  /** A read through memory: inputs, views of anything, and buffers whose layout differs. */
  | { readonly kind: 'load'; readonly access: Access };

export type BufKind = 'pointwise' | 'reduction' | 'matmul' | 'cat';

export interface ReduceInfo {
  readonly dims: readonly number[];
  readonly keepdim: boolean;
  readonly kind: 'sum' | 'max';
  readonly inShape: readonly number[];
}

export interface MatmulInfo {
  /** Operand shapes promoted to >= 2-D, the broadcast batch, and which output dims exist. */
  readonly a: readonly number[];
  readonly b: readonly number[];
  readonly batch: readonly number[];
  readonly hasN: boolean;
  readonly hasM: boolean;
}

export interface Buf {
  readonly id: number;
  readonly name: string;
  readonly node: Node;
  readonly kind: BufKind;
  /** The shape the buffer's value is computed over (a reshape copy iterates its input's shape). */
  readonly shape: readonly number[];
  /** The node's output shape (the buffer is contiguous in it). */
  readonly outShape: readonly number[];
  readonly operands: readonly OperandRef[];
  readonly expr?: ExprTemplate;
  readonly reduce?: ReduceInfo;
  readonly matmul?: MatmulInfo;
  readonly catDim?: number;
  /** False for reshape copies: consumers must read the stored buffer with the new shape. */
  readonly inlinable: boolean;
  /** Buffers that read this one (directly or through views). */
  readonly users: Buf[];
  isOutput: boolean;
}

export interface GraphOutput {
  /** The graph output's root and view (a buffer's own value is a view with its contiguous layout). */
  readonly access: Access;
}

export interface BufferGraph {
  readonly bufs: readonly Buf[];
  /** Placeholders, then constants: the order inputs are passed to the generated call(). */
  readonly inputs: readonly Node[];
  readonly outputs: readonly GraphOutput[];
}

const identity: ExprTemplate = (a) => a;

export function buildBuffers(graph: Graph, live: readonly Node[]): BufferGraph {
  const inputs = [
    ...live.filter((n) => n.kind === 'placeholder'),
    ...live.filter((n) => n.kind === 'constant'),
  ];
  const inputIndex = new Map(inputs.map((n, i) => [n, i]));
  const bufOf = new Map<Node, Buf>();
  const bufs: Buf[] = [];

  /** The access a node's value is read through, resolving view chains to their root. */
  const accessOf = (node: Node): Access => {
    const index = inputIndex.get(node);
    if (index !== undefined) return { root: { kind: 'input', index }, ...rootLayout(node.meta), via: [] };
    const buf = bufOf.get(node);
    if (buf !== undefined) return { root: { kind: 'buffer', buf }, ...rootLayout(node.meta), via: [] };
    // An aliasing view: same root as its input, this node's strides and offset.
    const source = accessOf(node.inputs[0] as Node);
    const base = source.offset - (node.inputs[0] as Node).meta.offset;
    return { root: source.root, ...layout(node.meta, base), via: [...source.via, node.op] };
  };

  const operandOf = (arg: Node | number): OperandRef => {
    if (typeof arg === 'number') return { kind: 'scalar', value: arg };
    const buf = bufOf.get(arg);
    if (buf?.inlinable) return { kind: 'value', buf };
    const access = accessOf(arg);
    // A view that reads a buffer exactly in its own layout is still its value.
    if (access.root.kind === 'buffer' && access.root.buf.inlinable && readsWhole(access, access.root.buf)) {
      return { kind: 'value', buf: access.root.buf };
    }
    return { kind: 'load', access };
  };

  for (const node of live) {
    if (node.kind !== 'call' || isAlias(node)) continue;
    const op = getOp(node.op);
    const operands = node.inputs.map(operandOf);
    const base = {
      id: bufs.length,
      name: `buf${bufs.length}`,
      node,
      outShape: node.meta.shape,
      operands,
      users: [] as Buf[],
      isOutput: false,
    };
    let buf: Buf;
    switch (op.category) {
      case 'reduction': {
        const inShape = (node.inputs[0] as Node).meta.shape;
        const reduce: ReduceInfo = {
          dims: reductionDims(node.attrs.dim, inShape.length),
          keepdim: node.attrs.keepdim === true,
          kind: node.op === 'amax' ? 'max' : 'sum',
          inShape,
        };
        buf = { ...base, kind: 'reduction', shape: node.meta.shape, reduce, inlinable: true };
        break;
      }
      case 'matmul': {
        const [a, b] = node.inputs as Node[];
        const plan = planMatmul(a.meta.shape, b.meta.shape);
        const matmul: MatmulInfo = {
          a: plan.a,
          b: plan.b,
          batch: plan.batch,
          hasN: a.meta.shape.length > 1,
          hasM: b.meta.shape.length > 1,
        };
        buf = { ...base, kind: 'matmul', shape: node.meta.shape, matmul, inlinable: true };
        break;
      }
      case 'cat':
        buf = {
          ...base,
          kind: 'cat',
          shape: node.meta.shape,
          catDim: normalize(node.attrs.dim as number | undefined, node.meta.shape.length),
          inlinable: true,
        };
        break;
      case 'view': // a reshape that cannot alias: a copy over the input's shape, stored contiguously
        buf = {
          ...base,
          kind: 'pointwise',
          shape: (node.inputs[0] as Node).meta.shape,
          expr: identity,
          inlinable: false,
        };
        break;
      case 'copy':
        buf = { ...base, kind: 'pointwise', shape: node.meta.shape, expr: identity, inlinable: true };
        break;
      default:
        buf = {
          ...base,
          kind: 'pointwise',
          shape: node.meta.shape,
          expr: node.op === 'gelu' ? geluExpr(node.attrs.approximate) : (BRANCHLESS[node.op] ?? op.expr),
          inlinable: true,
        };
    }
    bufs.push(buf);
    bufOf.set(node, buf);
  }

  for (const buf of bufs) {
    for (const o of buf.operands) {
      const producer =
        o.kind === 'value'
          ? o.buf
          : o.kind === 'load' && o.access.root.kind === 'buffer'
            ? o.access.root.buf
            : undefined;
      if (producer !== undefined && !producer.users.includes(buf)) producer.users.push(buf);
    }
  }
  const outputs = graph.outputs.map((node): GraphOutput => {
    const access = accessOf(node);
    if (access.root.kind === 'buffer') access.root.buf.isOutput = true;
    return { access };
  });
  return { bufs, inputs, outputs };
}

/** True for view/copy nodes whose output shares their input's storage (no kernel). */
export function isAlias(node: Node): boolean {
  if (node.kind !== 'call') return false;
  const op = getOp(node.op);
  if (op.category !== 'view' && op.category !== 'copy') return false;
  const metas = node.inputs.map((a) => (typeof a === 'number' ? a : a.meta));
  return op.inferMeta(metas, node.attrs).aliasOf === 0;
}

function rootLayout(meta: TensorMeta): Pick<Access, 'shape' | 'strides' | 'offset'> {
  return { shape: meta.shape, strides: meta.strides, offset: 0 };
}

function layout(meta: TensorMeta, base: number): Pick<Access, 'shape' | 'strides' | 'offset'> {
  return { shape: meta.shape, strides: meta.strides, offset: base + meta.offset };
}

function readsWhole(access: Access, buf: Buf): boolean {
  return (
    access.offset === 0 && sameShape(access.shape, buf.shape) && isContiguous(access.shape, access.strides)
  );
}

function normalize(dim: number | undefined, rank: number): number {
  const d = dim ?? 0;
  return d < 0 ? d + rank : d;
}
