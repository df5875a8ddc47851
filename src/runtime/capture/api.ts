/** compile()'s public types: the backend seam, the options, and what a compiled function exposes. */
import type { CompileId } from '../../logging/index.js';
import type { Graph } from '../ir/graph.js';
import { interpret } from '../ir/interpreter.js';
import type { Tensor } from '../tensor.js';
import type { GuardSet } from './guards.js';

/**
 * Runs a compiled graph on real tensors (the graph's placeholders, in order). A runner that sets
 * `dynamicShapes` accepts every size of the dims it was told are dynamic; otherwise capture asks the
 * backend for one runner per concrete size of a dynamic graph.
 */
export interface GraphRunner {
  (inputs: readonly Tensor[]): Tensor[];
  readonly dynamicShapes?: boolean;
}

/** What the backend is told about the graph beyond its example inputs. */
export interface BackendContext {
  readonly compileId: CompileId;
  /** Per graph input (placeholder order): the dims whose size may differ between calls. */
  readonly dynamicDims: readonly (readonly number[])[];
}

/** Turns a captured graph into something runnable (PyTorch's `backend=`). `context` is optional for old backends. */
export type Backend = (
  graph: Graph,
  exampleInputs: readonly Tensor[],
  context?: BackendContext,
) => GraphRunner;

export const referenceBackend: Backend = (graph) => (inputs) => interpret(graph, inputs);

export type CompilableFn = (...args: never[]) => Tensor | readonly Tensor[];

export interface CompileOptions {
  readonly backend?: Backend;
  /** Argument names for guards and placeholders; default: parsed from the function's source. */
  readonly argNames?: readonly string[];
  /** Compiles per function (and per resume point) before falling back to eager (PyTorch's recompile_limit, 8). */
  readonly recompileLimit?: number;
  /**
   * Dynamic shapes: `true` makes every dim of every tensor argument, and every int argument, dynamic from the
   * first compile; `false` keeps shapes and ints static; by default a dim or an int becomes dynamic when a
   * recompile sees it change (PyTorch's automatic_dynamic_shapes). Floats are always specialised.
   */
  readonly dynamic?: boolean;
  /**
   * Names for tensors the function closes over (weights), so their graph inputs read `L_fc1_weight_` rather
   * than `L_tensor_`: `{ 'fc1.weight': w1, 'fc1.bias': b1 }`.
   */
  readonly params?: Readonly<Record<string, Tensor>>;
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
  /** The symbols the entry's graph is generic over: sizes (`'s27'`), then int arguments (`'s86'`); empty if static. */
  readonly symbols: readonly string[];
  hits: number;
}

export interface CompiledFunction<F extends CompilableFn> {
  (...args: Parameters<F>): ReturnType<F>;
  readonly fn: F;
  /** Cache entries, newest first (the order guards are checked, like PyTorch's cache). */
  readonly entries: readonly CompiledEntry[];
  /** Every graph compiled for this function, in compile order (segments after breaks included). */
  readonly graphs: readonly CompiledGraph[];
  /** Calls (or segments) that ran eagerly because the recompile limit was reached. */
  readonly limitHits: number;
  frameId(): number | undefined;
  reset(): void;
}
