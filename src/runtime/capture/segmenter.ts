/**
 * The capture mode behind compile(): records ops into the current graph segment; when user code
 * needs a lazy value (`item()`, `toArray()`), it closes the segment (a graph break), runs it, hands
 * the value back, and opens a new segment whose inputs are the values computed so far. Every real
 * tensor an op meets (arguments, weights, earlier segments' results) is lifted to a graph input, so
 * graphs are pure functions of their placeholders and can be cached by their structure.
 *
 * The same mode replays a cached function that has graph breaks: with `sources: false` recording costs no
 * stack per op (only one raw stack per segment and per break, to know where user code is), and the runner
 * finds each segment's compiled graph by its structure.
 */
import type { Attrs, Operand, TensorMeta, TensorValue } from '../core/types.js';
import type { DispatchMode, MaterializeReason } from '../dispatch/mode.js';
import type { Graph, Node, SourceLocation } from '../ir/graph.js';
import { GraphRecorder } from '../ir/recorder.js';
import { captureRawStack, type RawStack, rawSiteKey, rawUserFrames } from '../ir/source.js';
import type { OpDef, OutMeta } from '../ops/op-def.js';
import type { Tensor } from '../tensor.js';

/** Where and why user code needed a value while it was being captured. */
export interface GraphBreak {
  readonly reason: MaterializeReason;
  /** The graph node whose value was needed (`sum_1`). */
  readonly nodeName: string;
  /** `item() needs the value of 'sum_1' (data-dependent)`. */
  readonly text: string;
  /** Where user code read the value (a generated position: cheap, stable within the process). */
  readonly siteKey: string;
  /** The user's frames at the read, innermost first (the first is the break site); mapped on first use. */
  readonly userStack: readonly SourceLocation[];
}

/** A finished segment handed to the runner. */
export interface SegmentClose {
  readonly graph: Graph;
  /** The real values bound to the graph's placeholders, in order. */
  readonly inputs: readonly TensorValue[];
  readonly index: number;
  /** The break that ended this segment (absent for the last one). */
  readonly breakAt?: GraphBreak;
  /** The break this segment resumes after (absent for the first one). */
  readonly resumedAfter?: GraphBreak;
  /** performance.now() when the segment opened (its share of capture time). */
  readonly openedAt: number;
  /** Where the segment's first op was issued (a generated position; '' when it has no op). */
  readonly firstOpKey: string;
  /** The user's line of the segment's first op, mapped on demand. */
  firstOpSource(): SourceLocation | undefined;
}

/** Runs a closed segment (compiling or fetching it); returns the graph's outputs. */
export type SegmentRunner = (segment: SegmentClose) => Tensor[];

export interface Segment {
  readonly graph: Graph;
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
  private openedAt = 0;
  private resumedAfter: GraphBreak | undefined;
  private firstOp: RawStack | undefined;

  constructor(
    private readonly argNames: ReadonlyMap<TensorValue, string>,
    private readonly run: SegmentRunner,
    private readonly sources = true,
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
    this.firstOp ??= captureRawStack(12);
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
      sourceLocations: this.sources,
      onMaterialize: (t, node, reason) => {
        const text = `${reason}() needs the value of '${node.name}' (data-dependent)`;
        this.breaks.push(text);
        const at = graphBreak(reason, node.name, text, captureRawStack());
        // Everything recorded so far may be needed later: all of it becomes an output.
        const live = [...this.recorder.produced].filter(([n]) => n.kind === 'call').map(([, v]) => v);
        if (live.length > 0) this.close(live, at);
        else this.fillLifted(); // nothing computed yet (an input was read): no graph to run
        return t.storage ?? undefined;
      },
    });
    this.lifted = new Map();
    this.inputs = [];
    this.openedAt = performance.now();
    this.firstOp = undefined;
  }

  private close(outputs: readonly TensorValue[], breakAt?: GraphBreak): void {
    this.recorder.output(outputs);
    const recorder = this.recorder;
    const graph = recorder.graph;
    const firstOp = this.firstOp;
    const segment: SegmentClose = {
      graph,
      inputs: this.inputs,
      index: this.segments.length,
      ...(breakAt === undefined ? {} : { breakAt }),
      ...(this.resumedAfter === undefined ? {} : { resumedAfter: this.resumedAfter }),
      openedAt: this.openedAt,
      firstOpKey: firstOp === undefined ? '' : rawSiteKey(firstOp),
      firstOpSource: () => (firstOp === undefined ? undefined : rawUserFrames(firstOp, 1)[0]),
    };
    const results = this.run(segment);
    graph.outputs.forEach((node, i) => {
      const value = recorder.produced.get(node);
      if (value !== undefined && value.storage === null) value.storage = results[i].storage;
    });
    this.fillLifted();
    this.segments.push(
      breakAt === undefined
        ? { graph, inputs: this.inputs }
        : { graph, inputs: this.inputs, breakReason: breakAt.text },
    );
    this.resumedAfter = breakAt;
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

/** A break whose user stack is mapped to sources only if someone reads it (replays usually do not). */
function graphBreak(reason: MaterializeReason, nodeName: string, text: string, raw: RawStack): GraphBreak {
  let stack: readonly SourceLocation[] | undefined;
  return {
    reason,
    nodeName,
    text,
    siteKey: rawSiteKey(raw),
    get userStack() {
      stack ??= rawUserFrames(raw);
      return stack;
    },
  };
}
