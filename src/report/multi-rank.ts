/**
 * Multi-rank reports: one full report per rank in rank_<N>/, then tlparse's cross-rank checks (compile-id
 * sets, cache hit/miss sequences, collective schedules, tensor metadata, runtime estimates, execution
 * order, collectives parity) and a landing page. The facts come from what each rank's builder collected.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TraceFileInfo } from '../artifacts/index.js';
import { normalizeCollective } from './collectives.js';
import { FileWriter } from './file-writer.js';
import { compactSorted, prettySorted, sortKeys } from './json-format.js';
import { OutDir } from './out-dir.js';
import { renderLandingPage } from './pages/landing.js';
import { type OtherTrace, renderOtherTraces } from './pages/other-traces.js';
import { type SingleReport, writeSingleReport } from './single.js';

export interface RankGroup {
  ranks: number[];
  sequence: string;
}

export interface GraphRuntimeRow {
  graph: string;
  deltaMs: number;
  fastest: { rank: number; ms: number };
  slowest: { rank: number; ms: number };
}

export interface ExecOrderSummary {
  orderDiffers: boolean;
  scheduleMismatchRanks: number[];
  cacheMismatchRanks: number[];
}

export interface MultiRankDiagnostics {
  ranks: number[];
  compileIdDivergence: boolean;
  cacheGroups: RankGroup[];
  collectiveGroups: RankGroup[];
  tensorMetaGroups: RankGroup[];
  runtime: { mismatchedGraphCounts: boolean; graphs: GraphRuntimeRow[] } | null;
  execOrder: ExecOrderSummary | null;
  hasChromiumEvents: boolean;
  hasRuntimeTrace: boolean;
  /** first compile id (in rank 0's order) whose presence differs across ranks: where divergence starts */
  firstDivergentCompileId: string | null;
}

export interface MultiRankReport {
  ranks: SingleReport[];
  diagnostics: MultiRankDiagnostics;
}

function groupBy(entries: Array<[number, string]>): RankGroup[] {
  const m = new Map<string, number[]>();
  for (const [rank, seq] of entries) m.set(seq, [...(m.get(seq) ?? []), rank]);
  if (m.size <= 1) return [];
  return [...m.entries()].map(([sequence, ranks]) => ({ ranks: ranks.sort((a, b) => a - b), sequence }));
}

/** dir name -> compile id key, from a rank's compile directory (first artifact url prefix wins). */
function dirToCompileId(r: SingleReport): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of r.builder.directory.values()) {
    for (const a of e.artifacts) {
      const slash = a.url.indexOf('/');
      if (slash > 0 && !m.has(a.url.slice(0, slash))) m.set(a.url.slice(0, slash), e.key);
    }
  }
  return m;
}

const fmtMs = (ns: number) => Math.round((ns / 1e6) * 1000) / 1000;

function runtimeAnalysis(
  est: Array<{ rank: number; graph: string; ops: Array<{ estimated_runtime_ns: number }> }>,
) {
  const byRank = new Map<number, Array<[string, number]>>();
  for (const g of est) {
    const total = g.ops.reduce((s, o) => s + o.estimated_runtime_ns, 0);
    byRank.set(g.rank, [...(byRank.get(g.rank) ?? []), [g.graph, total]]);
  }
  const counts = [...byRank.values()].map((v) => v.length);
  if (counts.length === 0) return null;
  if (Math.max(...counts) !== Math.min(...counts)) return { mismatchedGraphCounts: true, graphs: [] };
  const ranks = [...byRank.keys()].sort((a, b) => a - b);
  const graphs: GraphRuntimeRow[] = [];
  for (let i = 0; i < counts[0]; i++) {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let fast = 0;
    let slow = 0;
    for (const r of ranks) {
      const rt = byRank.get(r)![i][1];
      if (rt <= min) [min, fast] = [rt, r];
      if (rt >= max) [max, slow] = [rt, r];
    }
    graphs.push({
      graph: byRank.get(ranks[0])![i][0],
      deltaMs: fmtMs(max - min),
      fastest: { rank: fast, ms: fmtMs(min) },
      slowest: { rank: slow, ms: fmtMs(max) },
    });
  }
  graphs.sort((a, b) => (a.graph < b.graph ? -1 : a.graph > b.graph ? 1 : 0));
  return { mismatchedGraphCounts: false, graphs };
}

function cacheStatusByCompileId(r: SingleReport, dir2cid: Map<string, string>): Map<string, string> {
  const prio: Record<string, number> = { miss: 3, hit: 2, bypass: 1 };
  const byDir = new Map<string, string>();
  for (const e of r.builder.directory.values()) {
    for (const a of e.artifacts) {
      const name = a.name.split('/').pop() ?? '';
      const st = name.includes('cache_miss')
        ? 'miss'
        : name.includes('cache_hit')
          ? 'hit'
          : name.includes('cache_bypass')
            ? 'bypass'
            : null;
      const slash = a.url.indexOf('/');
      if (st === null || slash <= 0) continue;
      const dir = a.url.slice(0, slash);
      const cur = byDir.get(dir);
      if (cur === undefined || prio[st] > prio[cur]) byDir.set(dir, st);
    }
  }
  const out = new Map<string, string>();
  for (const [dir, st] of byDir) {
    const cid = dir2cid.get(dir);
    if (cid !== undefined) out.set(cid, st);
  }
  return out;
}

function execOrder(
  reports: SingleReport[],
  schedules: Array<{ rank: number; graph: string; ops: string[] }>,
): ExecOrderSummary | null {
  const orders = new Map<number, string[]>();
  for (const r of reports) {
    const ge = r.builder.rankFacts.graphExecution;
    if (ge !== null) orders.set(r.file.rank ?? 0, ge.order);
  }
  if (orders.size < 2) return null;
  const sched = new Map<string, string[]>();
  const cache = new Map<string, string>();
  for (const r of reports) {
    const rank = r.file.rank ?? 0;
    const d2c = dirToCompileId(r);
    for (const s of schedules.filter((x) => x.rank === rank)) {
      const key = `${rank}\u0000${d2c.get(s.graph) ?? s.graph}`;
      sched.set(key, [...(sched.get(key) ?? []), ...s.ops]);
    }
    for (const [cid, st] of cacheStatusByCompileId(r, d2c)) cache.set(`${rank}\u0000${cid}`, st);
  }
  const maxLen = Math.max(...[...orders.values()].map((o) => o.length));
  let orderDiffers = false;
  const schedRanks = new Set<number>();
  const cacheRanks = new Set<number>();
  for (let i = 0; i < maxLen; i++) {
    const present = [...orders.entries()]
      .filter(([, o]) => i < o.length)
      .map(([rank, o]) => [rank, o[i]] as const);
    if (new Set(present.map(([, c]) => c)).size > 1) orderDiffers = true;
    const ss = present.map(([rank, c]) => sched.get(`${rank}\u0000${c}`)).filter((x) => x !== undefined);
    if (ss.length >= 2 && ss.some((s) => s.join(',') !== ss[0].join(',')))
      for (const [rank] of present) schedRanks.add(rank);
    const cs = present
      .map(([rank, c]) => cache.get(`${rank}\u0000${c}`))
      .filter((x) => x !== undefined && x !== '');
    if (cs.length >= 2 && cs.some((s) => s !== cs[0])) for (const [rank] of present) cacheRanks.add(rank);
  }
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return { orderDiffers, scheduleMismatchRanks: sorted(schedRanks), cacheMismatchRanks: sorted(cacheRanks) };
}

function collectivesParity(
  r: SingleReport,
): Array<{ graph: string; compile_id: string; offset: number; missing_waits: number }> {
  const f = r.builder.rankFacts;
  const d2c = dirToCompileId(r);
  const out = [];
  for (const [dir, ops] of f.lastSchedules) {
    const code = f.code.get(dir);
    if (code === undefined) continue;
    const sched: Record<string, number> = {};
    for (const op of ops) {
      const n = normalizeCollective(op);
      if (n !== null) sched[n] = (sched[n] ?? 0) + 1;
    }
    const total = Object.values(code.counts).reduce((a, b) => a + b, 0);
    const missingWaits = Math.max(total - code.waits, 0);
    const names = new Set([...Object.keys(sched), ...Object.keys(code.counts)]);
    let offset = 0;
    for (const n of names) offset += Math.abs((sched[n] ?? 0) - (code.counts[n] ?? 0));
    if (offset > 0 || missingWaits > 0)
      out.push({ graph: dir, compile_id: d2c.get(dir) ?? 'unknown', offset, missing_waits: missingWaits });
  }
  return out;
}

export interface MultiRankOptions {
  plainText?: boolean;
  inductorProvenance?: boolean;
  compare?: boolean;
  writer?: FileWriter;
  /** trace files of the directory left out of the report, listed on the landing page */
  otherTraces?: OtherTrace[];
}

export async function writeMultiRankReport(
  files: TraceFileInfo[],
  outDir: string,
  opts: MultiRankOptions = {},
): Promise<MultiRankReport> {
  const writer = opts.writer ?? new FileWriter(false);
  const out = new OutDir(outDir, writer);
  const reports: SingleReport[] = [];
  for (const f of files) {
    const rank = f.rank ?? 0;
    reports.push(
      await writeSingleReport(f, join(outDir, `rank_${rank}`), {
        plainText: opts.plainText,
        inductorProvenance: opts.inductorProvenance,
        compare: opts.compare,
        writer: opts.writer,
        parity: true,
        title: `compilog report: rank ${rank}`,
      }),
    );
  }
  const ranks = reports.map((r) => r.file.rank ?? 0);

  // compile ids and cache sequences, from each rank's compile directory
  const idSets = reports.map(
    (r) => new Set(r.compileIds.filter((k) => k !== '(unknown)' && !k.startsWith('unknown_'))),
  );
  const same = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));
  const compileIdDivergence = idSets.some((s) => !same(s, idSets[0]));
  let firstDivergentCompileId: string | null = null;
  if (compileIdDivergence) {
    const all = reports.flatMap((r) => r.compileIds);
    firstDivergentCompileId = all.find((k) => !idSets.every((s) => s.has(k))) ?? null;
  }
  const cacheSeq = reports.map((r, i): [number, string] => {
    const arts = [...r.builder.directory.values()].flatMap((e) => e.artifacts).filter((a) => a.suffix !== '');
    return [
      ranks[i],
      arts
        .sort((a, b) => a.number - b.number)
        .map((a) => a.suffix)
        .join(''),
    ];
  });

  // combined chromium events, pid = rank
  let events = 0;
  const chromium = out.stream('chromium_events.json');
  for (let i = 0; i < reports.length; i++) {
    let list: unknown;
    try {
      list = JSON.parse(readFileSync(join(reports[i].outDir, 'chromium_events.json'), 'utf8'));
    } catch {
      list = [];
    }
    if (!Array.isArray(list)) continue;
    for (const ev of list) {
      if (typeof ev === 'object' && ev !== null) (ev as Record<string, unknown>).pid = ranks[i];
      chromium.write(`${events === 0 ? '[\n' : ',\n'}${JSON.stringify(ev)}`);
      events++;
    }
  }
  chromium.write(events === 0 ? '[]' : '\n]');
  chromium.close();

  // runtime estimates, collective schedules, tensor metadata
  const estimations: Array<{
    rank: number;
    graph: string;
    ops: Array<{ name: string; estimated_runtime_ns: number }>;
  }> = [];
  const schedules: Array<{ rank: number; graph: string; ops: string[] }> = [];
  const tensorMeta: Array<[number, string]> = [];
  for (let i = 0; i < reports.length; i++) {
    const f = reports[i].builder.rankFacts;
    const metas: Array<[string, string]> = [];
    for (const [graph, value] of f.runtime) {
      const ops = (value as { ops?: unknown }).ops;
      if (Array.isArray(ops) && ops.length > 0) {
        estimations.push({
          rank: ranks[i],
          graph,
          ops: ops.map((o) => ({
            name: String(o?.name),
            estimated_runtime_ns: Number(o?.estimated_runtime_ns),
          })),
        });
      }
      metas.push([graph, compactSorted(value)]);
    }
    if (metas.length > 0)
      tensorMeta.push([
        ranks[i],
        metas
          .sort((a, b) => (a[0] < b[0] ? -1 : 1))
          .map((m) => m[1])
          .join(','),
      ]);
    for (const [graph, ops] of f.schedules)
      if (ops.length > 0) schedules.push({ rank: ranks[i], graph, ops });
    out.write(
      join(`rank_${ranks[i]}`, 'collectives_parity.json'),
      prettySorted({
        description:
          'Difference of # of collectives in scheduler and inductor output code and missing wait collectives',
        graphs: collectivesParity(reports[i]),
      }),
    );
  }
  let hasRuntimeTrace = false;
  if (estimations.length > 0) {
    out.write('runtime_estimations.json', prettySorted(estimations));
    out.write('chromium_trace_with_runtime.json', prettySorted(runtimeTrace(estimations)));
    hasRuntimeTrace = true;
  }
  if (schedules.length > 0) out.write('collective_schedules.json', prettySorted(schedules));
  const collectiveSeq =
    schedules.length > 0
      ? ranks.map((r): [number, string] => [
          r,
          schedules
            .filter((s) => s.rank === r)
            .flatMap((s) => s.ops)
            .join(','),
        ])
      : [];

  const diagnostics: MultiRankDiagnostics = {
    ranks,
    compileIdDivergence,
    cacheGroups: groupBy(cacheSeq),
    collectiveGroups: groupBy(collectiveSeq),
    tensorMetaGroups: groupBy(tensorMeta),
    runtime: runtimeAnalysis(estimations),
    execOrder: execOrder(reports, schedules),
    hasChromiumEvents: events > 0,
    hasRuntimeTrace,
    firstDivergentCompileId,
  };
  const landing = renderLandingPage(diagnostics);
  const others = renderOtherTraces(opts.otherTraces ?? [], outDir);
  // the list goes at the end of the page's content, before its footer
  const at = landing.lastIndexOf('<footer>');
  out.write('index.html', at < 0 ? landing + others : landing.slice(0, at) + others + landing.slice(at));
  await out.drain();
  return { ranks: reports, diagnostics };
}

/** The synthetic Perfetto trace: one process per rank, one thread per graph, ops laid end to end. */
function runtimeTrace(
  est: Array<{ rank: number; graph: string; ops: Array<{ name: string; estimated_runtime_ns: number }> }>,
) {
  const events: unknown[] = [];
  const threads = new Map<number, Array<[number, string]>>();
  let nextTid = 1;
  const tids = new Map<string, number>();
  for (const g of est) {
    const key = `${g.rank}\u0000${g.graph}`;
    let tid = tids.get(key);
    if (tid === undefined) {
      tid = nextTid++;
      tids.set(key, tid);
      threads.set(g.rank, [...(threads.get(g.rank) ?? []), [tid, g.graph]]);
    }
    let ts = 0;
    for (const op of g.ops) {
      const dur = Math.max(Math.ceil(op.estimated_runtime_ns / 1000), 1);
      events.push({
        name: op.name,
        ph: 'X',
        ts,
        dur,
        pid: g.rank,
        tid,
        cat: 'runtime',
        args: { graph: g.graph, rank: g.rank, runtime_ns: Math.trunc(op.estimated_runtime_ns) },
      });
      ts += dur;
    }
  }
  for (const pid of [...threads.keys()].sort((a, b) => a - b)) {
    events.push({ name: 'process_name', ph: 'M', pid, args: { name: `Rank ${pid}` } });
    events.push({ name: 'process_sort_index', ph: 'M', pid, args: { sort_index: pid } });
  }
  for (const pid of [...threads.keys()].sort((a, b) => a - b)) {
    threads.get(pid)!.forEach(([tid, graph], idx) => {
      events.push({ name: 'thread_name', ph: 'M', pid, tid, args: { name: `graph ${graph}` } });
      events.push({ name: 'thread_sort_index', ph: 'M', pid, tid, args: { sort_index: idx } });
    });
  }
  return sortKeys(events);
}
