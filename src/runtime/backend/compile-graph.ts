/**
 * The backend pipeline: captured graph -> lower (aot) -> buffers -> fuse -> schedule -> generate
 * kernels and the wrapper -> cache -> a runnable CompiledProgram. `inductorBackend` plugs it into
 * compile(fn)'s backend seam. Every stage logs and emits its artifacts through thunks, so with nothing
 * enabled the instrumentation costs a few boolean tests.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timed, traceArtifact, traceStructured } from '../../artifacts/index.js';
import { currentTraceId, formatCompileId, getArtifactLogger, getLogger } from '../../logging/index.js';
import type { Backend } from '../capture/api.js';
import type { StridedArray } from '../core/types.js';
import type { Graph, Node } from '../ir/graph.js';
import { printGraph } from '../ir/printer.js';
import { QNAMES } from '../registrations.js';
import { type BufferGraph, buildBuffers } from './buffers.js';
import { generateCatKernel } from './codegen-cat.js';
import type { KernelSource } from './codegen-common.js';
import { kernelName } from './codegen-common.js';
import { generateLoopKernel } from './codegen-loops.js';
import { generateMatmulKernel } from './codegen-matmul.js';
import { describeBuffers, describeKernels } from './describe.js';
import { CompiledProgram } from './execute.js';
import { fuse } from './fusion.js';
import { defaultKernelCache, type KernelCache, type ModuleSpec } from './kernel-cache.js';
import { lowerGraph } from './lower.js';
import { schedule } from './schedule.js';
import { wrapperSource } from './wrapper.js';

/** Bump when generated code changes meaning: old disk cache entries then miss. */
export const CODEGEN_VERSION = 3;

const log = getLogger(QNAMES.inductor);
const schedLog = getLogger(QNAMES.scheduler);
const irPre = getArtifactLogger(QNAMES.scheduler, 'ir_pre_fusion');
const irPost = getArtifactLogger(QNAMES.scheduler, 'ir_post_fusion');
const fusionLog = getArtifactLogger(QNAMES.scheduler, 'fusion');
const scheduleLog = getArtifactLogger(QNAMES.scheduler, 'schedule');
const outputCode = getArtifactLogger(QNAMES.codegen, 'output_code');
const kernelCode = getArtifactLogger(QNAMES.codegen, 'kernel_code');
const perfHints = getArtifactLogger(QNAMES.scheduler, 'perf_hints');

export interface CompileGraphOptions {
  /** The cache to use; false to compile from scratch every time. Default: the process-wide cache. */
  readonly cache?: KernelCache | false;
  /** Fuse (default) or emit one kernel per op (the unfused baseline). */
  readonly fuse?: boolean;
  /** Time every kernel launch even when no logger or trace asks for it. */
  readonly timing?: boolean;
  /**
   * Round every op's result to float32 as eager execution does, so compiled results equal eager ones bit
   * for bit. Default false: intermediates stay float64 until they are stored (like Inductor and like a
   * hand-written loop), within float32 rounding of eager and about 1.6x faster on a 6-op chain.
   */
  readonly exact?: boolean;
}

/** What the backend adds to a compile's `compilation_metrics` (PyTorch's field names where they exist). */
export interface BackendMetrics {
  readonly cache_state: 'hit' | 'miss';
  readonly cache_source: 'memory' | 'disk' | null;
  readonly aot_autograd_cumulative_compile_time_us: number;
  readonly inductor_cumulative_compile_time_us: number;
  readonly inductor_code_gen_cumulative_compile_time_us: number;
  readonly inductor_fx_local_cache_hit_count: number;
  readonly inductor_fx_local_cache_miss_count: number;
  readonly ir_count: number | null;
  readonly kernel_count: number;
}

const metricsByCompile = new Map<string, BackendMetrics>();

/** The backend's metrics for a compile id (`0/1`), for the capture stage's `compilation_metrics` record. */
export function backendMetrics(compileId: string): BackendMetrics | undefined {
  return metricsByCompile.get(compileId);
}

export function compileGraph(
  graph: Graph,
  options: CompileGraphOptions = {},
): CompiledProgram & { metrics: BackendMetrics } {
  const started = performance.now();
  const cache = options.cache === false ? undefined : (options.cache ?? defaultKernelCache());
  const fuseOn = options.fuse ?? true;
  const constants = graph.nodes.filter((n) => n.kind === 'constant');
  const exact = options.exact ?? false;
  const key = graphKey(graph, fuseOn, exact);
  const id = currentTraceId();
  const graphName = id === undefined ? 'graph' : `graph ${formatCompileId(id.compileId)}`;
  return timed('compile_fx_inner', () => {
    const hit = cache?.get(key);
    let spec: ModuleSpec;
    let times = { aot: 0, inductor: 0, codegen: 0 };
    let irCount: number | null = null;
    if (hit !== undefined) {
      spec = hit.spec;
      log.info(
        () => `${graphName}: ${spec.kernels.length} kernel(s) | cache hit (${hit.from}) ${key.slice(0, 12)}`,
      );
      traceArtifact('fx_graph_cache_hit', 'json', () =>
        JSON.stringify({ key, cache_state: 'hit', source: hit.from }),
      );
    } else {
      const built = build(graph, key, graphName, fuseOn, exact, constants);
      spec = built.spec;
      times = built.times;
      irCount = built.irCount;
      cache?.put(spec);
      log.info(
        () =>
          `${graphName}: scheduled ${spec.kernels.length} kernel(s) in ${(performance.now() - started).toFixed(2)} ms | cache miss ${key.slice(0, 12)}`,
      );
      traceArtifact('fx_graph_cache_miss', 'json', () => JSON.stringify({ key, cache_state: 'miss' }));
    }
    outputCode(() => `Output code: \n${spec.source}`);
    const path = cache?.sourcePath(key) ?? `<memory>/${key}.js`;
    traceStructured('inductor_output_code', { filename: path, file_path: path }, () => spec.source);
    const factory = timed('PyCodeCache.load_by_key_path', () =>
      cache === undefined
        ? (new Function('H', spec.source) as ReturnType<KernelCache['factory']>)
        : cache.factory(spec),
    );
    const program = new CompiledProgram(
      spec,
      factory,
      graph.placeholders,
      spec.constants.map((i) => constants[i].value as StridedArray),
      options.timing ?? false,
    );
    const total = performance.now() - started;
    const metrics: BackendMetrics = {
      cache_state: hit === undefined ? 'miss' : 'hit',
      cache_source: hit?.from ?? null,
      aot_autograd_cumulative_compile_time_us: Math.round(times.aot * 1000),
      inductor_cumulative_compile_time_us: Math.round(total * 1000),
      inductor_code_gen_cumulative_compile_time_us: Math.round(times.codegen * 1000),
      inductor_fx_local_cache_hit_count: hit === undefined ? 0 : 1,
      inductor_fx_local_cache_miss_count: hit === undefined ? 1 : 0,
      ir_count: irCount,
      kernel_count: spec.kernels.length,
    };
    if (id !== undefined) {
      metricsByCompile.set(formatCompileId(id.compileId), metrics);
      // Keep the most recent compiles only: a long-running process compiles without bound.
      if (metricsByCompile.size > 1024) metricsByCompile.delete(metricsByCompile.keys().next().value!);
    }
    return Object.assign(program, { metrics });
  });
}

/** compile(fn, { backend: inductorBackend }): lowering, fusion, codegen and the kernel cache. */
export const inductorBackend: Backend = (graph) => {
  const program = compileGraph(graph);
  return (inputs) => program.run(inputs);
};

/** Builds a backend with options (e.g. an unfused baseline, or a private cache). */
export function makeInductorBackend(options: CompileGraphOptions): Backend {
  return (graph) => {
    const program = compileGraph(graph, options);
    return (inputs) => program.run(inputs);
  };
}

function build(
  graph: Graph,
  key: string,
  graphName: string,
  fuseOn: boolean,
  exact: boolean,
  constants: readonly Node[],
) {
  const t0 = performance.now();
  const lowered = timed('create_aot_dispatcher_function', () => lowerGraph(graph));
  const t1 = performance.now();
  const { bg, fusion, sched } = timed('Scheduler.__init__', () => {
    const bg: BufferGraph = buildBuffers(lowered.graph, lowered.live);
    irPre(() => `BEFORE FUSION\n${describeBuffers(bg)}`);
    const fusion = fuse(bg, { fuse: fuseOn });
    // One record for all decisions: the same lines, one caller lookup instead of one per line.
    if (fusion.decisions.length > 0) fusionLog(() => fusion.decisions.join('\n'));
    const sched = schedule(bg, fusion);
    schedLog.debug(() => `${bg.bufs.length} buffers -> ${sched.kernels.length} kernels`);
    return { bg, fusion, sched };
  });
  irPost(() => `AFTER FUSION\n${describeKernels(sched, bg)}`);
  scheduleLog(() => sched.notes.join('\n'));
  const t2 = performance.now();
  const { kernels, source, outputs } = timed('GraphLowering.codegen', () => {
    const kernels: KernelSource[] = sched.kernels.map((g, i) => {
      const name = kernelName(g, i);
      if (g.kind === 'matmul') return generateMatmulKernel(g, name, sched.realized, fusion.groupOf, exact);
      if (g.kind === 'cat') return generateCatKernel(g, name);
      return generateLoopKernel(g, name, sched.realized, fusion.groupOf, exact);
    });
    // Each kernel under its name, in one record (the same lines as one record per kernel, one caller lookup).
    kernelCode(() => kernels.map((k) => `${k.name}:\n${k.definition}`).join('\n\n'));
    const hints = kernels.flatMap((k) => k.hints);
    if (hints.length > 0) perfHints(() => hints.join('\n'));
    const wrapped = wrapperSource(bg, sched, kernels, { key, graphName });
    return { kernels, ...wrapped };
  });
  const t3 = performance.now();
  const constantIndex = bg.inputs
    .filter((n) => n.kind === 'constant')
    .map((n) => constants.findIndex((c) => c.value?.storage === n.value?.storage && sameMeta(c, n)));
  const spec: ModuleSpec = {
    version: CODEGEN_VERSION,
    key,
    graphName,
    source,
    inputCount: bg.inputs.length,
    constants: constantIndex,
    kernels: kernels.map((k) => ({
      name: k.name,
      kind: k.kind,
      elements: k.elements,
      bytes: k.bytes,
      flops: k.flops,
    })),
    outputs,
  };
  return { spec, times: { aot: t1 - t0, inductor: t2 - t1, codegen: t3 - t2 }, irCount: bg.bufs.length };
}

function sameMeta(a: Node, b: Node): boolean {
  return (
    a.meta.offset === b.meta.offset &&
    a.meta.shape.length === b.meta.shape.length &&
    a.meta.shape.every((d, i) => d === b.meta.shape[i] && a.meta.strides[i] === b.meta.strides[i])
  );
}

/**
 * md5 of the code generator (its version and the text of this folder's files, so an edited generator never
 * reuses stale disk entries, like PyTorch's torch_key), the fusion switch and the printed graph.
 */
export function graphKey(graph: Graph, fuseOn: boolean, exact = false): string {
  const text = `v${CODEGEN_VERSION}:${generatorFingerprint()}\nfuse=${fuseOn} exact=${exact}\n${printGraph(graph)}`;
  return createHash('md5').update(text).digest('hex');
}

let fingerprint: string | undefined;

function generatorFingerprint(): string {
  if (fingerprint !== undefined) return fingerprint;
  const hash = createHash('md5');
  try {
    const dir = dirname(fileURLToPath(import.meta.url));
    for (const f of readdirSync(dir).sort()) {
      if (/\.(ts|js)$/.test(f) && !f.endsWith('.d.ts')) hash.update(f).update(readFileSync(join(dir, f)));
    }
  } catch {
    // Bundled or unreadable sources: the version number alone keys the generator.
  }
  fingerprint = hash.digest('hex').slice(0, 12);
  return fingerprint;
}
