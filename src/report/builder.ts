/**
 * The tlparse-compatible report of ONE trace file, built while the trace streams by: every envelope runs
 * through tlparse's parsers in tlparse's order, so file names, the global `_N` counter and
 * compile_directory.json come out the same. Each output file is written as soon as it exists.
 */

import {
  type CompilationMetricsMeta,
  collapsedCompileId,
  compileIdDirName,
  type EnvelopeCompileId,
  type ExpressionCreatedMeta,
  formatCompileIdKey,
  groupingCompileId,
  type PayloadView,
  type ResolvedFrame,
  removeConvertFrameSuffixes,
  resolveStack,
  type StringTable,
  sameCompileId,
  type TraceEnvelope,
} from '../artifacts/index.js';
import type { CodeLocation } from './code-location.js';
import { countCollectiveCalls } from './collectives.js';
import { type CompareLink, CompileComparer } from './compare.js';
import { GraphBreakNotes } from './graph-break-notes.js';
import { countGraphNodes, isGraphPayload } from './graph-size.js';
import { compactSorted, prettyJsonPayload, prettySorted } from './json-format.js';
import type {
  CompileEntry,
  ExportIssue,
  FailureRow,
  MetricsRecord,
  OutputFile,
  StackNode,
  TlparseStats,
} from './model.js';
import { newStackNode } from './model.js';
import { cacheSuffix, fileStem, uniqueSuffix } from './naming.js';
import { type OutDir, type StreamFile, safeRelPath } from './out-dir.js';
import { renderDumpFilePage, renderOutputCodePage, renderReadableStackTraces } from './pages/code.js';
import { renderGuardsPage } from './pages/guards.js';
import { type MetricsExtras, renderBwdMetricsPage, renderMetricsPage } from './pages/metrics.js';
import { renderSymbolicGuardPage } from './pages/symbolic-guard.js';
import { type Producer, producerFromMetrics, producerFromTorchVersion } from './producer.js';
import { addTime, timingsOn } from './timings.js';
import { ACT } from './write-jobs.js';

export interface BuilderOptions {
  /** inductor_output_code as .txt (tlparse -p) */
  plainText?: boolean;
  /** keep the last generated code per folder for the provenance pages (tlparse -i) */
  provenance?: boolean;
  /** tlparse --export: only exported programs and draft-export issue pages */
  exportMode?: boolean;
  /** write a compare page per recompile (compare/), see compare.ts */
  compare?: boolean;
}

/** Envelope kinds whose payload is saved as `<kind>.txt` (tlparse's SentinelFileParser), in parser order. */
const SENTINEL_KINDS = [
  'optimize_ddp_split_graph',
  'compiled_autograd_graph',
  'aot_forward_graph',
  'aot_backward_graph',
  'aot_inference_graph',
  'aot_joint_graph',
  'inductor_post_grad_graph',
  'inductor_pre_grad_graph',
  'dynamo_cpp_guards_str',
] as const;

type Output =
  | { t: 'payload'; path: string; act?: number }
  | { t: 'reformat'; path: string; text: string }
  | { t: 'file'; path: string; content: string }
  | { t: 'global'; path: string; content: string }
  | { t: 'link'; name: string; url: string };

const NO_OUTPUTS: readonly Output[] = [];

/** json artifacts that get a `*_readable.html` page */
const READABLE_TRACES = 'inductor_provenance_tracking_kernel_stack_traces';

const PRINTABLE_32 = /^[\x20-\x7e]{32}$/;
const NEVER_MD5 = 'x'.repeat(32);

const RAW_KEYS = ['timestamp', 'thread', 'pathname', 'lineno', 'payload_filename'];

function frameKey(
  f: { filename?: unknown; line?: unknown; name?: unknown; loc?: unknown },
  r: ResolvedFrame,
) {
  return `${String(f.filename)}\u0000${String(f.line)}\u0000${String(f.name)}\u0000${String(f.loc)}\u0000${r.file}`;
}

export class ReportBuilder {
  readonly directory = new Map<string, CompileEntry>();
  readonly failures: FailureRow[] = [];
  readonly metrics: MetricsRecord[] = [];
  /** metrics by the collapsed compile id's directory name (tlparse's metrics index) */
  readonly metricsIndex = new Map<string, CompilationMetricsMeta[]>();
  readonly stackTrie: StackNode = newStackNode(null);
  readonly unknownStackTrie: StackNode = newStackNode(null);
  readonly stackIndex = new Map<string, ResolvedFrame[]>();
  readonly recompileReasons = new Map<string, string[]>();
  /** dynamo_graph_break_reason artifacts by collapsed compile folder, matched to restarts by onMetrics */
  private readonly graphBreaks = new GraphBreakNotes();
  /** draft-export issues, detected from the envelopes (tlparse needs --export for these) */
  readonly exportIssues: ExportIssue[] = [];
  hasExportedProgram = false;
  /** folder -> last inductor_output_code payload (only with the provenance option) */
  readonly lastOutputCode = new Map<string, string>();
  readonly extras = new Map<string, MetricsExtras>();
  readonly tl: TlparseStats = {
    ok: 0,
    other_rank: 0,
    fail_glog: 0,
    fail_json: 0,
    fail_payload_md5: 0,
    fail_dynamo_guards_json: 0,
    fail_parser: 0,
    fail_key_conflict: 0,
    fail_json_serialization: 0,
    unknown: 0,
  };
  /** per compile folder: facts the multi-rank landing page compares across ranks */
  readonly rankFacts = {
    schedules: new Map<string, string[]>(),
    lastSchedules: new Map<string, string[]>(),
    code: new Map<string, { counts: Record<string, number>; waits: number }>(),
    runtime: new Map<string, unknown>(),
    graphExecution: null as { number: number; order: string[] } | null,
  };
  chromiumEvents = 0;
  /** compare pages of recompiles (guards and graph against the frame's previous compile) */
  private readonly comparer = new CompileComparer(
    (rel, html) => this.out.write(rel, html),
    (key) => this.recompileReasons.get(key) ?? [],
  );
  /** `[0/1]` → its compare page */
  get compareLinks(): ReadonlyMap<string, CompareLink> {
    return this.comparer.links;
  }
  /** whether compare pages are written (`compilog report --compare`) */
  get comparing(): boolean {
    return this.opts.compare === true && !this.opts.exportMode;
  }
  /** the PyTorch (Python, Triton, CUDA) versions that produced the trace, when it says */
  producer: Producer | null = null;
  /** the producer came from a torch_version artifact: a compilation_metrics record's fuller list replaces it */
  private producerFromArtifact = false;
  artifactCount = 0;
  private count = 0;
  private raw: StreamFile | null = null;
  /** export mode: symbolic expressions by id, for the provenance tree of guard pages */
  readonly symExprs = new Map<number, ExpressionCreatedMeta>();
  private readonly year = new Date().getUTCFullYear();
  problems: string[] = [];

  constructor(
    private readonly out: OutDir,
    private readonly strings: StringTable,
    private readonly opts: BuilderOptions = {},
  ) {
    if (opts.exportMode) return;
    this.raw = out.stream('raw.jsonl.body');
    out.openJsonArray('chromium_events.json');
  }

  /** the last compile id seen and its entry and folder (consecutive envelopes mostly share one) */
  private lastId: EnvelopeCompileId | null = null;
  private lastEntry: CompileEntry | null = null;
  private lastDir = '';

  /** The compile entry and the output folder of an envelope's compile id. */
  private entryAndDir(env: TraceEnvelope): { entry: CompileEntry; dir: string } {
    const id = env.compileId;
    if (id !== null && this.lastEntry !== null && sameCompileId(id, this.lastId)) {
      return { entry: this.lastEntry, dir: this.lastDir };
    }
    const entry = this.entryFor(id);
    const dir = id === null ? `unknown_${env.lineno}` : compileIdDirName(id);
    this.lastId = id;
    this.lastEntry = id === null ? null : entry;
    this.lastDir = dir;
    return { entry, dir };
  }

  private entryFor(id: EnvelopeCompileId | null): CompileEntry {
    const g = id === null ? null : groupingCompileId(id);
    const mapKey = g === null ? 'unknown' : compileIdDirName(g);
    let e = this.directory.get(mapKey);
    if (e === undefined) {
      e = { key: g === null ? 'unknown' : formatCompileIdKey(g), id: g, artifacts: [] };
      this.directory.set(mapKey, e);
    }
    return e;
  }

  private addFile(
    entry: CompileEntry,
    path: string,
    content: string | Uint8Array,
    facts: Partial<OutputFile>,
  ): OutputFile {
    this.out.write(path, content);
    return this.recordFile(entry, path, facts, content);
  }

  /** Files an output that was (or is being) written: the counter, the compile entry, the readable page. */
  private recordFile(
    entry: CompileEntry,
    path: string,
    facts: Partial<OutputFile>,
    content: string | Uint8Array = '',
  ): OutputFile {
    this.artifactCount++;
    const base = path.slice(path.lastIndexOf('/') + 1);
    let readable: string | null = null;
    if (base.startsWith(READABLE_TRACES) && base.endsWith('.json')) {
      readable = this.readableStackTraces(
        path,
        typeof content === 'string' ? content : Buffer.from(content).toString(),
      );
    }
    const f: OutputFile = {
      url: path,
      name: path,
      number: this.count,
      suffix: cacheSuffix(path),
      readable_url: readable,
      ...facts,
    };
    entry.artifacts.push(f);
    this.count++;
    return f;
  }

  private readableStackTraces(jsonPath: string, json: string): string {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      return '';
    }
    const stem = jsonPath.slice(0, jsonPath.lastIndexOf('.'));
    const path = `${stem}_readable.html`;
    this.out.write(path, renderReadableStackTraces(parsed));
    this.count++;
    return path;
  }

  /** Runs tlparse's default parsers (in their order) on one envelope. */
  private parserOutputs(env: TraceEnvelope, payload: PayloadView | null, dir: string): Output[] {
    const d = env.data;
    const outs: Output[] = [];
    const kinds = env.kinds;
    const has = (k: string) => kinds.includes(k as never);
    const p = (name: string) => `${dir}/${safeRelPath(name)}`;
    if (this.opts.exportMode) {
      if (has('exported_program')) outs.push({ t: 'payload', path: p('exported_program.txt') });
      return outs;
    }
    for (const k of SENTINEL_KINDS) if (has(k)) outs.push({ t: 'payload', path: p(`${k}.txt`) });
    if (has('graph_dump')) outs.push({ t: 'payload', path: p(`${d.graph_dump!.name}.txt`) });
    if (has('dynamo_output_graph')) outs.push({ t: 'payload', path: p('dynamo_output_graph.txt') });
    if (has('dynamo_guards')) {
      const text = payload?.text() ?? '';
      let guards: unknown;
      try {
        guards = JSON.parse(text);
      } catch {
        guards = undefined;
      }
      if (
        Array.isArray(guards) &&
        guards.every((g) => typeof g === 'object' && g !== null && typeof g.code === 'string')
      ) {
        outs.push({
          t: 'file',
          path: p('dynamo_guards.html'),
          content: renderGuardsPage(guards, this.strings),
        });
      } else {
        this.tl.fail_dynamo_guards_json++;
        this.problems.push(`line ${env.lineno}: dynamo_guards payload is not a JSON list of guards`);
      }
    }
    if (has('inductor_output_code') && this.opts.provenance)
      this.lastOutputCode.set(dir, payload?.text() ?? '');
    if (has('inductor_output_code')) {
      const stem =
        typeof d.inductor_output_code!.filename === 'string'
          ? fileStem(d.inductor_output_code!.filename)
          : null;
      const name = stem === null ? 'inductor_output_code' : `inductor_output_code_${stem}`;
      if (this.opts.plainText) outs.push({ t: 'payload', path: p(`${name}.txt`) });
      else {
        const t0 = timingsOn ? performance.now() : 0;
        outs.push({
          t: 'file',
          path: p(`${name}.html`),
          content: renderOutputCodePage(payload?.text() ?? ''),
        });
        if (timingsOn) addTime('codePages', t0);
      }
    }
    if (has('optimize_ddp_split_child'))
      outs.push({
        t: 'payload',
        path: p(`optimize_ddp_split_child_${d.optimize_ddp_split_child!.name}.txt`),
      });
    if (has('aot_autograd_backward_compilation_metrics')) {
      const html = renderBwdMetricsPage(
        'AOT Autograd Backward Compilation Metrics',
        env,
        d.aot_autograd_backward_compilation_metrics!,
      );
      outs.push({ t: 'file', path: p('aot_autograd_backward_compilation_metrics.html'), content: html });
    }
    if (has('bwd_compilation_metrics')) {
      const html = renderBwdMetricsPage('Backward Compilation Metrics', env, d.bwd_compilation_metrics!);
      outs.push({ t: 'file', path: p('bwd_compilation_metrics.html'), content: html });
    }
    if (has('link')) outs.push({ t: 'link', name: d.link!.name, url: d.link!.url });
    if (has('artifact')) {
      const a = d.artifact!;
      if (a.encoding === 'string') outs.push({ t: 'payload', path: p(`${a.name}.txt`) });
      else if (a.encoding === 'json') {
        const path = p(`${a.name}.json`);
        if (path.slice(path.lastIndexOf('/') + 1).startsWith(READABLE_TRACES)) {
          // its readable page is made from the content here
          outs.push({ t: 'reformat', path, text: prettyJsonPayload(payload?.text() ?? '') });
        } else {
          // pretty-printed by the writer thread
          outs.push({ t: 'payload', path, act: ACT.PRETTY_JSON });
        }
      } else {
        this.tl.fail_parser++;
        this.problems.push(`line ${env.lineno}: artifact ${a.name} has unsupported encoding ${a.encoding}`);
      }
    }
    if (has('dump_file')) {
      const m = /<eval_with_key>\.([0-9]+)/.exec(d.dump_file!.name);
      const name = m !== null ? `eval_with_key_${m[1]}.html` : `${d.dump_file!.name}.html`;
      outs.push({
        t: 'global',
        path: `dump_file/${safeRelPath(name)}`,
        content: renderDumpFilePage(payload?.text() ?? ''),
      });
    }
    return outs;
  }

  /** whether the current envelope's payload md5 still has to be sent for checking */
  private md5Due = false;

  /** The declared md5 to check with the next payload job ('' once sent); see FileWriter.payload. */
  private md5For(env: TraceEnvelope): string {
    if (!this.md5Due || env.payload === null) return '';
    this.md5Due = false;
    const d = env.payload.declaredMd5;
    // a declared value that cannot be an md5 in hex never matches (the writer compares hex digests)
    return PRINTABLE_32.test(d) ? d : NEVER_MD5;
  }

  onEnvelope(env: TraceEnvelope, payload: PayloadView | null): void {
    // md5s are checked on the writer thread (the reader runs with verifyMd5: false), together with the
    // first job that hands the payload over; see single.ts
    this.md5Due = env.payload !== null && payload !== null;
    try {
      this.handle(env, payload);
    } finally {
      if (this.md5Due && payload !== null)
        this.out.payloadCheck(payload.region(), this.md5For(env), env.lineno);
    }
  }

  private handle(env: TraceEnvelope, payload: PayloadView | null): void {
    this.tl.unknown += env.unknownKeys.length;
    const isChromium = env.kinds.includes('chromium_event');
    if (env.otherRank) {
      this.tl.other_rank++;
      if (!isChromium) this.writeRaw(env, null);
      return;
    }
    this.tl.ok++;
    const { entry, dir } = this.entryAndDir(env);
    let payloadFilename: string | null = null;
    const artifactName = env.data.artifact?.name;
    const size = env.payload?.size;
    // chromium events (most envelopes of a trace) have no parser output: skip the parsers' checks
    const outputs = isChromium && env.kinds.length === 1 ? NO_OUTPUTS : this.parserOutputs(env, payload, dir);
    for (const o of outputs) {
      if (o.t === 'link') {
        entry.artifacts.push({
          url: o.url,
          name: o.name,
          number: this.count++,
          suffix: '',
          readable_url: null,
          link: true,
        });
        continue;
      }
      if (o.t === 'global') {
        this.addFile(entry, o.path, o.content, { kind: env.kind ?? undefined });
        continue;
      }
      const path = uniqueSuffix(o.path, this.count);
      if (o.t === 'file') {
        this.addFile(entry, path, o.content, { kind: env.kind ?? undefined, size });
        continue;
      }
      const facts: Partial<OutputFile> = { kind: env.kind ?? undefined, size };
      if (isGraphPayload(env.kind ?? '', artifactName)) facts.nodes = countGraphNodes(payload?.text() ?? '');
      if (o.t === 'payload') {
        // the payload goes to the writer as its trace lines: TABs are removed there, next to the md5 check
        if (payload !== null)
          this.out.payloadFile(path, payload.region(), this.md5For(env), env.lineno, size ?? 0, o.act);
        else this.out.write(path, '');
        this.recordFile(entry, path, facts);
      } else {
        this.addFile(entry, path, o.text, facts);
      }
      payloadFilename = path;
    }
    if (payload !== null && this.opts.compare === true && !this.opts.exportMode) {
      if (env.kind === 'dynamo_cpp_guards_str') this.comparer.note(env.compileId, 'guards', payload.text());
      else if (env.kind === 'dynamo_output_graph') this.comparer.note(env.compileId, 'graph', payload.text());
    }
    if (artifactName === 'torch_version' && this.producer === null && payload !== null) {
      this.producer = producerFromTorchVersion(payload.text());
      this.producerFromArtifact = this.producer !== null;
    }
    if (artifactName === 'dynamo_graph_break_reason' && payload !== null)
      this.noteGraphBreak(env, payload.text(), payloadFilename);
    if (this.opts.exportMode) {
      // tlparse's export mode: a non-evaluated guard_added ends the record here
      if (env.data.guard_added && env.data.guard_added.prefix !== 'eval') {
        this.writeRaw(env, null);
        return;
      }
      this.exportGuardPage(env, entry, dir);
    } else if (env.kinds.includes('compilation_metrics')) this.onMetrics(env, entry, dir);
    if (payload !== null) this.collectRankFacts(env, payload, dir);
    this.indexes(env, payload);
    if (payloadFilename === null && env.payload !== null && !isChromium && payload !== null) {
      if (env.payload.size > 0) {
        payloadFilename = `payloads/${safeRelPath(env.payload.declaredMd5)}.txt`;
        this.out.payloadFile(
          payloadFilename,
          payload.region(),
          this.md5For(env),
          env.lineno,
          env.payload.size,
        );
      }
    }
    if (!isChromium) this.writeRaw(env, payloadFilename);
  }

  private onMetrics(env: TraceEnvelope, entry: CompileEntry, dir: string): void {
    const m = env.data.compilation_metrics!;
    if (this.producer === null || this.producerFromArtifact) {
      const p = producerFromMetrics(m);
      if (p !== null) {
        this.producer = p;
        this.producerFromArtifact = false;
      }
    }
    const cid = env.compileId;
    const collapsed = cid === null ? null : collapsedCompileId(cid);
    const ckey = collapsed === null ? 'unknown' : compileIdDirName(collapsed);
    const before = entry.artifacts.slice();
    const path = uniqueSuffix(`${dir}/compilation_metrics.html`, this.count);
    const t0 = timingsOn ? performance.now() : 0;
    const html = renderMetricsPage({
      key: cid === null ? '(unknown)' : formatCompileIdKey(cid),
      m,
      dir,
      outputs: before,
      stack: this.stackIndex.get(ckey) ?? null,
      extras: this.extras.get(ckey),
      strings: this.strings,
    });
    if (timingsOn) addTime('metricsPages', t0);
    this.addFile(entry, path, html, { kind: 'compilation_metrics' });
    const key = cid === null ? '(unknown)' : formatCompileIdKey(cid);
    const restarts = (m.restart_reasons ?? []).map(String);
    const notes = this.graphBreaks.take(ckey, restarts);
    restarts.forEach((r, i) => {
      const note = notes[i];
      this.failures.push({
        key,
        metricsUrl: path,
        restart: true,
        type: 'RestartAnalysis',
        reason: r,
        source: '',
        ...(note !== null
          ? { location: note.location, locationFrom: 'graph break', detailUrl: note.url ?? undefined }
          : this.compiledFrame(ckey)),
      });
    });
    if (typeof m.fail_type === 'string') {
      const src = `${m.fail_user_frame_filename ?? 'N/A'}:${m.fail_user_frame_lineno ?? 0}`;
      const frame: CodeLocation | null =
        typeof m.fail_user_frame_filename === 'string' && m.fail_user_frame_filename !== ''
          ? {
              file: m.fail_user_frame_filename,
              line: typeof m.fail_user_frame_lineno === 'number' ? m.fail_user_frame_lineno : null,
              fn: null,
            }
          : null;
      this.failures.push({
        key,
        metricsUrl: path,
        restart: false,
        type: m.fail_type,
        reason: m.fail_reason ?? '',
        source: src,
        ...(frame !== null ? { location: frame, locationFrom: 'failure' } : this.compiledFrame(ckey)),
      });
    }
    // keep only what the index needs: real metrics records are ~30 KB each
    const slim: CompilationMetricsMeta = {
      fail_type: m.fail_type,
      graph_op_count: m.graph_op_count,
      graph_node_count: m.graph_node_count,
      restart_reasons: m.restart_reasons,
      entire_frame_compile_time_s: m.entire_frame_compile_time_s,
    };
    const list = this.metricsIndex.get(ckey) ?? [];
    list.push(slim);
    this.metricsIndex.set(ckey, list);
    this.metrics.push({ key, dir, url: path, m: slim });
    this.extras.delete(ckey); // shown on this page (tlparse drops them here too)
  }

  /** A dynamo_graph_break_reason payload: its user frame and text, for the restart it explains. */
  private noteGraphBreak(env: TraceEnvelope, text: string, url: string | null): void {
    const cid = env.compileId;
    this.graphBreaks.add(cid === null ? 'unknown' : compileIdDirName(collapsedCompileId(cid)), text, url);
  }

  /** The innermost frame of the compile's dynamo_start stack: where the compiled frame starts. */
  private compiledFrame(ckey: string): Pick<FailureRow, 'location' | 'locationFrom'> {
    const stack = this.stackIndex.get(ckey);
    const f = stack?.[stack.length - 1];
    if (f === undefined) return {};
    return { location: { file: f.file, line: f.line, fn: f.name }, locationFrom: 'compiled frame' };
  }

  private collectRankFacts(env: TraceEnvelope, payload: PayloadView, dir: string): void {
    const name = env.data.artifact?.name ?? env.data.graph_dump?.name;
    const f = this.rankFacts;
    if (env.kinds.includes('inductor_output_code') && !f.code.has(dir))
      f.code.set(dir, countCollectiveCalls(payload.text()));
    if (name === undefined || env.data.artifact?.encoding !== 'json') return;
    if (
      !name.startsWith('inductor_collective_schedule') &&
      !name.startsWith('inductor_runtime_and_tensor_meta') &&
      !name.includes('graph_execution')
    )
      return;
    let value: unknown;
    try {
      value = JSON.parse(payload.text());
    } catch {
      return;
    }
    if (name.startsWith('inductor_collective_schedule') && Array.isArray(value)) {
      const ops = value.map(String);
      if (!f.schedules.has(dir)) f.schedules.set(dir, ops);
      f.lastSchedules.set(dir, ops);
    } else if (name.startsWith('inductor_runtime_and_tensor_meta') && !f.runtime.has(dir)) {
      f.runtime.set(dir, value);
    } else if (name.includes('graph_execution') && typeof value === 'object' && value !== null) {
      const arr = (value as { graph_execution_order?: unknown }).graph_execution_order;
      if (Array.isArray(arr)) {
        const order: string[] = [];
        for (const it of arr) {
          if (typeof it === 'string') order.push(`[${it}]`);
          else if (
            typeof it === 'object' &&
            it !== null &&
            typeof (it as { compile_id?: unknown }).compile_id === 'string'
          )
            order.push(`[${(it as { compile_id: string }).compile_id}]`);
        }
        f.graphExecution = { number: this.count, order };
      }
    }
  }

  private extrasFor(id: EnvelopeCompileId | null): MetricsExtras {
    const key = id === null ? 'unknown' : compileIdDirName(collapsedCompileId(id));
    let x = this.extras.get(key);
    if (x === undefined) {
      x = { specializations: [], guardsAddedFast: [], createdSymbols: [], unbackedSymbols: [] };
      this.extras.set(key, x);
    }
    return x;
  }

  private indexes(env: TraceEnvelope, payload: PayloadView | null): void {
    const d = env.data;
    if (env.stack !== null && Array.isArray(d.stack))
      this.insertStack(this.unknownStackTrie, d.stack, env.stack, null, false);
    if (env.kinds.includes('chromium_event') && payload !== null && !this.opts.exportMode) {
      // written as logged (checked with JSON.parse on the writer thread, skipped if invalid, as tlparse
      // does) rather than re-serialized; the count comes back when the writer drains
      this.out.payloadArrayItem(payload.region(), this.md5For(env), env.lineno, env.payload?.size ?? 0);
    }
    this.collectExportIssues(env);
    if (d.symbolic_shape_specialization)
      this.extrasFor(env.compileId).specializations.push(d.symbolic_shape_specialization);
    if (d.guard_added_fast) this.extrasFor(env.compileId).guardsAddedFast.push(d.guard_added_fast);
    if (d.create_symbol) this.extrasFor(env.compileId).createdSymbols.push(d.create_symbol);
    if (d.create_unbacked_symbol)
      this.extrasFor(env.compileId).unbackedSymbols.push(d.create_unbacked_symbol);
    if (d.artifact?.name === 'recompile_reasons' && payload !== null) {
      const key = env.compileId === null ? 'unknown' : formatCompileIdKey(groupingCompileId(env.compileId));
      let reasons: string[];
      try {
        const v = JSON.parse(payload.text());
        reasons = Array.isArray(v)
          ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)))
          : [JSON.stringify(v)];
      } catch {
        reasons = [payload.text()];
      }
      this.recompileReasons.set(key, [...(this.recompileReasons.get(key) ?? []), ...reasons]);
    }
    const start = d.dynamo_start;
    if (start && Array.isArray(start.stack)) {
      const resolved = removeConvertFrameSuffixes(resolveStack(start.stack, this.strings) ?? []);
      const raw = start.stack.slice(0, resolved.length);
      const key = env.compileId === null ? 'unknown' : compileIdDirName(env.compileId);
      this.stackIndex.set(key, resolved);
      this.insertStack(this.stackTrie, raw, resolved, env.compileId, true);
    }
  }

  /** Export mode: a symbolic_guard_information page per evaluated guard / data-dependent error. */
  private exportGuardPage(env: TraceEnvelope, entry: CompileEntry, dir: string): void {
    const d = env.data;
    if (d.expression_created && typeof d.expression_created.result_id === 'number')
      this.symExprs.set(d.expression_created.result_id, d.expression_created);
    const u = d.create_unbacked_symbol;
    if (u && typeof u.node_id === 'number')
      this.symExprs.set(u.node_id, {
        result: u.symbol,
        result_id: u.node_id,
        user_stack: u.user_stack,
        stack: u.stack,
      });
    const g = d.guard_added?.prefix === 'eval' ? d.guard_added : d.propagate_real_tensors_provenance;
    if (!g) return;
    const path = uniqueSuffix(`${dir}/symbolic_guard_information.html`, this.count);
    this.addFile(entry, path, renderSymbolicGuardPage(g, this.symExprs, this.strings), {
      kind: env.kind ?? undefined,
    });
    this.guardPages.set(env.lineno, path);
  }

  /** export mode: guard page per envelope line */
  readonly guardPages = new Map<number, string>();

  private collectExportIssues(env: TraceEnvelope): void {
    const d = env.data;
    if (d.exported_program) this.hasExportedProgram = true;
    if (
      !d.guard_added &&
      !d.propagate_real_tensors_provenance &&
      !d.missing_fake_kernel &&
      !d.mismatched_fake_kernel
    )
      return;
    const key = env.compileId === null ? '(unknown)' : formatCompileIdKey(env.compileId);
    const url = this.guardPages.get(env.lineno);
    if (d.guard_added?.prefix === 'eval')
      this.exportIssues.push({
        type: 'Guard Evaluated',
        key,
        expr: d.guard_added.expr ?? '',
        detail: 'a guard was evaluated during export; this may cause a constraint violation',
        url,
      });
    if (d.propagate_real_tensors_provenance) {
      const g = d.propagate_real_tensors_provenance;
      this.exportIssues.push({
        type: 'Data Dependent Error',
        key,
        expr: g.expr ?? '',
        detail: `could not decide if it always holds; specialized to ${g.result ?? '?'}`,
        url,
      });
    }
    if (d.missing_fake_kernel)
      this.exportIssues.push({
        type: 'Missing Fake Kernel',
        key,
        expr: `torch.ops.${d.missing_fake_kernel.op ?? '?'}`,
        detail: 'no fake kernel implementation',
      });
    if (d.mismatched_fake_kernel)
      this.exportIssues.push({
        type: 'Mismatched Fake Kernel',
        key,
        expr: `torch.ops.${d.mismatched_fake_kernel.op ?? '?'}`,
        detail: d.mismatched_fake_kernel.reason ?? '',
      });
  }

  private insertStack(
    root: StackNode,
    raw: Array<Record<string, unknown>> | unknown[],
    resolved: ResolvedFrame[],
    id: EnvelopeCompileId | null,
    terminal: boolean,
  ): void {
    let cur = root;
    for (let i = 0; i < resolved.length; i++) {
      const k = frameKey((raw[i] ?? {}) as Record<string, unknown>, resolved[i]);
      let next = cur.children.get(k);
      if (next === undefined) {
        next = newStackNode(resolved[i]);
        cur.children.set(k, next);
      }
      cur = next;
    }
    if (terminal || root === this.unknownStackTrie) cur.terminals.push(id);
  }

  private writeRaw(env: TraceEnvelope, payloadFilename: string | null): void {
    if (this.raw === null) return;
    const t0 = timingsOn ? performance.now() : 0;
    this.writeRawLine(env, payloadFilename);
    if (timingsOn) addTime('rawJsonl', t0);
  }

  private writeRawLine(env: TraceEnvelope, payloadFilename: string | null): void {
    if (this.raw === null) return;
    const d = env.data as Record<string, unknown>;
    for (const k of RAW_KEYS) {
      if (k in d && (k !== 'payload_filename' || payloadFilename !== null)) {
        this.tl.fail_key_conflict++;
        return;
      }
    }
    const g = env.glog;
    const o: Record<string, unknown> = {
      ...d,
      timestamp: `${this.secondsStamp(g)}.${String(g.micros).padStart(6, '0')}Z`,
      thread: g.thread,
      pathname: g.pathname,
      lineno: g.line,
    };
    if (payloadFilename !== null) o.payload_filename = payloadFilename;
    this.raw.write(`${compactSorted(o)}\n`);
  }

  private stampKey = -1;
  private stamp = '';

  /** `YYYY-MM-DDTHH:MM:SS` of a glog prefix (consecutive lines mostly share their second). */
  private secondsStamp(g: TraceEnvelope['glog']): string {
    // glog fields have two digits each, so this is unique (and exact as a double)
    const key = (((g.month * 100 + g.day) * 100 + g.hour) * 100 + g.minute) * 100 + g.second;
    if (key !== this.stampKey) {
      const pad = (n: number) => String(n).padStart(2, '0');
      this.stamp = `${this.year}-${pad(g.month)}-${pad(g.day)}T${pad(g.hour)}:${pad(g.minute)}:${pad(g.second)}`;
      this.stampKey = key;
    }
    return this.stamp;
  }

  /** Number of outputs so far (tlparse's global counter). */
  get outputCount(): number {
    return this.count;
  }

  /**
   * Closes the streamed files and starts raw.jsonl with its string table line; the envelope lines follow
   * with `appendRawBody`.
   */
  finish(): void {
    this.comparer.finish();
    if (this.raw === null) return;
    this.out.closeJsonArray();
    this.raw.close();
    let max = -1;
    for (const k of this.strings.keys()) if (k > max) max = k;
    const table: Array<string | null> = new Array(max + 1).fill(null);
    for (const [k, v] of this.strings) table[k] = v;
    const rawFile = this.out.stream('raw.jsonl');
    rawFile.write(`${JSON.stringify({ string_table: table })}\n`);
    rawFile.flush();
    rawFile.close();
    this.out.files--; // the body file is folded into raw.jsonl
  }

  /**
   * Queues the envelope lines' append to raw.jsonl on the writer thread, so that it overlaps the index
   * pages (call after the writer's first drain, or the drain would wait for it).
   */
  appendRawBody(): void {
    if (this.raw === null) return;
    this.out.appendAndRemove(this.raw.path, 'raw.jsonl');
  }

  compileDirectoryJson(): string {
    const o: Record<string, { artifacts: unknown[] }> = {};
    for (const e of this.directory.values()) {
      o[e.key] = {
        artifacts: e.artifacts.map((a) => ({
          url: a.url,
          name: a.name.split('/').pop(),
          number: a.number,
          suffix: a.suffix,
          readable_url: a.readable_url,
        })),
      };
    }
    return prettySorted(o);
  }
}
