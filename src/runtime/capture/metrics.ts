/** The `compilation_metrics` record of a graph compile, with PyTorch's key names for what compilog computes. */
import type { GraphCompileRequest } from './compile-request.js';
import { type GuardSet, guardCount } from './guards.js';
import { dynamoStartStack } from './messages.js';

/** The sizes of a compile's graph, computed once for its two records (dynamo_output_graph, compilation_metrics). */
const sizesByRequest = new WeakMap<GraphCompileRequest, Record<string, (number | string)[]>>();

/** `{"l_x_": [8, 16], "softmax": [8, "s27"]}`: every value's size, symbolic where dynamic. */
export function sizesOf(req: GraphCompileRequest): Record<string, (number | string)[]> {
  let sizes = sizesByRequest.get(req);
  if (sizes === undefined) {
    sizes = computeSizes(req);
    sizesByRequest.set(req, sizes);
  }
  return sizes;
}

function computeSizes(req: GraphCompileRequest): Record<string, (number | string)[]> {
  const sizes: Record<string, (number | string)[]> = {};
  // A dynamic int input is a SymInt, not a tensor: PyTorch lists no sizes for it.
  const ints = new Set((req.intSymbols ?? []).map((s) => s.placeholder));
  for (const node of req.graph.nodes) {
    if (ints.has(node)) continue;
    if (req.symbolic === undefined) {
      sizes[node.name] = [...node.meta.shape];
    } else {
      sizes[node.name] = req.symbolic.metaText(node).shape.map((t) => (/^\d+$/.test(t) ? Number(t) : t));
    }
  }
  return sizes;
}

export function pyDict(sizes: Record<string, (number | string)[]>): string {
  // One pass of plain concatenation: this text is built once per compile, mostly by unoptimised code.
  let out = '';
  for (const key of Object.keys(sizes)) {
    if (out !== '') out += ', ';
    out += `'${key}': [${sizes[key].join(', ')}]`;
  }
  return `{${out}}`;
}

export function metrics(
  req: GraphCompileRequest,
  guards: GuardSet,
  startTime: number,
  backendSeconds: number,
  beforeRestart: number,
  frameKey: string,
  cid: string,
  graphBreaks: number,
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
    num_graph_breaks: graphBreaks,
  };
}
