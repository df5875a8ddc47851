/** What one graph compile hands to the reporting side (instrument.ts, messages.ts, metrics.ts). */
import type { CompileId } from '../../logging/index.js';
import type { Graph, Node, SourceLocation } from '../ir/graph.js';
import type { SymbolicShapes } from './dynamic.js';
import type { GuardSet } from './guards.js';
import type { GraphBreak } from './segmenter.js';

/** A dynamic int argument: its symbol (`s86`), its value at this compile and its graph input. */
export interface IntSymbol {
  readonly name: string;
  readonly value: number;
  readonly argName: string;
  readonly placeholder: Node;
}

/** The code object being compiled: the user's function or a resume point after a graph break. */
export interface FrameInfo {
  readonly coName: string;
  readonly coFilename: string;
  readonly coFirstlineno: number;
}

export interface GraphCompileRequest {
  readonly compileId: CompileId;
  readonly frame: FrameInfo;
  /** The user's frames that led to this compile (innermost first), and how many of ours were left out. */
  readonly callerStack: readonly SourceLocation[];
  readonly elidedFrames: number;
  readonly graph: Graph;
  readonly symbolic?: SymbolicShapes;
  /** Int arguments that are graph inputs (SymInts), in placeholder order. */
  readonly intSymbols?: readonly IntSymbol[];
  /** Set when the segment ended in a graph break (reported as a restart). */
  readonly breakAt?: GraphBreak;
  /** `0/0: tensor 'x' size mismatch ...`, newest entry first; empty for a first compile. */
  readonly recompileReasons: readonly string[];
  /** Every failing guard of every entry (for `recompiles_verbose`), newest entry first. */
  readonly verboseReasons: readonly (readonly string[])[];
  /** Entries this frame already had (compilation_metrics' cache_size). */
  readonly cacheSize: number;
  /** performance.now() when capture of this graph began. */
  readonly openedAt: number;
  readonly backendName: string;
  readonly dynamoConfig: Readonly<Record<string, unknown>>;
}

export interface GraphCompileSteps<R> {
  /** Hands the graph to the backend. */
  backend(): R;
  /** Builds the guards of the new entry (after the backend, as PyTorch does). */
  guards(): GuardSet;
  /** One evaluation of the guards on the current inputs, in microseconds. */
  guardLatencyUs(guards: GuardSet): number;
}

/** The compile that failed (user code raised while it was captured, or the backend refused the graph). */
export interface FailedCompile {
  readonly compileId: CompileId;
  readonly frame: FrameInfo;
  readonly openedAt: number;
  readonly dynamoConfig: Readonly<Record<string, unknown>>;
}
