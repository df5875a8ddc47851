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
  type UserFrame,
} from '../../artifacts/index.js';
import {
  type CompileId,
  formatCompileId,
  getArtifactLogger,
  getLogger,
  withCompileId,
} from '../../logging/index.js';
import type { Graph, SourceLocation } from '../ir/graph.js';
import { printGraph } from '../ir/printer.js';
import { userFrames } from '../ir/source.js';
import { QNAMES } from '../registrations.js';
import { backendMetricsFor } from './defaults.js';
import type { SymbolicShapes } from './dynamic.js';
import { formatGraphTable } from './graph-table.js';
import { formatGuards, type GuardSet, guardCount } from './guards.js';
import type { GraphBreak } from './segmenter.js';

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
  const printed = once(() =>
    printGraph(
      req.graph,
      req.symbolic === undefined
        ? {}
        : {
            symbols: req.symbolic.symbols.map((s) => s.name),
            formatMeta: (n) => {
              const t = req.symbolic!.metaText(n);
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
      ...metrics(req, result!.guards, started, backendSeconds, beforeRestart, frameKey, cid),
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

/** The compile that failed (user code raised while it was captured, or the backend refused the graph). */
export interface FailedCompile {
  readonly compileId: CompileId;
  readonly frame: FrameInfo;
  readonly openedAt: number;
  readonly dynamoConfig: Readonly<Record<string, unknown>>;
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

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

function graphBreakText(b: GraphBreak): string {
  const site = b.userStack[0];
  const traceback = [...b.userStack]
    .reverse()
    .map(
      (f) => `  File "${f.file}", line ${f.line}, in ${f.fn}${f.code === undefined ? '' : `\n    ${f.code}`}`,
    )
    .join('\n');
  return [
    `Graph break in user code at ${site === undefined ? '<unknown>' : `${site.file}:${site.line}`}`,
    `Graph Break Reason: Data-dependent read: ${b.reason}() needs the value of '${b.nodeName}'`,
    '  Explanation: compile() records tensor operations without running them; reading a value on the host ' +
      `(${b.reason}()) needs the graph recorded so far to run first, so the graph ends here.`,
    '  Hint: Keep the value as a tensor (for example where() instead of an if on item()), ' +
      'or move the read out of the compiled function.',
    '',
    'User code traceback:',
    traceback,
  ].join('\n');
}

function startCompilingMessage(req: GraphCompileRequest, where: string): string {
  const frames = [...req.callerStack]
    .reverse()
    .map((f) => `  File "${f.file}", line ${f.line}, in ${f.fn}\n    ${f.code ?? ''}\n`)
    .join('');
  return `torchdynamo start compiling ${req.frame.coName} ${where}, stack (elided ${req.elidedFrames} frames):\n${frames}`;
}

/** The user's stack for `dynamo_start`: the callers (with their source lines), then the compiled code itself. */
function dynamoStartStack(req: GraphCompileRequest): UserFrame[] {
  const callers = [...req.callerStack]
    .reverse()
    .map((f): UserFrame => ({ filename: f.file, line: f.line, name: f.fn, loc: f.code ?? null }));
  return [
    ...callers,
    { filename: req.frame.coFilename, line: req.frame.coFirstlineno, name: req.frame.coName },
  ];
}

function userStackText(req: GraphCompileRequest): string {
  const site = req.breakAt?.userStack[0] ?? req.graph.outputs.at(-1)?.source;
  return site === undefined ? '' : `<FrameSummary file ${site.file}, line ${site.line} in ${site.fn}>`;
}

/** `{"l_x_": [8, 16], "softmax": [8, "s27"]}`: every value's size, symbolic where dynamic. */
function sizesOf(req: GraphCompileRequest): Record<string, (number | string)[]> {
  const sizes: Record<string, (number | string)[]> = {};
  for (const node of req.graph.nodes) {
    if (req.symbolic === undefined) {
      sizes[node.name] = [...node.meta.shape];
    } else {
      sizes[node.name] = req.symbolic.metaText(node).shape.map((t) => (/^\d+$/.test(t) ? Number(t) : t));
    }
  }
  return sizes;
}

function pyDict(sizes: Record<string, (number | string)[]>): string {
  const items = Object.entries(sizes).map(
    ([k, v]) => `'${k}': [${v.map((x) => (typeof x === 'number' ? String(x) : x)).join(', ')}]`,
  );
  return `{${items.join(', ')}}`;
}

function metrics(
  req: GraphCompileRequest,
  guards: GuardSet,
  startTime: number,
  backendSeconds: number,
  beforeRestart: number,
  frameKey: string,
  cid: string,
): Record<string, unknown> {
  const graph = req.graph;
  const ops = graph.nodes.filter((n) => n.kind === 'call').length;
  const inputs = graph.placeholders.length + (req.symbolic?.symbols.length ?? 0);
  const entire = (performance.now() - req.openedAt) / 1000;
  const startUs = Math.round(startTime * 1e6);
  const durationUs = Math.round(entire * 1e6);
  return {
    compile_id: cid,
    frame_key: frameKey,
    co_name: req.frame.coName,
    co_filename: req.frame.coFilename,
    co_firstlineno: req.frame.coFirstlineno,
    cache_size: req.cacheSize,
    accumulated_cache_size: req.cacheSize,
    guard_count: guardCount(guards),
    shape_env_guard_count: guards.shapeGuards.length,
    graph_op_count: ops,
    graph_node_count: graph.nodes.length + (req.symbolic?.symbols.length ?? 0) + 1,
    graph_input_count: inputs,
    start_time: startTime,
    entire_frame_compile_time_s: entire,
    backend_compile_time_s: backendSeconds,
    fail_type: null,
    fail_reason: null,
    fail_user_frame_filename: null,
    fail_user_frame_lineno: null,
    non_compliant_ops: [],
    compliant_custom_ops: [],
    restart_reasons: req.breakAt === undefined ? [] : [`Data-dependent read: ${req.breakAt.text}`],
    dynamo_time_before_restart_s: beforeRestart,
    stack_trace: dynamoStartStack(req).map(
      (f) => `Line: ${f.line}, Name: ${f.name}, Filename: ${f.filename}`,
    ),
    exception_stack_trace: null,
    graph_node_shapes: pyDict(sizesOf(req)),
    has_guarded_code: true,
    config_suppress_errors: false,
    specialize_float: false,
    dynamo_config: JSON.stringify(req.dynamoConfig),
    is_forward: true,
    start_time_us: startUs,
    duration_us: durationUs,
    dynamo_cumulative_compile_time_us: durationUs,
    end_time_us: startUs + durationUs,
    log_format_version: 3,
    is_runtime: false,
    recompile_reason: req.recompileReasons[0] ?? null,
    num_graph_breaks: graphBreakCounter,
  };
}

function once<T>(fn: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = fn();
      done = true;
    }
    return value;
  };
}
