/**
 * The recording dispatch mode: instead of computing, each op call appends a node to a Graph and
 * returns a lazy tensor (metadata only, `lazy` = the node). Capture (`dynamo`) records user code with
 * it; with `decompose: true` it records composites as their primitives (`aot` lowering).
 */
import { CompilogError } from '../../logging/index.js';
import type { Attrs, Operand, StridedArray, TensorMeta, TensorValue } from '../core/types.js';
import { dispatch } from '../dispatch/dispatch.js';
import { type DispatchMode, type MaterializeReason, withMode } from '../dispatch/mode.js';
import type { OpDef, OutMeta } from '../ops/op-def.js';
import { Tensor } from '../tensor.js';
import { type Arg, Graph, type Node, type SourceLocation } from './graph.js';
import { userSourceLocation } from './source.js';

export interface RecorderOptions {
  /** Record composite ops as their decompositions. */
  readonly decompose?: boolean;
  /** Attach the user's source line to each node (costs a stack trace per op; off for re-tracing). */
  readonly sourceLocations?: boolean;
  /**
   * Called when user code needs a lazy tensor's data. Return the data to continue (e.g. after running
   * the graph so far), or undefined to raise E_GRAPH_BREAK. This is where capture splits graphs.
   */
  readonly onMaterialize?: (
    t: TensorValue,
    node: Node,
    reason: MaterializeReason,
  ) => Float32Array | undefined;
  /**
   * Called for a tensor operand that is not this recorder's own: return one of this recorder's lazy
   * tensors (usually a new `input()`) to make it a graph input, or undefined to embed it as a constant.
   */
  readonly lift?: (t: TensorValue) => TensorValue | undefined;
}

export class GraphRecorder implements DispatchMode {
  readonly name = 'record';
  readonly graph = new Graph();
  private readonly constants = new WeakMap<object, Node>();
  /** Every lazy tensor this recorder handed out, by node (placeholders and calls). */
  readonly produced = new Map<Node, TensorValue>();
  /** When set, recorded nodes take this source instead of the stack (re-tracing keeps user lines). */
  sourceOverride: SourceLocation | undefined;

  constructor(private readonly options: RecorderOptions = {}) {}

  /** A graph input: a placeholder node and the lazy tensor user code receives for it. */
  input(argName: string, meta: TensorMeta, source?: SourceLocation): Tensor {
    const node = this.graph.placeholder(argName, plainMeta(meta), source);
    const t = new Tensor({ ...node.meta, storage: null, lazy: node });
    this.produced.set(node, t);
    return t;
  }

  /** Marks the values the graph returns. */
  output(values: readonly TensorValue[]): void {
    this.graph.setOutputs(values.map((v) => this.nodeOf(v)));
  }

  dispatch(op: OpDef, inputs: readonly Operand[], attrs: Attrs, meta: OutMeta): TensorValue {
    if (this.options.decompose === true && op.decompose !== undefined) {
      return withMode(this, () => op.decompose!(inputs, attrs, dispatch));
    }
    const args: Arg[] = inputs.map((x) => (typeof x === 'number' ? x : this.nodeOf(x)));
    const source =
      this.sourceOverride ?? (this.options.sourceLocations === false ? undefined : userSourceLocation());
    const node = this.graph.call(op.name, args, attrs, plainMeta(meta), source);
    const t = new Tensor({ ...node.meta, storage: null, lazy: node });
    this.produced.set(node, t);
    return t;
  }

  materialize(t: TensorValue, reason: MaterializeReason): Float32Array | undefined {
    const node = this.ownNode(t);
    if (node === undefined) return undefined;
    const data = this.options.onMaterialize?.(t, node, reason);
    if (data !== undefined) return data;
    throw new CompilogError(
      'E_GRAPH_BREAK',
      `data-dependent operation: ${reason}() needs the value of '${node.name}' while it is being captured`,
      'move the read out of the compiled function, or let capture split the graph here',
    );
  }

  /** The node for a tensor operand: its own lazy node, or a constant for a real tensor. */
  private nodeOf(t: TensorValue): Node {
    const own = this.ownNode(t);
    if (own !== undefined) return own;
    const lifted = this.options.lift?.(t);
    if (lifted !== undefined) return this.nodeOf(lifted);
    if (t.storage === null) {
      throw new CompilogError(
        'E_LAZY_TENSOR',
        'a lazy tensor from another capture was used in this one',
        'do not keep tensors from inside one compiled function for use in another',
      );
    }
    let node = this.constants.get(t.storage);
    // Constants are keyed by storage + view so two views of one buffer stay distinct nodes.
    if (node === undefined || !sameView(node.meta, t)) {
      node = this.graph.constant(t as StridedArray, plainMeta(t));
      this.constants.set(t.storage, node);
    }
    return node;
  }

  private ownNode(t: TensorValue): Node | undefined {
    const node = t.lazy as Node | null;
    return node !== null && this.graph.nodes[node.id] === node ? node : undefined;
  }
}

export function plainMeta(m: TensorMeta): TensorMeta {
  return { shape: [...m.shape], strides: [...m.strides], offset: m.offset, dtype: m.dtype };
}

function sameView(a: TensorMeta, b: TensorMeta): boolean {
  return (
    a.offset === b.offset &&
    a.shape.length === b.shape.length &&
    a.shape.every((d, i) => d === b.shape[i] && a.strides[i] === b.strides[i])
  );
}
