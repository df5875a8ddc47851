/**
 * compile(fn): the `dynamo` stage. A call traces fn with lazy tensors into graphs (split at graph
 * breaks), guarded on the arguments' shapes/strides and scalar values. Later calls reuse the entry
 * whose guards pass, or recompile with the failed guards as the reason. An entry without graph
 * breaks runs its one graph directly; an entry with breaks re-runs fn under capture, and each
 * segment graph is compiled once (cached by its printed form) with its own compile id, like
 * PyTorch's resume functions. Graphs run through a pluggable backend (the reference interpreter
 * until lowering and codegen exist).
 */
import { type CompileId, CompilogError, withCompileId } from '../../logging/index.js';
import type { TensorValue } from '../core/types.js';
import { activeModes, withMode } from '../dispatch/mode.js';
import type { Graph } from '../ir/graph.js';
import { interpret } from '../ir/interpreter.js';
import { printGraph } from '../ir/printer.js';
import { Tensor } from '../tensor.js';
import { type CompileArg, checkGuards, type GuardSet, guardsFor } from './guards.js';
import { paramNames } from './param-names.js';
import { type Segment, Segmenter } from './segmenter.js';

/** Runs a compiled graph on real tensors (the graph's placeholders, in order). */
export type GraphRunner = (inputs: readonly Tensor[]) => Tensor[];
/** Turns a captured graph into something runnable (PyTorch's `backend=`). */
export type Backend = (graph: Graph, exampleInputs: readonly Tensor[]) => GraphRunner;

export const referenceBackend: Backend = (graph) => (inputs) => interpret(graph, inputs);

export type CompilableFn = (...args: never[]) => Tensor | readonly Tensor[];

export interface CompileOptions {
  readonly backend?: Backend;
  /** Argument names for guards and placeholders; default: parsed from the function's source. */
  readonly argNames?: readonly string[];
  /** Entries per function before falling back to eager (PyTorch's recompile_limit, default 8). */
  readonly recompileLimit?: number;
}

export interface CompiledGraph {
  readonly compileId: CompileId;
  readonly graph: Graph;
}

export interface CompiledEntry {
  readonly compileId: CompileId;
  readonly guards: GuardSet;
  /** The graphs the capturing call produced, in order (one unless capture hit graph breaks). */
  readonly graphs: readonly CompiledGraph[];
  /** Why each graph but the last ended early (`item() needs the value of 'sum_1' ...`). */
  readonly graphBreaks: readonly string[];
  /** Guard failures (newest entry first, `0/0: ...`) that caused this compile; empty for the first. */
  readonly recompileReasons: readonly string[];
  hits: number;
}

export interface CompiledFunction<F extends CompilableFn> {
  (...args: Parameters<F>): ReturnType<F>;
  readonly fn: F;
  /** Cache entries, newest first (the order guards are checked, like PyTorch's cache). */
  readonly entries: readonly CompiledEntry[];
  /** Every graph compiled for this function, in compile order (segments after breaks included). */
  readonly graphs: readonly CompiledGraph[];
  /** Calls that ran eagerly because the recompile limit was reached. */
  readonly limitHits: number;
  frameId(): number | undefined;
  reset(): void;
}

/** Where each placeholder's value comes from on the fast path. */
type Binding = { readonly arg: number } | { readonly value: TensorValue };

interface Runnable {
  readonly entry: CompiledEntry;
  /** Set when capture saw no graph break: run this graph without re-tracing. */
  readonly direct: { readonly run: GraphRunner; readonly bindings: readonly Binding[] } | null;
  readonly single: boolean;
}

let nextFrameId = 0;

export function compile<F extends CompilableFn>(fn: F, options: CompileOptions = {}): CompiledFunction<F> {
  const backend = options.backend ?? referenceBackend;
  const limit = options.recompileLimit ?? 8;
  let cache: Runnable[] = [];
  let frameId: number | undefined;
  let limitHits = 0;
  // Segment graphs by printed form; resume frames (segments after a break) get their own frame ids.
  let compiledGraphs = new Map<string, CompiledGraph & { run: GraphRunner }>();
  let resumeFrames: { frameId: number; compiles: number }[] = [];

  const compiled = ((...args: CompileArg[]) => {
    // Called while another compiled function is being captured: inline it (PyTorch does the same).
    if (activeModes().some((m) => m instanceof Segmenter)) {
      return (fn as unknown as (...a: CompileArg[]) => ReturnType<F>)(...args);
    }
    const failures: string[] = [];
    for (const r of cache) {
      const failed = checkGuards(r.entry.guards, args);
      if (failed === null) {
        r.entry.hits++;
        return r.direct === null ? trace(args, r.entry.compileId).result : runDirect(r, args);
      }
      failures.push(`${r.entry.compileId.frameId}/${r.entry.compileId.frameCompileId}: ${failed}`);
    }
    if (cache.length >= limit) {
      limitHits++;
      return (fn as unknown as (...a: CompileArg[]) => ReturnType<F>)(...args);
    }
    frameId ??= nextFrameId++;
    const compileId: CompileId = { frameId, frameCompileId: cache.length };
    const names = options.argNames ?? paramNames(fn, args.length);
    const { segments, breaks, single, result } = trace(args, compileId);
    const graphs = segments.map((s) => compiledGraphs.get(keyOf(s.graph, segments.indexOf(s)))!);
    const entry: CompiledEntry = {
      compileId,
      guards: guardsFor(names, args),
      graphs: graphs.map(({ compileId: id, graph }) => ({ compileId: id, graph })),
      graphBreaks: breaks,
      recompileReasons: failures,
      hits: 0,
    };
    const direct =
      segments.length === 1 && breaks.length === 0
        ? {
            run: graphs[0].run,
            bindings: segments[0].inputs.map((v): Binding => {
              const arg = args.indexOf(v as Tensor);
              return arg >= 0 ? { arg } : { value: v };
            }),
          }
        : null;
    cache = [{ entry, direct, single }, ...cache];
    return result;
  }) as unknown as CompiledFunction<F>;

  Object.defineProperties(compiled, {
    fn: { value: fn },
    entries: { get: () => cache.map((r) => r.entry) },
    graphs: { get: () => [...compiledGraphs.values()].map(({ compileId, graph }) => ({ compileId, graph })) },
    limitHits: { get: () => limitHits },
    frameId: { value: () => frameId },
    reset: {
      value: () => {
        cache = [];
        compiledGraphs = new Map();
        resumeFrames = [];
        limitHits = 0;
      },
    },
  });
  return compiled;

  function runDirect(r: Runnable, args: readonly CompileArg[]): ReturnType<F> {
    const inputs = r.direct!.bindings.map((b) =>
      'arg' in b ? (args[b.arg] as Tensor) : Tensor.wrap(b.value),
    );
    const outputs = withCompileId(r.entry.graphs[0].compileId, () => r.direct!.run(inputs));
    return (r.single ? outputs[0] : outputs) as ReturnType<F>;
  }

  /** Runs fn under the capture mode; segments are compiled on first sight and executed. */
  function trace(args: readonly CompileArg[], entryId: CompileId) {
    const names = options.argNames ?? paramNames(fn, args.length);
    const argNames = new Map<TensorValue, string>();
    args.forEach((a, i) => {
      if (a instanceof Tensor) argNames.set(a, names[i]);
    });
    const segmenter = new Segmenter(argNames, (graph, inputs, index) => {
      const compiledGraph = graphFor(graph, inputs, index, entryId);
      return withCompileId(compiledGraph.compileId, () =>
        compiledGraph.run(inputs.map((v) => Tensor.wrap(v))),
      );
    });
    const returned = withCompileId(entryId, () =>
      withMode(segmenter, () => {
        const traced = args.map((a) => (typeof a === 'number' ? a : Tensor.wrap(segmenter.bind(a))));
        return (fn as unknown as (...a: CompileArg[]) => Tensor | readonly Tensor[])(...traced);
      }),
    );
    const single = !Array.isArray(returned);
    const outputs = single ? [returned as Tensor] : [...(returned as readonly Tensor[])];
    if (!outputs.every((o) => o instanceof Tensor)) {
      throw new CompilogError(
        'E_BAD_ARGUMENT',
        'a compiled function must return a Tensor or an array of Tensors',
        'return numbers as 0-d tensors',
      );
    }
    withCompileId(entryId, () => segmenter.finish(outputs));
    const segments: readonly Segment[] = segmenter.segments;
    const result = (single ? outputs[0] : outputs) as ReturnType<F>;
    return { segments, breaks: [...segmenter.breaks], single, result };
  }

  function graphFor(graph: Graph, inputs: readonly TensorValue[], index: number, entryId: CompileId) {
    const key = keyOf(graph, index);
    let found = compiledGraphs.get(key);
    if (found === undefined) {
      let compileId = entryId;
      if (index > 0) {
        resumeFrames[index] ??= { frameId: nextFrameId++, compiles: 0 };
        compileId = { frameId: resumeFrames[index].frameId, frameCompileId: resumeFrames[index].compiles++ };
      }
      const run = withCompileId(compileId, () =>
        backend(
          graph,
          inputs.map((v) => Tensor.wrap(v)),
        ),
      );
      found = { compileId, graph, run };
      compiledGraphs.set(key, found);
    }
    return found;
  }
}

function keyOf(graph: Graph, index: number): string {
  return `${index}\n${printGraph(graph)}`;
}
