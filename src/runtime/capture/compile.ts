/**
 * compile(fn): the `dynamo` stage. A call traces fn with lazy tensors into graphs (split at graph breaks),
 * guarded on the arguments' shapes/strides and scalar values. Later calls reuse the entry whose guards
 * pass, or recompile with the failed guards as the reason, up to a recompile limit (then fn runs eagerly).
 *
 * - An entry without graph breaks runs its one graph directly. With dynamic shapes (automatic after a size
 *   change, or `dynamic: true`) that graph serves every size its shape guards allow; with dynamic ints
 *   (automatic after an int argument changes) every value of them (dynamic-ints.ts).
 * - An entry with graph breaks cannot skip the user's JavaScript between the breaks (a JS function cannot
 *   be resumed in the middle, as Python bytecode can), so a cached call replays fn under a cheap recording
 *   mode (no stack per op, no printing, no compiling) and runs each segment's compiled graph, found by
 *   its structure in the cache of its resume frame. Only a segment never seen before is compiled, with its
 *   own compile id, as PyTorch compiles a resume function (`1/0`, then `1/1` on a recompile of it).
 * - A graph that ends at a break outputs only its live values, which are known once the function returns: a
 *   segment never seen before is interpreted at the break and compiled then (see segmenter.ts).
 *
 * Graphs run through a pluggable backend (PyTorch's `backend=`); compile ids, logs, artifacts and trace
 * records follow PyTorch's dynamo (see instrument.ts).
 */
import { defaultCompileContext } from '../../artifacts/index.js';
import { type CompileId, CompilogError, formatCompileId, withCompileId } from '../../logging/index.js';
import type { TensorMeta, TensorValue } from '../core/types.js';
import { activeModes, withMode } from '../dispatch/mode.js';
import type { Graph, SourceLocation } from '../ir/graph.js';
import { interpret } from '../ir/interpreter.js';
import { captureRawStack, rawUserFrames } from '../ir/source.js';
import { Tensor } from '../tensor.js';
import {
  type CompilableFn,
  type CompiledEntry,
  type CompiledFunction,
  type CompiledGraph,
  type CompileOptions,
  type GraphRunner,
  referenceBackend,
} from './api.js';
import { defaultBackend } from './defaults.js';
import { definitionLine } from './definition-line.js';
import { type DynamicOption, FrameShapes, type SymbolicShapes, symbolize, symbolName } from './dynamic.js';
import { analyseInts, intGraphInputs, isProbing, scalarInput, withIntInputs } from './dynamic-ints.js';
import {
  allGuardFailures,
  type CompileArg,
  checkGuards,
  type DynamicDims,
  type GuardSet,
  guardOrigins,
  guardsFor,
} from './guards.js';
import {
  type FrameInfo,
  failureReported,
  logAutomaticDynamic,
  logIntSpecialized,
  logRecomputed,
  logSpecialization,
  logStaticFallback,
  reportedCompile,
  reportFailedCompile,
  warnRecompileLimit,
} from './instrument.js';
import { paramNames } from './param-names.js';
import { respecialize } from './respecialize.js';
import { type SegmentClose, Segmenter } from './segmenter.js';
import { structureKey } from './structure-key.js';

/** Where each placeholder's value comes from on the fast path (`int`: a dynamic int argument, as a 0-d tensor). */
type Binding = { readonly arg: number } | { readonly value: TensorValue } | { readonly int: number };

/** A compiled segment graph and what it may be reused for. */
interface SegmentEntry {
  readonly compiled: CompiledGraph;
  /** Its structure; for a segment that ended at a break, without outputs (see segmentKey). */
  readonly key: string;
  readonly guards: GuardSet;
  readonly run: GraphRunner;
  /** Dynamic int inputs: placeholder index -> argument index (the segment's inputs fill the others). */
  readonly intPlaceholders?: ReadonlyMap<number, number>;
  /** Their symbols (`s86`). */
  readonly intSymbols?: readonly string[];
}

/** The single graph of an entry without breaks, with what it needs to run on new arguments. */
interface DirectGraph {
  readonly graph: Graph;
  readonly run: GraphRunner;
  readonly bindings: readonly Binding[];
  readonly symbolic: SymbolicShapes | undefined;
  readonly compileId: CompileId;
  /**
   * Per concrete size, for dynamic graphs whose runner is not itself dynamic: the SPECIALIZED_SIZES most
   * recently used (a long run at ever new sizes would otherwise keep a compiled program per size).
   */
  readonly bySize: Map<string, GraphRunner>;
}

interface Runnable {
  readonly entry: CompiledEntry;
  readonly direct: DirectGraph | null;
  readonly single: boolean;
  /** Segment-0 graphs of an entry with breaks (normally one). */
  readonly first: SegmentEntry[];
}

/** A resume point after a graph break: its own frame id and cache, like PyTorch's resume functions. */
interface ResumeFrame {
  readonly token: object;
  readonly info: FrameInfo;
  readonly entries: SegmentEntry[];
}

/** What one call's capture (or replay) knows while its segments close. */
interface CallContext {
  readonly args: readonly CompileArg[];
  readonly names: readonly string[];
  readonly entryId: CompileId | undefined;
  readonly runnable: Runnable | undefined;
  readonly dims: DynamicDims;
  /** Int arguments requested dynamic (automatic after a change, or `dynamic: true`). */
  readonly ints: readonly number[];
  readonly failures: readonly string[];
  readonly verbose: readonly (readonly string[])[];
  readonly callerStack: readonly SourceLocation[];
  readonly elided: number;
  readonly cacheSize: number;
  /** The segment graphs this call ran, by segment index (a segment past its limit ran eagerly: none). */
  readonly produced: Map<number, SegmentEntry>;
}

export function compile<F extends CompilableFn>(fn: F, options: CompileOptions = {}): CompiledFunction<F> {
  const backend = options.backend ?? defaultBackend() ?? referenceBackend;
  // `inductorBackend` reports as "inductor", as PyTorch's default backend does.
  const backendName = (backend.name || 'backend').replace(/Backend$/, '') || 'backend';
  const limit = options.recompileLimit ?? 8;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new CompilogError(
      'E_BAD_ARGUMENT',
      `recompileLimit must be a positive integer, got ${String(options.recompileLimit)}`,
      'pass compile(fn, { recompileLimit: 8 }) or leave it out',
    );
  }
  const dynamicOption: DynamicOption = options.dynamic;
  const dynamoConfig = {
    automatic_dynamic_shapes: dynamicOption === undefined,
    assume_static_by_default: dynamicOption !== true,
    recompile_limit: limit,
    backend: backendName,
  };
  const eager = fn as unknown as (...a: CompileArg[]) => ReturnType<F>;
  let cache: Runnable[] = [];
  let frameId: number | undefined;
  let frameInfo: FrameInfo | undefined;
  let limitHits = 0;
  let graphs: CompiledGraph[] = [];
  let shapes = new FrameShapes();
  let resumeFrames = new Map<string, ResumeFrame>();

  const compiled = ((...args: CompileArg[]) => {
    // Called while another compiled function is being captured: inline it (PyTorch does the same).
    // So is a call from the probe run of a dynamic int analysis.
    if (isProbing() || activeModes().some((m) => m instanceof Segmenter)) return eager(...args);
    const failures: string[] = [];
    for (const r of cache) {
      const failed = checkGuards(r.entry.guards, args);
      if (failed === null) {
        r.entry.hits++;
        return r.direct === null ? trace(args, contextFor(args, r)).result : runDirect(r, r.direct, args);
      }
      failures.push(`${formatCompileId(r.entry.compileId)}: ${failed}`);
    }
    if (cache.length >= limit) {
      limitHits++;
      // Reported under the compile id the next compile would have had, as PyTorch does ([0/8]).
      const next = { frameId: frameId ?? 0, frameCompileId: cache.length };
      withCompileId(next, () =>
        warnRecompileLimit(compiled, frameInfo ?? fallbackFrame(), limit, failures[0] ?? ''),
      );
      return eager(...args);
    }
    return capture(args, failures);
  }) as unknown as CompiledFunction<F>;

  Object.defineProperties(compiled, {
    fn: { value: fn },
    entries: { get: () => cache.map((r) => r.entry) },
    graphs: { get: () => [...graphs] },
    limitHits: { get: () => limitHits },
    frameId: { value: () => frameId },
    reset: {
      value: () => {
        cache = [];
        graphs = [];
        shapes = new FrameShapes();
        resumeFrames = new Map();
        limitHits = 0;
      },
    },
  });
  return compiled;

  /** A cache miss: allocate the compile id, capture fn, and add the new entry. */
  function capture(args: readonly CompileArg[], failures: readonly string[]): ReturnType<F> {
    const entryId = defaultCompileContext.nextCompileId(fn);
    frameId = entryId.frameId;
    const names = options.argNames ?? paramNames(fn, args.length);
    // The caller's stack, for logs and the trace only: captured raw now, mapped to sources if someone asks.
    const raw = captureRawStack();
    let callerFrames: readonly SourceLocation[] | undefined;
    const callers = () => {
      callerFrames ??= rawUserFrames(raw);
      return callerFrames;
    };
    const entries = cache;
    const update = shapes.update(args, names, dynamicOption);
    withCompileId(entryId, () => logAutomaticDynamic(update.changes));
    const ctx: CallContext = {
      args,
      names,
      entryId,
      runnable: undefined,
      dims: update.dims,
      ints: update.ints,
      failures,
      // every failing guard of every entry: only built if recompiles_verbose is on
      get verbose() {
        return entries.map((r) =>
          allGuardFailures(r.entry.guards, args).map((f) => `${formatCompileId(r.entry.compileId)}: ${f}`),
        );
      },
      get callerStack() {
        return callers();
      },
      get elided() {
        return Math.max(0, raw.sites.length - callers().length);
      },
      cacheSize: cache.length,
      produced: new Map(),
    };
    const openedAt = performance.now();
    let traced: ReturnType<typeof trace>;
    try {
      traced = trace(args, ctx);
    } catch (err) {
      // Raised by user code (or a shape error) before any graph of this entry was compiled: the compile
      // failed. Failures inside a graph compile are reported by that compile.
      if (ctx.produced.size === 0 && !failureReported(err)) {
        reportFailedCompile(
          { compileId: entryId, frame: frameInfo ?? fallbackFrame(), openedAt, dynamoConfig },
          err,
        );
      }
      throw err;
    }
    const { segmenter, single, result } = traced;
    const produced = [...ctx.produced].sort(([a], [b]) => a - b).map(([, s]) => s);
    const first = produced.filter((s) => s.compiled.compileId === entryId);
    const breaks = [...segmenter.breaks];
    const direct =
      segmenter.segments.length === 1 && breaks.length === 0 && first.length === 1
        ? directGraph(first[0], segmenter.segments[0].inputs, args)
        : null;
    const entry: CompiledEntry = {
      compileId: entryId,
      guards: first[0]?.guards ?? guardsFor(names, args),
      graphs: produced.map((s) => s.compiled),
      graphBreaks: breaks,
      recompileReasons: failures,
      symbols: [...(direct?.symbolic?.symbols.map((s) => s.name) ?? []), ...(first[0]?.intSymbols ?? [])],
      hits: 0,
    };
    cache = [{ entry, direct, single, first }, ...cache];
    return result;
  }

  function contextFor(args: readonly CompileArg[], r: Runnable): CallContext {
    return {
      args,
      names: options.argNames ?? paramNames(fn, args.length),
      entryId: undefined,
      runnable: r,
      dims: new Map(),
      ints: [],
      failures: [],
      verbose: [],
      callerStack: [],
      elided: 0,
      cacheSize: 0,
      produced: new Map(),
    };
  }

  function directGraph(
    seg: SegmentEntry,
    inputs: readonly TensorValue[],
    args: readonly CompileArg[],
  ): DirectGraph {
    const ints = seg.intPlaceholders ?? new Map<number, number>();
    let k = 0;
    return {
      graph: seg.compiled.graph,
      run: seg.run,
      bindings: seg.compiled.graph.placeholders.map((_, i): Binding => {
        const int = ints.get(i);
        if (int !== undefined) return { int };
        const v = inputs[k++];
        const arg = args.indexOf(v as Tensor);
        return arg >= 0 ? { arg } : { value: v };
      }),
      symbolic: symbolicOf.get(seg),
      compileId: seg.compiled.compileId,
      bySize: new Map(),
    };
  }

  function runDirect(r: Runnable, d: DirectGraph, args: readonly CompileArg[]): ReturnType<F> {
    const inputs = d.bindings.map((b) =>
      'arg' in b
        ? (args[b.arg] as Tensor)
        : 'int' in b
          ? scalarInput(args[b.int] as number)
          : Tensor.wrap(b.value),
    );
    const outputs = withCompileId(d.compileId, () => runnerFor(d, inputs)(inputs));
    return (r.single ? outputs[0] : outputs) as ReturnType<F>;
  }

  /** The runner for these inputs: the compiled one, or (dynamic graph, static backend) one per size. */
  function runnerFor(d: DirectGraph, inputs: readonly Tensor[]): GraphRunner {
    if (d.symbolic === undefined || d.run.dynamicShapes === true) return d.run;
    const placeholders = d.graph.placeholders;
    if (inputs.every((t, i) => sameSizes(t.shape, placeholders[i].meta.shape))) return d.run;
    const key = inputs.map((t) => t.shape.join('x')).join(',');
    let run = d.bySize.get(key);
    if (run !== undefined) {
      d.bySize.delete(key); // most recently used last
      d.bySize.set(key, run);
    } else {
      const metas = inputs.map(
        (t): TensorMeta => ({ shape: t.shape, strides: t.strides, offset: t.offset, dtype: t.dtype }),
      );
      const graph = respecialize(d.graph, metas);
      logSpecialization(inputs.map((t) => t.shape));
      run = backend(graph, inputs, {
        compileId: d.compileId,
        dynamicDims: dynamicDimsOf(d.graph, d.bindings, d.symbolic),
      });
      d.bySize.set(key, run);
      if (d.bySize.size > SPECIALIZED_SIZES) d.bySize.delete(d.bySize.keys().next().value as string);
    }
    return run;
  }

  /** Runs fn under the capture mode; segments are compiled on first sight (or fetched) and executed. */
  function trace(args: readonly CompileArg[], ctx: CallContext) {
    const argNames = new Map<TensorValue, string>();
    for (const [name, t] of Object.entries(options.params ?? {})) argNames.set(t, name);
    args.forEach((a, i) => {
      if (a instanceof Tensor) argNames.set(a, ctx.names[i]);
    });
    const replaying = ctx.runnable !== undefined;
    const segmenter = new Segmenter(
      argNames,
      {
        run: (seg) => runSegment(seg, ctx),
        cached: (seg) => runCachedSegment(seg, ctx),
        compileLater: (seg) => compileSegmentLater(seg, ctx),
        recomputed: (seg, node) => logRecomputed(ctx.produced.get(seg.index)?.compiled.compileId, node.name),
      },
      !replaying,
    );
    const scope = ctx.entryId ?? ctx.runnable!.entry.compileId;
    let returned: Tensor | readonly Tensor[];
    try {
      returned = withCompileId(scope, () =>
        withMode(segmenter, () => {
          const traced = args.map((a) => (typeof a === 'number' ? a : Tensor.wrap(segmenter.bind(a))));
          return (fn as unknown as (...a: CompileArg[]) => Tensor | readonly Tensor[])(...traced);
        }),
      );
    } catch (err) {
      withCompileId(scope, () => segmenter.abandon());
      throw err;
    }
    const single = !Array.isArray(returned);
    const outputs = single ? [returned as Tensor] : [...(returned as readonly Tensor[])];
    if (!outputs.every((o) => o instanceof Tensor)) {
      throw new CompilogError(
        'E_BAD_ARGUMENT',
        'a compiled function must return a Tensor or an array of Tensors',
        'return numbers as 0-d tensors',
      );
    }
    withCompileId(scope, () => segmenter.finish(outputs));
    const result = (single ? outputs[0] : outputs) as ReturnType<F>;
    return { segmenter, single, result };
  }

  /** Finds (or compiles) the graph of the last segment (its outputs set) and runs it. */
  function runSegment(seg: SegmentClose, ctx: CallContext): Tensor[] {
    const inputs = seg.inputs.map((v) => Tensor.wrap(v));
    const key = segmentKey(seg);
    let found: SegmentEntry | undefined;
    if (seg.index === 0 && ctx.entryId !== undefined) {
      found = compileFirstSegment(seg, inputs, key, ctx);
    } else {
      const cacheOf = segmentCache(seg, ctx);
      found = cacheOf.find((s) => s.key === key);
      if (found === undefined) {
        if (limitReached(seg, inputs, cacheOf)) return interpret(seg.graph, inputs);
        found = compileLaterSegment(seg, inputs, key, ctx, cacheOf);
      }
    }
    ctx.produced.set(seg.index, found);
    const entry = found;
    const graphInputs =
      entry.intPlaceholders === undefined ? inputs : intGraphInputs(inputs, entry.intPlaceholders, ctx.args);
    return withCompileId(entry.compiled.compileId, () => entry.run(graphInputs));
  }

  /**
   * A segment that ended at a break: when its frame has a graph of this structure, that graph's outputs
   * become the segment's and it runs. Otherwise undefined: the segmenter interprets the segment and has
   * it compiled when the function returns (compileSegmentLater), once its live values are known.
   */
  function runCachedSegment(seg: SegmentClose, ctx: CallContext): Tensor[] | undefined {
    if (seg.index === 0 && ctx.entryId !== undefined) return undefined; // a new entry compiles its own
    const key = segmentKey(seg);
    const found = segmentCache(seg, ctx).find((s) => s.key === key);
    if (found === undefined) return undefined;
    seg.graph.setOutputs(found.compiled.graph.outputs.map((o) => seg.graph.nodes[o.id]));
    ctx.produced.set(seg.index, found);
    const inputs = seg.inputs.map((v) => Tensor.wrap(v));
    return withCompileId(found.compiled.compileId, () => found.run(inputs));
  }

  /** Compiles a segment that ended at a break (its outputs now set); it already ran, interpreted. */
  function compileSegmentLater(seg: SegmentClose, ctx: CallContext): void {
    const inputs = seg.inputs.map((v) => Tensor.wrap(v));
    const key = segmentKey(seg);
    // Its capture time is the time it was open, not the rest of the function's.
    const later: SegmentClose = { ...seg, openedAt: seg.openedAt + (performance.now() - seg.closedAt) };
    if (seg.index === 0 && ctx.entryId !== undefined) {
      ctx.produced.set(seg.index, compileFirstSegment(later, inputs, key, ctx));
      return;
    }
    const cacheOf = segmentCache(seg, ctx);
    if (limitReached(seg, inputs, cacheOf)) return;
    ctx.produced.set(seg.index, compileLaterSegment(later, inputs, key, ctx, cacheOf));
  }

  /** The cache a segment's graph lives in: the entry's first segments, or its resume frame's. */
  function segmentCache(seg: SegmentClose, ctx: CallContext): SegmentEntry[] {
    return seg.index === 0 ? ctx.runnable!.first : resumeFrameFor(seg).entries;
  }

  /** Whether the segment's frame is full; if so, warns once (the segment then runs eagerly). */
  function limitReached(seg: SegmentClose, inputs: readonly Tensor[], cacheOf: SegmentEntry[]): boolean {
    if (cacheOf.length < limit) return false;
    limitHits++;
    const resume = seg.index === 0 ? undefined : resumeFrameFor(seg);
    const next = {
      frameId: defaultCompileContext.frameId(resume?.token ?? fn),
      frameCompileId: cacheOf.length,
    };
    withCompileId(next, () =>
      warnRecompileLimit(cacheOf, resume?.info ?? frameInfo!, limit, segmentFailure(cacheOf[0], inputs)),
    );
    return true;
  }

  /** The first segment of a new entry: compiled under the entry's compile id, dynamic when allowed. */
  function compileFirstSegment(
    seg: SegmentClose,
    inputs: readonly Tensor[],
    key: string,
    ctx: CallContext,
  ): SegmentEntry {
    const compileId = ctx.entryId!;
    frameInfo ??= functionFrame(seg);
    const { graph, graphInputs, intPlaceholders } = withCompileId(compileId, () =>
      dynamicInts(seg, inputs, ctx),
    );
    const placeholderArg = graphInputs.map((v, i) => (intPlaceholders.has(i) ? -1 : ctx.args.indexOf(v)));
    let symbolic: SymbolicShapes | undefined;
    if (ctx.dims.size > 0) {
      if (seg.breakAt !== undefined) {
        withCompileId(compileId, () => logStaticFallback('the function has graph breaks'));
      } else {
        const out = symbolize(graph, ctx.args, ctx.names, ctx.dims, placeholderArg);
        if ('shapes' in out) symbolic = out.shapes;
        else withCompileId(compileId, () => logStaticFallback(out.reason));
      }
    }
    const dynamicDims = placeholderArg.map((arg) => (arg >= 0 ? (symbolic?.dims.get(arg) ?? []) : []));
    const used = new Set(symbolic?.symbols.map((s) => s.name) ?? []);
    const intSymbols = [...intPlaceholders].map(([p, arg]) => ({
      name: symbolName(`L['${ctx.names[arg]}']`, used),
      value: ctx.args[arg] as number,
      argName: ctx.names[arg],
      placeholder: graph.placeholders[p],
    }));
    const { runner, guards } = reportedCompile(
      {
        compileId,
        frame: frameInfo,
        get callerStack() {
          return ctx.callerStack;
        },
        get elidedFrames() {
          return ctx.elided;
        },
        graph,
        ...(symbolic === undefined ? {} : { symbolic }),
        ...(intSymbols.length === 0 ? {} : { intSymbols }),
        ...(seg.breakAt === undefined ? {} : { breakAt: seg.breakAt }),
        recompileReasons: ctx.failures,
        get verboseReasons() {
          return ctx.verbose;
        },
        cacheSize: ctx.cacheSize,
        openedAt: seg.openedAt,
        backendName,
        dynamoConfig,
      },
      {
        backend: () => backend(graph, graphInputs, { compileId, dynamicDims }),
        guards: () => ({
          ...guardsFor(
            ctx.names,
            ctx.args,
            symbolic?.dims,
            symbolic?.shapeGuards,
            new Set(intPlaceholders.values()),
          ),
          origins: guardOrigins(graph),
        }),
        guardLatencyUs: (g) => latencyUs(g, ctx.args),
      },
    );
    const entry: SegmentEntry = {
      compiled: { compileId, graph },
      key,
      guards,
      run: runner,
      ...(intPlaceholders.size === 0 ? {} : { intPlaceholders, intSymbols: intSymbols.map((s) => s.name) }),
    };
    if (symbolic !== undefined) symbolicOf.set(entry, symbolic);
    graphs.push(entry.compiled);
    return entry;
  }

  /**
   * The first segment's graph with its dynamic int arguments as graph inputs (those the probe allows; the
   * others stay specialised, logged with why), and the inputs to run it with now.
   */
  function dynamicInts(
    seg: SegmentClose,
    inputs: readonly Tensor[],
    ctx: CallContext,
  ): { graph: Graph; graphInputs: readonly Tensor[]; intPlaceholders: ReadonlyMap<number, number> } {
    const none = { graph: seg.graph, graphInputs: inputs, intPlaceholders: new Map<number, number>() };
    if (ctx.ints.length === 0) return none;
    const value = (arg: number) => ctx.args[arg] as number;
    if (seg.breakAt !== undefined) {
      for (const arg of ctx.ints)
        logIntSpecialized(ctx.names[arg], value(arg), 'the function has graph breaks');
      return none;
    }
    const dynamic: { arg: number; name: string; uses: readonly { call: number; operand: number }[] }[] = [];
    for (const a of analyseInts(eager, seg.graph, seg.inputs, ctx.args, ctx.names, ctx.ints)) {
      if ('reason' in a) logIntSpecialized(ctx.names[a.arg], value(a.arg), a.reason);
      else dynamic.push({ arg: a.arg, name: ctx.names[a.arg], uses: a.uses });
    }
    if (dynamic.length === 0) return none;
    const { graph, intPlaceholders } = withIntInputs(seg.graph, dynamic);
    return { graph, graphInputs: intGraphInputs(inputs, intPlaceholders, ctx.args), intPlaceholders };
  }

  /** A segment after a break (or a changed first segment on replay): its frame's next compile id. */
  function compileLaterSegment(
    seg: SegmentClose,
    inputs: readonly Tensor[],
    key: string,
    ctx: CallContext,
    cacheOf: SegmentEntry[],
  ): SegmentEntry {
    const resume = seg.index === 0 ? undefined : resumeFrameFor(seg);
    const compileId = defaultCompileContext.nextCompileId(resume?.token ?? fn);
    const names = seg.graph.placeholders.map((p) => p.argName ?? p.name);
    const failures = cacheOf.map((s) => segmentFailure(s, inputs));
    const earlier = [...cacheOf];
    const { runner, guards } = reportedCompile(
      {
        compileId,
        frame: resume?.info ?? frameInfo!,
        get callerStack() {
          return resume === undefined ? ctx.callerStack : (seg.resumedAfter?.userStack ?? []).slice(1);
        },
        elidedFrames: 0,
        graph: seg.graph,
        ...(seg.breakAt === undefined ? {} : { breakAt: seg.breakAt }),
        recompileReasons: failures,
        get verboseReasons() {
          return earlier.map((s) =>
            allGuardFailures(s.guards, inputs).map((f) => `${formatCompileId(s.compiled.compileId)}: ${f}`),
          );
        },
        cacheSize: cacheOf.length,
        openedAt: seg.openedAt,
        backendName,
        dynamoConfig,
      },
      {
        backend: () => backend(seg.graph, inputs, { compileId, dynamicDims: inputs.map(() => []) }),
        guards: () => ({ ...guardsFor(names, inputs), origins: guardOrigins(seg.graph) }),
        guardLatencyUs: (g) => latencyUs(g, inputs),
      },
    );
    const entry: SegmentEntry = { compiled: { compileId, graph: seg.graph }, key, guards, run: runner };
    cacheOf.unshift(entry);
    graphs.push(entry.compiled);
    return entry;
  }

  /**
   * The resume frame of a segment: one per (break site, first line after it), so the two ways out of
   * `if (x.sum().item() > 0)` are two frames, as PyTorch's two resume functions are.
   */
  function resumeFrameFor(seg: SegmentClose): ResumeFrame {
    const key = `${seg.resumedAfter?.siteKey}|${seg.firstOpKey}`;
    let frame = resumeFrames.get(key);
    if (frame === undefined) {
      const site = seg.resumedAfter?.userStack[0];
      const info: FrameInfo = {
        coName: `torch_dynamo_resume_in_${frameInfo?.coName ?? fnName()}_at_${site?.line ?? 0}`,
        coFilename: site?.file ?? frameInfo?.coFilename ?? '<unknown>',
        coFirstlineno: site?.line ?? 0,
      };
      frame = { token: {}, info, entries: [] };
      resumeFrames.set(key, frame);
    }
    return frame;
  }

  function fnName(): string {
    return fn.name === '' ? '<lambda>' : fn.name;
  }

  /** co_name, co_filename, co_firstlineno of the user's function, from where its first op was recorded. */
  function functionFrame(seg: SegmentClose): FrameInfo {
    const firstCall = seg.graph.nodes.find((n) => n.kind === 'call');
    const where = firstCall?.source ?? seg.firstOpSource() ?? seg.breakAt?.userStack[0];
    if (where === undefined) return fallbackFrame();
    return {
      coName: fnName(),
      coFilename: where.file,
      coFirstlineno: definitionLine(where.file, where.line, fn.name),
    };
  }

  function fallbackFrame(): FrameInfo {
    return { coName: fnName(), coFilename: '<unknown>', coFirstlineno: 0 };
  }
}

/**
 * A segment's structure key. A segment that ended at a break is keyed without its outputs (they are known only
 * once the function returns) but with the node read at the break: on a later call, the same recording up to
 * the same read finds the graph, and takes its outputs.
 */
function segmentKey(seg: SegmentClose): string {
  return seg.readNode === undefined
    ? structureKey(seg.graph)
    : `${structureKey(seg.graph, false)}|read=${seg.readNode.id}`;
}

/** Why a cached segment graph does not fit: its first failing guard, or a different recorded graph. */
function segmentFailure(s: SegmentEntry, inputs: readonly Tensor[]): string {
  const failed = checkGuards(s.guards, inputs);
  return `${formatCompileId(s.compiled.compileId)}: ${failed ?? 'the recorded graph differs (the function took another path)'}`;
}

/** Runners kept per dynamic graph whose backend specialises per concrete size (least recently used out). */
export const SPECIALIZED_SIZES = 16;

/** Symbolic shapes of first-segment entries (kept beside the entry so SegmentEntry stays plain). */
const symbolicOf = new WeakMap<SegmentEntry, SymbolicShapes>();

function dynamicDimsOf(graph: Graph, bindings: readonly Binding[], symbolic: SymbolicShapes): number[][] {
  return graph.placeholders.map((_, i) => {
    const b = bindings[i];
    return b !== undefined && 'arg' in b ? [...(symbolic.dims.get(b.arg) ?? [])] : [];
  });
}

function sameSizes(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/** One evaluation of `guards` on `args`, in microseconds (the "Guard latency" PyTorch reports). */
function latencyUs(guards: GuardSet, args: readonly CompileArg[]): number {
  const t0 = performance.now();
  checkGuards(guards, args);
  return (performance.now() - t0) * 1000;
}
