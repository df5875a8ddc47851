/**
 * The capture mode behind compile(): records ops into the current graph segment; when user code
 * needs a lazy value (`item()`, `toArray()`), it closes the segment (a graph break), runs it, hands
 * the value back, and opens a new segment whose inputs are the values computed so far. Every real
 * tensor an op meets (arguments, weights, earlier segments' results) is lifted to a graph input, so
 * graphs are pure functions of their placeholders and can be cached by their printed form.
 */
import type { Attrs, Operand, TensorMeta, TensorValue } from '../core/types.js';
import type { DispatchMode, MaterializeReason } from '../dispatch/mode.js';
import type { Graph, Node } from '../ir/graph.js';
import { GraphRecorder } from '../ir/recorder.js';
import type { OpDef, OutMeta } from '../ops/op-def.js';
import type { Tensor } from '../tensor.js';

/** Runs segment `index` (compiling or fetching it) on its inputs; returns the graph's outputs. */
export type SegmentRunner = (graph: Graph, inputs: readonly TensorValue[], index: number) => Tensor[];

export interface Segment {
  readonly graph: Graph;
  /** The real values bound to the graph's placeholders, in order. */
  readonly inputs: readonly TensorValue[];
  /** Why the segment ended early (absent for the last one). */
  readonly breakReason?: string;
}

export class Segmenter implements DispatchMode {
  readonly name = 'capture';
  readonly segments: Segment[] = [];
  /** Every data-dependent read, in order (a break may close a segment or, before any op, not). */
  readonly breaks: string[] = [];
  private recorder!: GraphRecorder;
  private lifted = new Map<TensorValue, TensorValue>();
  private inputs: TensorValue[] = [];

  constructor(
    private readonly argNames: ReadonlyMap<TensorValue, string>,
    private readonly run: SegmentRunner,
  ) {
    this.open();
  }

  /**
   * Makes argument `t` an input of the current segment now (so graph inputs follow argument order)
   * and returns the lazy tensor user code should see, so reading it is a detectable graph break.
   */
  bind(t: TensorValue): TensorValue {
    return this.lift(t) ?? t;
  }

  dispatch(op: OpDef, inputs: readonly Operand[], attrs: Attrs, meta: OutMeta): TensorValue {
    return this.recorder.dispatch(op, inputs, attrs, meta);
  }

  materialize(t: TensorValue, reason: MaterializeReason): Float32Array | undefined {
    return this.recorder.materialize(t, reason);
  }

  /** Ends the function: runs the last segment for `outputs` (unless it is empty after a break). */
  finish(outputs: readonly TensorValue[]): void {
    const recorded = [...this.recorder.produced.keys()].some((n) => n.kind === 'call');
    if (recorded || this.segments.length === 0) this.close(outputs);
  }

  private open(): void {
    this.recorder = new GraphRecorder({
      lift: (t) => this.lift(t),
      onMaterialize: (t, node, reason) => {
        const why = `${reason}() needs the value of '${node.name}' (data-dependent)`;
        this.breaks.push(why);
        // Everything recorded so far may be needed later: all of it becomes an output.
        const live = [...this.recorder.produced].filter(([n]) => n.kind === 'call').map(([, v]) => v);
        if (live.length > 0) this.close(live, why);
        else this.fillLifted(); // nothing computed yet (an input was read): no graph to run
        return t.storage ?? undefined;
      },
    });
    this.lifted = new Map();
    this.inputs = [];
  }

  private close(outputs: readonly TensorValue[], breakReason?: string): void {
    this.recorder.output(outputs);
    const graph = this.recorder.graph;
    const results = this.run(graph, this.inputs, this.segments.length);
    graph.outputs.forEach((node, i) => {
      const value = this.recorder.produced.get(node);
      if (value !== undefined && value.storage === null) value.storage = results[i].storage;
    });
    this.fillLifted();
    this.segments.push(
      breakReason === undefined
        ? { graph, inputs: this.inputs }
        : { graph, inputs: this.inputs, breakReason },
    );
    this.open();
  }

  /** Lazy stand-ins for lifted values become readable (later segments lift them again). */
  private fillLifted(): void {
    for (const [real, lazy] of this.lifted) if (lazy.storage === null) lazy.storage = real.storage;
  }

  private lift(t: TensorValue): TensorValue | undefined {
    let p = this.lifted.get(t);
    if (p === undefined) {
      if (t.storage === null) return undefined; // a lazy tensor of another capture: the recorder reports it
      const node = t.lazy as Node | null;
      const name = this.argNames.get(t) ?? node?.argName ?? node?.name ?? 'tensor';
      p = this.recorder.input(name, t as TensorMeta);
      this.lifted.set(t, p);
      this.inputs.push(t);
    }
    return p;
  }
}
