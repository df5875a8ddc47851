/**
 * What the `dynamo` stage tells the user, in PyTorch's words and at PyTorch's levels, for one graph compile:
 * log lines ("torchdynamo start compiling", "Step 1: torchdynamo start tracing", "Restarting analysis due
 * to ...", "Step 2: calling compiler function ..."), the artifacts `graph`, `graph_code`, `graph_breaks`,
 * `guards`, `recompiles` / `recompiles_verbose`, and the trace records tlparse reads (`dynamo_start`,
 * `dynamo_output_graph`, `dynamo_cpp_guards_str`, `artifact`s, `compilation_metrics`, chromium events).
 *
 * A segment that ended in a graph break is reported as PyTorch reports it: attempt 0 traces and finds the
 * break, attempt 1 ("restart") compiles the graph up to it, so compile ids read `0/0` then `0/0_1`.
 */
import {
  compilationMetrics,
  internStack,
  timed,
  traceArtifact,
  traceStructured,
} from '../../artifacts/index.js';
import {
  type CompileId,
  formatCompileId,
  getArtifactLogger,
  getLogger,
  withCompileId,
} from '../../logging/index.js';
import { printGraph } from '../ir/printer.js';
import { userFrames } from '../ir/source.js';
import { QNAMES } from '../registrations.js';
import type { FailedCompile, FrameInfo, GraphCompileRequest, GraphCompileSteps } from './compile-request.js';
import { backendMetricsFor } from './defaults.js';
import type { SymbolicShapes } from './dynamic.js';
import { formatGraphTable } from './graph-table.js';
import { formatGuards, type GuardSet } from './guards.js';
import {
  dynamoStartStack,
  graphBreakText,
  indent,
  once,
  startCompilingMessage,
  userStackText,
} from './messages.js';
import { metrics, sizesOf } from './metrics.js';

const convertFrame = getLogger(`${QNAMES.dynamo}.convert_frame`);
const symbolicConvert = getLogger(`${QNAMES.dynamo}.symbolic_convert`);
const outputGraph = getLogger(`${QNAMES.dynamo}.output_graph`);
const pgo = getLogger(`${QNAMES.dynamo}.pgo`);
const symbolicShapes = getLogger(`${QNAMES.dynamo}.symbolic_shapes`);
const graphLog = getArtifactLogger(`${QNAMES.dynamo}.output_graph`, 'graph');
const graphCodeLog = getArtifactLogger(`${QNAMES.dynamo}.output_graph`, 'graph_code');
const graphBreaksLog = getArtifactLogger(`${QNAMES.dynamo}.symbolic_convert`, 'graph_breaks');
const guardsLog = getArtifactLogger(`${QNAMES.dynamo}.guards`, 'guards');
const recompilesLog = getArtifactLogger(`${QNAMES.dynamo}.guards`, 'recompiles');
const recompilesVerboseLog = getArtifactLogger(`${QNAMES.dynamo}.guards`, 'recompiles_verbose');

let compiledFnCounter = 0;
let compileCounter = 0;
let graphBreakCounter = 0;

/** Runs one graph compile through `steps`, reporting it as dynamo does. */
export function reportedCompile<R>(
  req: GraphCompileRequest,
  steps: GraphCompileSteps<R>,
): { runner: R; guards: GuardSet } {
  // Capture of this graph began at openedAt; the compile's start time is that moment.
  const started = Date.now() / 1000 - (performance.now() - req.openedAt) / 1000;
  const id = req.compileId;
  const cid = formatCompileId(id);
  const where = `${req.frame.coFilename}:${req.frame.coFirstlineno}`;
  const intSymbolOf = new Map((req.intSymbols ?? []).map((s) => [s.placeholder, s.name]));
  const printed = once(() =>
    printGraph(
      req.graph,
      req.symbolic === undefined && intSymbolOf.size === 0
        ? {}
        : {
            symbols: req.symbolic?.symbols.map((s) => s.name) ?? [],
            formatMeta: (n) => {
              // A dynamic int input prints as PyTorch's SymInt placeholder (`L_n_: "Sym(s86)"`).
              const sym = intSymbolOf.get(n);
              if (sym !== undefined) return `Sym(${sym})`;
              const t = req.symbolic?.metaText(n) ?? {
                shape: n.meta.shape.map(String),
                strides: n.meta.strides.map(String),
              };
              return `f32[${t.shape.join(', ')}][${t.strides.join(', ')}]cpu`;
            },
          },
    ),
  );
  const fnName = `__compiled_fn_${++compiledFnCounter}`;
  const frameKey = String(++compileCounter);
  if (req.breakAt !== undefined) graphBreakCounter++;
  let backendSeconds = 0;
  let beforeRestart = 0;
  let result: { runner: R; guards: GuardSet } | undefined;

  const attempt = (n: number, body: () => void): void =>
    withCompileId({ compileId: id, attempt: n }, () => timed(`compile_attempt_${n}`, body));

  try {
    timed(
      'dynamo',
      () => {
        withCompileId({ compileId: id, attempt: 0 }, () => {
          if (req.recompileReasons.length > 0) logRecompile(req, where);
          traceStructured('dynamo_start', () => ({ stack: internStack(dynamoStartStack(req)) }));
          convertFrame.debug(() => startCompilingMessage(req, where));
        });
        withCompileId({ compileId: id, attempt: 0 }, () =>
          timed(
            'entire_frame_compile',
            () => {
              attempt(0, () => {
                symbolicConvert.info(() => `Step 1: torchdynamo start tracing ${req.frame.coName} ${where}`);
                timed('bytecode_tracing', () => undefined);
                if (req.breakAt !== undefined) {
                  const breakAt = req.breakAt;
                  const text = once(() => graphBreakText(breakAt));
                  graphBreaksLog(text);
                  traceArtifact('dynamo_graph_break_reason', 'string', () => `${text()}\n`);
                  convertFrame.info(() => `Restarting analysis due to graph break: ${req.breakAt!.text}`);
                  beforeRestart = (performance.now() - req.openedAt) / 1000;
                } else {
                  result = compileSteps();
                }
              });
              if (req.breakAt !== undefined) {
                attempt(1, () => {
                  symbolicConvert.info(
                    () => `Step 1: torchdynamo start tracing ${req.frame.coName} ${where}`,
                  );
                  timed('bytecode_tracing', () => undefined);
                  result = compileSteps();
                });
              }
            },
            { args: { fn_name: '_compile.compile_inner' } },
          ),
        );
      },
      { compileId: id },
    );
  } catch (err) {
    reportFailedCompile(req, err, started, frameKey);
    throw err;
  }

  const finalAttempt = req.breakAt === undefined ? 0 : 1;
  withCompileId({ compileId: id, attempt: finalAttempt }, () =>
    compilationMetrics(() => ({
      ...metrics(
        req,
        result!.guards,
        started,
        backendSeconds,
        beforeRestart,
        frameKey,
        cid,
        graphBreakCounter,
      ),
      ...backendMetricsFor(cid),
    })),
  );
  return result!;

  function compileSteps(): { runner: R; guards: GuardSet } {
    const reason =
      req.breakAt === undefined ? 'return_value' : `graph break: ${req.breakAt.text.replace(/'/g, '"')}`;
    symbolicConvert.info(
      () =>
        `Step 1: torchdynamo done tracing ${req.frame.coName} (${req.breakAt === undefined ? 'RETURN_VALUE' : 'graph break'})`,
    );
    outputGraph.debug(
      () =>
        `COMPILING GRAPH due to GraphCompileReason(reason='${reason}', user_stack=[${userStackText(req)}], graph_break=${req.breakAt === undefined ? 'False' : 'True'})`,
    );
    if (req.symbolic !== undefined) reportSymbols(req, req.symbolic);
    reportIntSymbols(req);
    traceStructured('dynamo_output_graph', () => ({ sizes: sizesOf(req) }), printed);
    graphLog(() => `TRACED GRAPH\n ===== ${fnName} =====\n ${formatGraphTable(req.graph)}\n`);
    graphCodeLog(() => `TRACED GRAPH\n ===== ${fnName} =====\n ${printed()}\n`);
    outputGraph.info(() => `Step 2: calling compiler function ${req.backendName}`);
    const t0 = performance.now();
    const runner = timed('backend_compile', steps.backend, {
      args: { fn_name: 'OutputGraph.call_user_compiler' },
    });
    backendSeconds = (performance.now() - t0) / 1000;
    outputGraph.info(() => `Step 2: done compiler function ${req.backendName}`);
    const guards = steps.guards();
    const tree = once(() => formatGuards(guards));
    guardsLog('GUARDS:');
    guardsLog(() => `\n${tree()}\n`);
    traceStructured(
      'dynamo_cpp_guards_str',
      {},
      () => `\n${tree()}\n\nGuard latency = ${steps.guardLatencyUs(guards).toFixed(2)} us`,
    );
    return { runner, guards };
  }
}

const reported = new WeakSet<object>();

/** Whether `err` was already reported as a failed compile (so an outer handler does not report it twice). */
export function failureReported(err: unknown): boolean {
  return typeof err === 'object' && err !== null && reported.has(err);
}

/**
 * A `compilation_metrics` record with PyTorch's failure fields (`fail_type`, `fail_reason`, the user frame),
 * so the report shows the compile in red. The error itself still reaches the caller.
 */
export function reportFailedCompile(
  req: FailedCompile,
  err: unknown,
  started = Date.now() / 1000 - (performance.now() - req.openedAt) / 1000,
  frameKey = String(++compileCounter),
): void {
  const error = err instanceof Error ? err : new Error(String(err));
  reported.add(error);
  const where = userFrames(error.stack)[0];
  withCompileId(req.compileId, () =>
    compilationMetrics(() => ({
      compile_id: formatCompileId(req.compileId),
      frame_key: frameKey,
      co_name: req.frame.coName,
      co_filename: req.frame.coFilename,
      co_firstlineno: req.frame.coFirstlineno,
      start_time: started,
      entire_frame_compile_time_s: (performance.now() - req.openedAt) / 1000,
      fail_type: (error as { code?: unknown }).code ?? error.name,
      fail_reason: error.message,
      fail_user_frame_filename: where?.file ?? null,
      fail_user_frame_lineno: where?.line ?? null,
      has_guarded_code: false,
      dynamo_config: JSON.stringify(req.dynamoConfig),
      log_format_version: 3,
      is_runtime: false,
    })),
  );
}

/**
 * Each size symbol of a dynamic graph, as PyTorch's shape environment announces it: an INFO line
 * (`create_symbol s27 = 32 for L['x'].size()[1] [2, int_oo]`) and a `create_symbol` trace record with the
 * user line where the size is first used and the user's call stack.
 */
function reportSymbols(req: GraphCompileRequest, shapes: SymbolicShapes): void {
  for (const sym of shapes.symbols) {
    const ref = sym.refs[0];
    const source = `L['${ref.name}'].size()[${ref.dim}]`;
    const placeholder = req.graph.placeholders.find((p) => p.argName === ref.name);
    const use = req.graph.nodes.find(
      (n) => n.kind === 'call' && placeholder !== undefined && n.inputs.includes(placeholder),
    );
    const at = use?.source;
    symbolicShapes.info(
      () =>
        `create_symbol ${sym.name} = ${sym.value} for ${source} [2, int_oo]${at === undefined ? '' : ` ${at.code ?? ''}  # ${at.file}:${at.line} in ${at.fn}`}`,
    );
    traceStructured('create_symbol', () => ({
      symbol: sym.name,
      val: String(sym.value),
      vr: '[2, int_oo]',
      source,
      user_stack: internStack(
        at === undefined ? [] : [{ filename: at.file, line: at.line, name: at.fn, loc: at.code ?? null }],
      ),
      stack: internStack(dynamoStartStack(req).slice(0, -1)),
    }));
  }
}

/**
 * Each dynamic int argument, as PyTorch announces its SymInt: `create_symbol s86 = 3 for L['n']
 * [-int_oo, int_oo]` (INFO) and a `create_symbol` trace record.
 */
function reportIntSymbols(req: GraphCompileRequest): void {
  for (const sym of req.intSymbols ?? []) {
    const source = `L['${sym.argName}']`;
    const use = req.graph.nodes.find((n) => n.kind === 'call' && n.inputs.includes(sym.placeholder));
    const at = use?.source;
    symbolicShapes.info(
      () =>
        `create_symbol ${sym.name} = ${sym.value} for ${source} [-int_oo, int_oo]${at === undefined ? '' : ` ${at.code ?? ''}  # ${at.file}:${at.line} in ${at.fn}`}`,
    );
    traceStructured('create_symbol', () => ({
      symbol: sym.name,
      val: String(sym.value),
      vr: '[-int_oo, int_oo]',
      source,
      user_stack: internStack(
        at === undefined ? [] : [{ filename: at.file, line: at.line, name: at.fn, loc: at.code ?? null }],
      ),
      stack: internStack(dynamoStartStack(req).slice(0, -1)),
    }));
  }
}

/** Logs why an int argument that was to be dynamic stays specialised (its value is guarded, EQUALS_MATCH). */
export function logIntSpecialized(name: string, value: number, reason: string): void {
  pgo.debug(() => `automatic dynamic int L['${name}']: specialising to ${value} (${reason})`);
}

/** Logs PyTorch's pgo line when a dim turns dynamic ("automatic dynamic size L['x'] size(1) 32 != 16"). */
export function logAutomaticDynamic(messages: readonly string[]): void {
  for (const m of messages) pgo.debug(m);
}

/** Logs that a dynamic graph is handed to the backend again for sizes it has not run at (no new compile id). */
export function logSpecialization(shapes: readonly (readonly number[])[]): void {
  outputGraph.debug(
    () =>
      `dynamic graph: backend specialised for input sizes ${shapes.map((s) => `[${s.join(', ')}]`).join(', ')}`,
  );
}

/**
 * Logs that a value of a graph that ended at a graph break was recomputed eagerly: this call read it after the
 * break, but it was not live (not an output) when that graph was compiled (the function took another path).
 */
export function logRecomputed(compileId: CompileId | undefined, nodeName: string): void {
  outputGraph.debug(
    () =>
      `recomputing '${nodeName}'${compileId === undefined ? '' : ` of graph ${formatCompileId(compileId)}`} eagerly: it is read after the graph break, but it was not live when that graph was compiled`,
  );
}

/** Logs why a graph could not be generalised over dynamic sizes (it is compiled static instead). */
export function logStaticFallback(reason: string): void {
  pgo.debug(() => `dynamic shapes: compiling static shapes instead (${reason})`);
}

const limitWarned = new WeakSet<object>();

/** The warning PyTorch prints once per function when its recompile limit is hit; calls then run eagerly. */
export function warnRecompileLimit(key: object, frame: FrameInfo, limit: number, lastReason: string): void {
  if (limitWarned.has(key)) return;
  limitWarned.add(key);
  convertFrame.warning(
    () =>
      `compile() hit recompileLimit (${limit})\n` +
      `   function: '${frame.coName}' (${frame.coFilename}:${frame.coFirstlineno})\n` +
      `   last reason: ${lastReason}\n` +
      'To log all recompilation reasons, use TORCH_LOGS="recompiles".\n' +
      'To allow more recompiles, pass compile(fn, { recompileLimit: N }); to make sizes dynamic, compile(fn, { dynamic: true }).',
  );
}

function logRecompile(req: GraphCompileRequest, where: string): void {
  const head = `Recompiling function ${req.frame.coName} in ${where}`;
  if (recompilesVerboseLog.isEnabledFor('DEBUG')) {
    const body = req.verboseReasons
      .map((fails, i) => `guard ${i} failures:\n${fails.map((f) => `- ${f}`).join('\n')}`)
      .join('\n');
    recompilesVerboseLog(() => `${head}\n${indent(`triggered by the following guard failure(s):\n${body}`)}`);
  } else {
    recompilesLog(
      () =>
        `${head}\n${indent(`triggered by the following guard failure(s):\n${req.recompileReasons.map((r) => `- ${r}`).join('\n')}`)}`,
    );
  }
  const reasons = req.recompileReasons;
  traceArtifact('recompile_reasons', 'json', () => (reasons.length === 1 ? reasons[0] : [...reasons]));
}

export type { FailedCompile, FrameInfo, GraphCompileRequest, GraphCompileSteps } from './compile-request.js';
