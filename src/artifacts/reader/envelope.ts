/**
 * Types of what the trace reader hands out: one TraceEnvelope per envelope line of a TORCH_TRACE log
 * (PyTorch's or ours), with its compile id, glog prefix and a byte range for its payload.
 * Field names of the JSON metadata are PyTorch's (snake_case); our own fields are camelCase.
 */

/** tlparse's compile id: each part is null when absent. */
export interface EnvelopeCompileId {
  compiledAutogradId: number | null;
  frameId: number | null;
  frameCompileId: number | null;
  attempt: number | null;
}

/** The glog prefix of an envelope line (`V1126 12:28:44.736000 595 path/to/file.py:123] `). */
export interface GlogPrefix {
  level: string;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** the six digits after the seconds (PyTorch writes microseconds) */
  micros: number;
  thread: number;
  /** as tlparse captures it: with the leading space */
  pathname: string;
  line: number;
}

/** A stack frame as written in the trace; `filename` indexes the `str` table. */
export interface RawFrame {
  filename: number;
  line: number;
  name: string;
  loc?: string | null;
  uninterned_filename?: string | null;
}

/** A frame with its file name looked up in the `str` table (`(unknown)` when the index was never defined). */
export interface ResolvedFrame {
  file: string;
  line: number;
  name: string;
  loc: string | null;
}

export type Encoding = 'string' | 'json';

export interface ArtifactMeta {
  name: string;
  encoding: string;
}
export interface LinkMeta {
  name: string;
  url: string;
}
export interface NamedMeta {
  name: string;
}
export interface GraphDumpMeta {
  name: string;
  type?: string;
  filename?: string;
}
export interface InductorOutputCodeMeta {
  filename?: string | null;
  [key: string]: unknown;
}
export interface DynamoStartMeta {
  stack?: RawFrame[] | null;
}
export interface CompilationMetricsMeta {
  co_name?: string | null;
  co_filename?: string | null;
  co_firstlineno?: number | null;
  cache_size?: number | null;
  accumulated_cache_size?: number | null;
  guard_count?: number | null;
  shape_env_guard_count?: number | null;
  graph_op_count?: number | null;
  graph_node_count?: number | null;
  graph_input_count?: number | null;
  start_time?: number | null;
  entire_frame_compile_time_s?: number | null;
  backend_compile_time_s?: number | null;
  inductor_compile_time_s?: number | null;
  code_gen_time_s?: number | null;
  fail_type?: string | null;
  fail_reason?: string | null;
  fail_user_frame_filename?: string | null;
  fail_user_frame_lineno?: number | null;
  non_compliant_ops?: string[] | null;
  compliant_custom_ops?: string[] | null;
  restart_reasons?: string[] | null;
  dynamo_time_before_restart_s?: number | null;
  [key: string]: unknown;
}
export interface BwdCompilationMetricsMeta {
  inductor_compile_time_s?: number | null;
  code_gen_time_s?: number | null;
  fail_type?: string | null;
  fail_reason?: string | null;
}
export interface AotAutogradBackwardCompilationMetricsMeta {
  start_time?: number | null;
  elapsed_time?: number | null;
  fail_type?: string | null;
  fail_reason?: string | null;
}
export interface SymbolicShapeSpecializationMeta {
  symbol?: string | null;
  sources?: string[] | null;
  value?: string | null;
  reason?: string | null;
  stack?: RawFrame[] | null;
  user_stack?: RawFrame[] | null;
}
export interface GuardAddedFastMeta {
  expr?: string | null;
  stack?: RawFrame[] | null;
  user_stack?: RawFrame[] | null;
}
export interface SymbolicGuardMeta {
  expr?: string | null;
  result?: string | null;
  stack?: RawFrame[] | null;
  user_stack?: RawFrame[] | null;
  expr_node_id?: number | null;
  symbol_to_sources?: Record<string, string> | null;
  frame_locals?: { locals?: Record<string, string | null>; symbols?: Record<string, string | null> } | null;
  prefix?: string | null;
}
export interface FakeKernelMeta {
  op?: string | null;
  reason?: string | null;
}
export interface ExpressionCreatedMeta {
  method?: string | null;
  result?: string | null;
  result_id?: number | null;
  arguments?: string[] | null;
  argument_ids?: number[] | null;
  user_stack?: RawFrame[] | null;
  stack?: RawFrame[] | null;
}
export interface CreateSymbolMeta {
  symbol?: string | null;
  val?: string | null;
  vr?: string | null;
  source?: string | null;
  user_stack?: RawFrame[] | null;
  stack?: RawFrame[] | null;
}
export interface CreateUnbackedSymbolMeta {
  symbol?: string | null;
  node_id?: number | null;
  vr?: string | null;
  user_stack?: RawFrame[] | null;
  stack?: RawFrame[] | null;
}
export interface DescribeStorageMeta {
  id: number;
  describer_id: number;
  size: number;
}
export interface DescribeTensorMeta {
  id: number;
  describer_id: number;
  ndim: number;
  dtype: string;
  device: string;
  size: Array<number | string>;
  stride?: Array<number | string> | null;
  storage?: number | null;
  [key: string]: unknown;
}
export interface DescribeSourceMeta {
  describer_id: number;
  id: number;
  source: string;
}
export type EmptyMeta = Record<string, unknown>;

/** The envelope JSON: one optional field per kind tlparse knows, plus the common keys. */
export interface EnvelopeJson {
  rank?: number | null;
  compiled_autograd_id?: number | null;
  frame_id?: number | null;
  frame_compile_id?: number | null;
  attempt?: number | null;
  has_payload?: string | null;
  stack?: RawFrame[] | null;
  str?: [string, number];
  dynamo_start?: DynamoStartMeta;
  dynamo_output_graph?: { sizes?: Record<string, Array<number | string>> };
  optimize_ddp_split_graph?: EmptyMeta;
  optimize_ddp_split_child?: NamedMeta;
  compiled_autograd_graph?: EmptyMeta;
  dynamo_guards?: EmptyMeta;
  aot_forward_graph?: EmptyMeta;
  aot_backward_graph?: EmptyMeta;
  aot_inference_graph?: EmptyMeta;
  aot_joint_graph?: EmptyMeta;
  inductor_pre_grad_graph?: EmptyMeta;
  inductor_post_grad_graph?: EmptyMeta;
  dynamo_cpp_guards_str?: EmptyMeta;
  inductor_output_code?: InductorOutputCodeMeta;
  compilation_metrics?: CompilationMetricsMeta;
  bwd_compilation_metrics?: BwdCompilationMetricsMeta;
  aot_autograd_backward_compilation_metrics?: AotAutogradBackwardCompilationMetricsMeta;
  graph_dump?: GraphDumpMeta;
  link?: LinkMeta;
  symbolic_shape_specialization?: SymbolicShapeSpecializationMeta;
  propagate_real_tensors_provenance?: SymbolicGuardMeta;
  guard_added?: SymbolicGuardMeta;
  create_unbacked_symbol?: CreateUnbackedSymbolMeta;
  create_symbol?: CreateSymbolMeta;
  expression_created?: ExpressionCreatedMeta;
  missing_fake_kernel?: FakeKernelMeta;
  mismatched_fake_kernel?: FakeKernelMeta;
  artifact?: ArtifactMeta;
  describe_storage?: DescribeStorageMeta;
  describe_tensor?: DescribeTensorMeta;
  describe_source?: DescribeSourceMeta;
  dump_file?: NamedMeta;
  chromium_event?: EmptyMeta;
  guard_added_fast?: GuardAddedFastMeta;
  exported_program?: EmptyMeta;
  [unknownKey: string]: unknown;
}

/** Every envelope kind tlparse 0.4.3 knows (plus `create_symbol`, which PyTorch 2.11 writes), in its field order. */
export const KNOWN_KINDS = [
  'dynamo_start',
  'str',
  'dynamo_output_graph',
  'optimize_ddp_split_graph',
  'optimize_ddp_split_child',
  'compiled_autograd_graph',
  'dynamo_guards',
  'aot_forward_graph',
  'aot_backward_graph',
  'aot_inference_graph',
  'aot_joint_graph',
  'inductor_pre_grad_graph',
  'inductor_post_grad_graph',
  'dynamo_cpp_guards_str',
  'inductor_output_code',
  'compilation_metrics',
  'bwd_compilation_metrics',
  'aot_autograd_backward_compilation_metrics',
  'graph_dump',
  'link',
  'symbolic_shape_specialization',
  'propagate_real_tensors_provenance',
  'guard_added',
  'create_unbacked_symbol',
  'create_symbol',
  'expression_created',
  'missing_fake_kernel',
  'mismatched_fake_kernel',
  'artifact',
  'describe_storage',
  'describe_tensor',
  'describe_source',
  'dump_file',
  'chromium_event',
  'guard_added_fast',
  'exported_program',
] as const;
export type KnownKind = (typeof KNOWN_KINDS)[number];

/** Keys every envelope may carry besides its kind. */
export const COMMON_KEYS = [
  'rank',
  'compiled_autograd_id',
  'frame_id',
  'frame_compile_id',
  'attempt',
  'has_payload',
  'stack',
] as const;

/** Where an envelope's payload lives: a byte range of the (decompressed) trace stream. */
export interface PayloadRef {
  /** offset of the first payload line (its leading TAB) in the stream */
  offset: number;
  /** bytes from `offset` to the end of the last payload line, its newline included */
  length: number;
  /** payload lines consumed (blank lines in between are skipped, as tlparse does) */
  lines: number;
  /** size in bytes of the payload itself (tabs removed, lines joined with \n) */
  size: number;
  /** the md5 the envelope declared in `has_payload` */
  declaredMd5: string;
  /** whether the payload's md5 equals the declared one (always true when verification is off) */
  md5Ok: boolean;
}

/** One envelope of a trace, as the reader hands it out. */
export interface TraceEnvelope {
  /** trace file it came from */
  file: string;
  /** rank from the file name (`..._rank_3_...`), or null */
  fileRank: number | null;
  /** 1-based physical line number of the envelope line */
  lineno: number;
  /** byte offset of the envelope line in the (decompressed) stream */
  offset: number;
  glog: GlogPrefix;
  /** the parsed JSON after the glog prefix */
  data: EnvelopeJson;
  /** known kinds present (normally exactly one), in tlparse's order */
  kinds: KnownKind[];
  /** top-level keys that are neither common keys nor known kinds (e.g. `compilation_metrics_runtime`) */
  unknownKeys: string[];
  /** the first known kind, else the first unknown key, else null */
  kind: string | null;
  /** compile id as tlparse reads it; null when a compile-id field had the wrong type (tlparse's "unknown") */
  compileId: EnvelopeCompileId | null;
  rank: number | null;
  /** true when a rank was fixed earlier in this file and this envelope's rank differs (tlparse's other_rank) */
  otherRank: boolean;
  payload: PayloadRef | null;
  /** top-level `stack` (context-free envelopes), resolved against the `str` table */
  stack: ResolvedFrame[] | null;
}

/** Counters of what went wrong while reading; nothing here ever throws. */
export interface BadLineCounts {
  /** lines without a glog prefix (tlparse's fail_glog) */
  glog: number;
  /** envelope text that is not JSON, or JSON that does not fit the envelope schema (tlparse's fail_json) */
  json: number;
  /** payloads whose md5 differs from `has_payload` (tlparse's fail_payload_md5) */
  md5: number;
  /** the stream ended in the middle of a line */
  truncated: number;
  /** envelope lines that are not valid UTF-8 (tlparse drops them silently) */
  invalidUtf8: number;
}

export interface TraceStats {
  files: number;
  bytes: number;
  lines: number;
  blankLines: number;
  payloadLines: number;
  /** envelopes handed out (everything parsed except `str`) */
  envelopes: number;
  /** `str` entries */
  strings: number;
  /** tlparse's ok: envelopes handed out that were not other_rank */
  ok: number;
  otherRank: number;
  /** number of unknown top-level keys seen (tlparse's unknown) */
  unknown: number;
  unknownKeys: Record<string, number>;
  badLines: BadLineCounts;
  /** ranks seen in envelopes */
  ranks: number[];
}

export interface TraceProblem {
  kind: keyof BadLineCounts;
  file: string;
  lineno: number;
  offset: number;
  message: string;
}

export function emptyStats(): TraceStats {
  return {
    files: 0,
    bytes: 0,
    lines: 0,
    blankLines: 0,
    payloadLines: 0,
    envelopes: 0,
    strings: 0,
    ok: 0,
    otherRank: 0,
    unknown: 0,
    unknownKeys: {},
    badLines: { glog: 0, json: 0, md5: 0, truncated: 0, invalidUtf8: 0 },
    ranks: [],
  };
}

/** Adds `b` into `a` (for totals over several files). */
export function addStats(a: TraceStats, b: TraceStats): void {
  a.files += b.files;
  a.bytes += b.bytes;
  a.lines += b.lines;
  a.blankLines += b.blankLines;
  a.payloadLines += b.payloadLines;
  a.envelopes += b.envelopes;
  a.strings += b.strings;
  a.ok += b.ok;
  a.otherRank += b.otherRank;
  a.unknown += b.unknown;
  for (const [k, v] of Object.entries(b.unknownKeys)) a.unknownKeys[k] = (a.unknownKeys[k] ?? 0) + v;
  for (const k of Object.keys(a.badLines) as Array<keyof BadLineCounts>) a.badLines[k] += b.badLines[k];
  for (const r of b.ranks) if (!a.ranks.includes(r)) a.ranks.push(r);
  a.ranks.sort((x, y) => x - y);
}
