/**
 * The capture mode behind compile(): records ops into the current graph segment; when user code
 * needs a lazy value (`item()`, `toArray()`), it closes the segment (a graph break), runs it, hands
 * the value back, and opens a new segment whose inputs are the values computed so far. Every real
 * tensor an op meets (arguments, weights, earlier segments' results) is lifted to a graph input, so
 * graphs are pure functions of their placeholders and can be cached by their structure.
 *
 * A segment closed at a break outputs only what is *live*: the value read at the break and the values
 * the rest of the function reads (a later segment lifts them, the host reads them, or the function
 * returns them), as PyTorch's graph-break graphs do. JavaScript cannot tell at the break which lazy
 * tensors user code still holds (no reference counts, and a WeakRef target stays alive for the whole
 * synchronous job), so liveness is learnt as the rest of the function runs: a segment never seen before
 * is run by the reference interpreter at the break, and compiled once the function has returned, with
 * the outputs then known. A cached segment runs its compiled graph at the break; if this call reads a
 * value that graph does not output (another path after the break), that value is recomputed from the
 * segment's inputs with the interpreter (logged at DEBUG), so results never depend on the guess.
 *
 * The same mode replays a cached function that has graph breaks: with `sources: false` recording costs no
 * stack per op (only one raw stack per segment and per break, to know where user code is), and the runner
 * finds each segment's compiled graph by its structure.
 */
import type { Attrs, Operand, TensorMeta, TensorValue } from '../core/types.js';
import type { DispatchMode, MaterializeReason } from '../dispatch/mode.js';
import type { Graph, Node, SourceLocation } from '../ir/graph.js';
import { interpret } from '../ir/interpreter.js';
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
  /** The node read at the break (a call or a placeholder); absent for the last segment. */
  readonly readNode?: Node;
  /** performance.now() when the segment closed (a segment after a break is compiled later). */
  readonly closedAt: number;
  /** Where the segment's first op was issued (a generated position; '' when it has no op). */
  readonly firstOpKey: string;
  /** The user's line of the segment's first op, mapped on demand. */
  firstOpSource(): SourceLocation | undefined;
}

/** What capture does with closed segments (compile.ts). */
export interface SegmentRunner {
  /** The last segment, its outputs set: compiles or fetches its graph and runs it; returns the outputs. */
  run(segment: SegmentClose): Tensor[];
  /**
   * A segment closed at a break, outputs not yet set: when a compiled graph of the same structure is
   * cached, sets the graph's outputs to that graph's, runs it and returns the outputs; otherwise undefined
   * (the segmenter interprets it, and hands it to `compileLater` once its live values are known).
   */
  cached(segment: SegmentClose): Tensor[] | undefined;
  /** Compiles a segment that ended at a break, its outputs now set (the read value, then the live ones). */
  compileLater(segment: SegmentClose): void;
  /** A value a cached segment graph does not output was needed, and was recomputed eagerly. */
  recomputed?(segment: SegmentClose, node: Node): void;
}

/** A segment closed at a break, whose values later code may still need. */
interface ClosedSegment {
  readonly close: SegmentClose;
  readonly recorder: GraphRecorder;
  /** What running it computed: its compiled graph's outputs, or every value when it was interpreted. */
  readonly values: Map<Node, TensorValue>;
  /** Values later code needed (in any way): the outputs of a graph compiled later. */
  readonly live: Set<Node>;
  /** To be compiled once the function returns (a segment never seen before, not compiled yet). */
  pending: boolean;
}

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
  private readonly closed: ClosedSegment[] = [];

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
    return this.recorder.materialize(t, reason) ?? this.resolveClosed(t);
  }

  /**
   * Ends the function: the returned values are the last reads, so the segments closed at breaks now know
   * their live values and are compiled (in order); then the last segment runs for `outputs` (unless it is
   * empty after a break).
   */
  finish(outputs: readonly TensorValue[]): void {
    const recorded = this.recordedOps();
    if (recorded || this.segments.length === 0) {
      this.recorder.output(outputs); // lifts values of earlier segments: they become live there
    } else {
      for (const o of outputs) this.resolveClosed(o);
    }
    this.compilePending();
    if (recorded || this.segments.length === 0) this.closeLast();
  }

  /**
   * The function raised after a break: segments closed so far are compiled with the live values known, so
   * what was traced is reported as it would have been. Errors from those compiles are not the user's error.
   */
  abandon(): void {
    try {
      this.compilePending();
    } catch {
      // the user's exception is the one to report
    }
  }

  private open(): void {
    this.recorder = new GraphRecorder({
      lift: (t) => this.lift(t),
      sourceLocations: this.sources,
      onMaterialize: (t, node, reason) => {
        const text = `${reason}() needs the value of '${node.name}' (data-dependent)`;
        this.breaks.push(text);
        const at = graphBreak(reason, node.name, text, captureRawStack());
        if (this.recordedOps()) return this.closeAtBreak(at, node);
        this.fillLifted(); // nothing computed yet (an input was read): no graph to run
        return t.storage ?? undefined;
      },
    });
    this.lifted = new Map();
    this.inputs = [];
    this.openedAt = performance.now();
    this.firstOp = undefined;
  }

  private recordedOps(): boolean {
    for (const n of this.recorder.produced.keys()) if (n.kind === 'call') return true;
    return false;
  }

  private segmentClose(breakAt?: GraphBreak, readNode?: Node): SegmentClose {
    const firstOp = this.firstOp;
    return {
      graph: this.recorder.graph,
      inputs: this.inputs,
      index: this.segments.length,
      ...(breakAt === undefined ? {} : { breakAt }),
      ...(readNode === undefined ? {} : { readNode }),
      ...(this.resumedAfter === undefined ? {} : { resumedAfter: this.resumedAfter }),
      openedAt: this.openedAt,
      closedAt: performance.now(),
      firstOpKey: firstOp === undefined ? '' : rawSiteKey(firstOp),
      firstOpSource: () => (firstOp === undefined ? undefined : rawUserFrames(firstOp, 1)[0]),
    };
  }

  /**
   * A break: runs the segment's cached graph, or (never seen) interprets it and compiles it when the
   * function returns. Only the value read is handed to user code now; the others when later code needs them.
   */
  private closeAtBreak(breakAt: GraphBreak, readNode: Node): Float32Array | undefined {
    const recorder = this.recorder;
    const graph = recorder.graph;
    const segment = this.segmentClose(breakAt, readNode);
    const values = new Map<Node, TensorValue>();
    const results = this.run.cached(segment);
    if (results !== undefined) {
      graph.outputs.forEach((node, i) => {
        values.set(node, results[i]);
      });
    } else {
      const calls = graph.nodes.filter((n) => n.kind === 'call');
      interpret(graph, segment.inputs, calls).forEach((r, i) => {
        values.set(calls[i], r);
      });
    }
    this.closed.push({ close: segment, recorder, values, live: new Set(), pending: results === undefined });
    this.fillLifted();
    this.segments.push({ graph, inputs: this.inputs, breakReason: breakAt.text });
    this.resumedAfter = breakAt;
    this.open();
    const read = recorder.produced.get(readNode);
    return read === undefined ? undefined : (read.storage ?? this.resolveClosed(read));
  }

  /** The last segment: its outputs are the returned values. */
  private closeLast(): void {
    const recorder = this.recorder;
    const graph = recorder.graph;
    const segment = this.segmentClose();
    const results = this.run.run(segment);
    graph.outputs.forEach((node, i) => {
      const value = recorder.produced.get(node);
      if (value !== undefined && value.storage === null) value.storage = results[i].storage;
    });
    this.fillLifted();
    this.segments.push({ graph, inputs: this.inputs });
    this.resumedAfter = undefined;
    this.open();
  }

  /** Sets each interpreted segment's outputs (the value read, then the live ones in order) and compiles it. */
  private compilePending(): void {
    for (const c of this.closed) {
      if (!c.pending) continue;
      c.pending = false;
      const read = c.close.readNode;
      const outputs = read !== undefined && read.kind === 'call' ? [read] : [];
      for (const n of c.close.graph.nodes) if (c.live.has(n) && n !== read) outputs.push(n);
      c.close.graph.setOutputs(outputs);
      this.run.compileLater(c.close);
    }
  }

  /**
   * The data of a lazy value of a segment closed at a break (undefined for any other tensor): what running
   * the segment computed, or, when its cached graph does not output it, recomputed from the segment's inputs.
   * The value is live in that segment from now on, and readable (later segments lift it as a graph input).
   */
  private resolveClosed(t: TensorValue): Float32Array | undefined {
    if (t.storage !== null) return t.storage;
    const node = t.lazy as Node | null;
    if (node === null) return undefined;
    const c = this.closed.find((s) => s.close.graph.nodes[node.id] === node);
    if (c === undefined) return undefined;
    c.live.add(node);
    let value = c.values.get(node);
    if (value === undefined) {
      value = interpret(c.close.graph, c.close.inputs, [node])[0];
      c.values.set(node, value);
      this.run.recomputed?.(c.close, node);
    }
    t.storage = value.storage;
    return t.storage ?? undefined;
  }

  /** Lazy stand-ins for lifted values become readable (later segments lift them again). */
  private fillLifted(): void {
    for (const [real, lazy] of this.lifted) if (lazy.storage === null) lazy.storage = real.storage;
  }

  private lift(t: TensorValue): TensorValue | undefined {
    let p = this.lifted.get(t);
    if (p === undefined) {
      // a value of a segment closed at a break becomes readable (and live there); a lazy tensor of
      // another capture stays lazy, and the recorder reports it
      if (t.storage === null && this.resolveClosed(t) === undefined) return undefined;
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
