/**
 * compile(fn): the `dynamo` stage. The first call traces fn with lazy tensors into a Graph, guarded on
 * the arguments' shapes/strides and scalar values; later calls reuse the entry whose guards pass, or
 * recompile with the failed guards as the reason. Graphs run through a pluggable backend (the
 * reference interpreter until lowering/codegen exist).
 */
import { type CompileId, CompilogError, isCompilogError, withCompileId } from '../../logging/index.js';
import { withMode } from '../dispatch/mode.js';
import type { Graph } from '../ir/graph.js';
import { interpret } from '../ir/interpreter.js';
import { GraphRecorder } from '../ir/recorder.js';
import { Tensor } from '../tensor.js';
import { type CompileArg, checkGuards, type GuardSet, guardsFor } from './guards.js';
import { paramNames } from './param-names.js';

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

export interface CompiledEntry {
  readonly compileId: CompileId;
  readonly guards: GuardSet;
  /** Null when capture hit a graph break: this guard set runs eagerly. */
  readonly graph: Graph | null;
  readonly graphBreak?: string;
  /** Guard failures (newest entry first, `0/0: ...`) that caused this compile; empty for the first. */
  readonly recompileReasons: readonly string[];
  hits: number;
}

export interface CompiledFunction<F extends CompilableFn> {
  (...args: Parameters<F>): ReturnType<F>;
  readonly fn: F;
  /** Cache entries, newest first (the order guards are checked, like PyTorch's cache). */
  readonly entries: readonly CompiledEntry[];
  /** Calls that ran eagerly because the recompile limit was reached. */
  readonly limitHits: number;
  frameId(): number | undefined;
  reset(): void;
}

let nextFrameId = 0;

interface Runnable {
  readonly entry: CompiledEntry;
  readonly run: GraphRunner | null;
  readonly single: boolean;
}

export function compile<F extends CompilableFn>(fn: F, options: CompileOptions = {}): CompiledFunction<F> {
  const backend = options.backend ?? referenceBackend;
  const limit = options.recompileLimit ?? 8;
  let cache: Runnable[] = [];
  let frameId: number | undefined;
  let limitHits = 0;

  const compiled = ((...args: CompileArg[]) => {
    const failures: string[] = [];
    for (const r of cache) {
      const failed = checkGuards(r.entry.guards, args);
      if (failed === null) {
        r.entry.hits++;
        return execute(r, args);
      }
      failures.push(`${r.entry.compileId.frameId}/${r.entry.compileId.frameCompileId}: ${failed}`);
    }
    if (cache.length >= limit) {
      limitHits++;
      return callEager(fn, args);
    }
    frameId ??= nextFrameId++;
    const names = options.argNames ?? paramNames(fn, args.length);
    const r = capture(fn, args, names, { frameId, frameCompileId: cache.length }, failures, backend);
    cache = [r, ...cache];
    return execute(r, args);
  }) as unknown as CompiledFunction<F>;

  Object.defineProperties(compiled, {
    fn: { value: fn },
    entries: { get: () => cache.map((r) => r.entry) },
    limitHits: { get: () => limitHits },
    frameId: { value: () => frameId },
    reset: {
      value: () => {
        cache = [];
        limitHits = 0;
      },
    },
  });
  return compiled;

  function execute(r: Runnable, args: readonly CompileArg[]): ReturnType<F> {
    if (r.run === null) return callEager(fn, args);
    const outputs = r.run(args.filter((a): a is Tensor => a instanceof Tensor));
    return (r.single ? outputs[0] : outputs) as ReturnType<F>;
  }
}

function callEager<F extends CompilableFn>(fn: F, args: readonly CompileArg[]): ReturnType<F> {
  return (fn as unknown as (...a: CompileArg[]) => ReturnType<F>)(...args);
}

function capture(
  fn: CompilableFn,
  args: readonly CompileArg[],
  names: readonly string[],
  compileId: CompileId,
  recompileReasons: readonly string[],
  backend: Backend,
): Runnable {
  const guards = guardsFor(names, args);
  return withCompileId(compileId, () => {
    const recorder = new GraphRecorder();
    const traced = args.map((a, i) => (typeof a === 'number' ? a : recorder.input(names[i], a)));
    let result: Tensor | readonly Tensor[];
    try {
      result = withMode(recorder, () =>
        (fn as unknown as (...a: CompileArg[]) => Tensor | readonly Tensor[])(...traced),
      );
    } catch (err) {
      if (isCompilogError(err) && err.code === 'E_GRAPH_BREAK') {
        const entry: CompiledEntry = {
          compileId,
          guards,
          graph: null,
          graphBreak: err.message,
          recompileReasons,
          hits: 0,
        };
        return { entry, run: null, single: false };
      }
      throw err;
    }
    const single = !Array.isArray(result);
    const outputs = single ? [result as Tensor] : [...(result as readonly Tensor[])];
    if (!outputs.every((o) => o instanceof Tensor)) {
      throw new CompilogError(
        'E_BAD_ARGUMENT',
        'a compiled function must return a Tensor or an array of Tensors',
        'return numbers as 0-d tensors',
      );
    }
    recorder.output(outputs);
    const graph = recorder.graph;
    const examples = args.filter((a): a is Tensor => a instanceof Tensor);
    const entry: CompiledEntry = { compileId, guards, graph, recompileReasons, hits: 0 };
    return { entry, run: backend(graph, examples), single };
  });
}
