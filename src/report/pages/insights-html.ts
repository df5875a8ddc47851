/**
 * What compilog shows on top of tlparse in index.html and failures_and_restarts.html: distinct graph breaks
 * with their user code location, readable recompile reasons, graph sizes, cache status per kind, and the
 * trace's problem lines. Everything here runs once per compile or per distinct item, at the end.
 */
import { type CacheSummary, cacheEvents, cacheLabel, MAIN_CACHES, summarizeCache } from '../cache-status.js';
import { type CodeLocation, fullLocation, shortLocation } from '../code-location.js';
import { escapeHtml, localHref } from '../escape.js';
import { formatGraphSize, type GraphSize } from '../graph-size.js';
import type { CompileEntry, FailureRow, MetricsRecord } from '../model.js';
import { distinctRecompileReasons } from '../recompile-reasons.js';

/** A code location for a table cell: short text, the full path in a tooltip. */
export function locationHtml(loc: CodeLocation | null | undefined): string {
  if (loc === null || loc === undefined) return '';
  return `<span class="loc" title="${escapeHtml(fullLocation(loc))}">${escapeHtml(shortLocation(loc))}</span>`;
}

/** Long multi-line text: the first line readable, the rest collapsible. */
export function collapsibleText(text: string): string {
  const t = text.trim();
  const nl = t.indexOf('\n');
  if (nl < 0) return `<code>${escapeHtml(t)}</code>`;
  return `<details class="reason"><summary><code>${escapeHtml(t.slice(0, nl))}</code></summary><pre>${escapeHtml(t.slice(nl + 1))}</pre></details>`;
}

export interface DistinctBreak {
  type: string;
  reason: string;
  source: string;
  location: CodeLocation | null;
  locationFrom: FailureRow['locationFrom'] | null;
  detailUrl: string | null;
  count: number;
  keys: string[];
}

/** Groups breaks by (type, reason, user code location): the "distinct graph breaks" users ask for. */
export function distinctBreaks(rows: readonly FailureRow[]): DistinctBreak[] {
  const map = new Map<string, DistinctBreak>();
  // compile ids already listed per break (a Set: a break can repeat in thousands of compiles)
  const seen = new Map<DistinctBreak, Set<string>>();
  for (const r of rows) {
    const where = r.location ? fullLocation(r.location) : r.source;
    const k = `${r.type}\u0000${r.reason}\u0000${where}`;
    let d = map.get(k);
    if (d === undefined) {
      d = {
        type: r.type,
        reason: r.reason,
        source: r.source,
        location: r.location ?? null,
        locationFrom: r.locationFrom ?? null,
        detailUrl: r.detailUrl ?? null,
        count: 0,
        keys: [],
      };
      map.set(k, d);
      seen.set(d, new Set());
    }
    d.count++;
    const ids = seen.get(d)!;
    if (!ids.has(r.key)) {
      ids.add(r.key);
      d.keys.push(r.key);
    }
  }
  return [...map.values()].sort((a, b) => b.count - a.count);
}

const FROM_LABEL: Record<NonNullable<FailureRow['locationFrom']>, string> = {
  'graph break': 'graph break at',
  failure: 'failed at',
  'compiled frame': 'in the compiled frame',
};

/** The distinct-breaks table (index and failures page; `index` is the path to index.html from the page). */
export function distinctBreaksTable(distinct: readonly DistinctBreak[], index: string): string {
  const rows = distinct
    .map((d) => {
      const where =
        d.location !== null
          ? `<span class="muted small">${escapeHtml(FROM_LABEL[d.locationFrom ?? 'compiled frame'])}</span><br>${locationHtml(d.location)}`
          : d.source !== '' && d.source !== 'N/A:0'
            ? `<span class="loc">${escapeHtml(d.source)}</span>`
            : '<span class="muted">not logged</span>';
      const detail = d.detailUrl ? `<br><a href="${localHref(d.detailUrl)}">break details</a>` : '';
      const ids = d.keys
        .map((k) => `<a href="${escapeHtml(index)}#${escapeHtml(k)}">${escapeHtml(k)}</a>`)
        .join(' ');
      return `<tr><td class="count">${d.count}</td><td>${escapeHtml(d.type)}</td><td>${collapsibleText(d.reason)}</td><td>${where}${detail}</td><td>${ids}</td></tr>`;
    })
    .join('\n');
  return `<table class="breaks"><tr><th>Count</th><th>Type</th><th>Reason</th><th>User code</th><th>Compile ids</th></tr>
${rows}</table>`;
}

export const RECOMPILE_LEGEND =
  'why the previous compiled versions of this frame did not match: before compiling again, each earlier version (cache entry, e.g. <code>0/1</code>) was checked against the new inputs and rejected by the guard shown. ×N: N earlier versions were rejected by the same guard.';

/** One line per distinct failed guard: count, guard, its source line and location, the rejected entries. */
export function recompileReasonsHtml(lines: readonly string[]): string {
  if (lines.length === 0) return '';
  const items = distinctRecompileReasons(lines).map((r) => {
    const from =
      r.code !== null || r.location !== null
        ? ` <span class="muted small">from${r.code !== null ? ` <code>${escapeHtml(r.code)}</code>` : ''}${r.location !== null ? ` at ${locationHtml(r.location)}` : ''}</span>`
        : '';
    const entries =
      r.entries.length > 0
        ? ` <span class="muted small">(rejected ${r.entries.map((e) => escapeHtml(e)).join(', ')})</span>`
        : '';
    return `<li><span class="count">×${r.count}</span> <code>${escapeHtml(r.guard)}</code>${from}${entries}</li>`;
  });
  return `<ul class="plain">${items.join('')}</ul>`;
}

/** The compile's graph size: compilation_metrics' counts when logged, else the printed graph's node count. */
export function compileGraphSize(e: CompileEntry, metrics: readonly MetricsRecord[]): GraphSize | null {
  for (let i = metrics.length - 1; i >= 0; i--) {
    const m = metrics[i].m;
    const nodes = typeof m.graph_node_count === 'number' ? m.graph_node_count : null;
    const ops = typeof m.graph_op_count === 'number' ? m.graph_op_count : null;
    if (nodes !== null || ops !== null) return { nodes, ops, source: 'metrics' };
  }
  const graph = e.artifacts.find((a) => a.kind === 'dynamo_output_graph');
  if (graph?.nodes !== undefined) return { nodes: graph.nodes, ops: null, source: 'estimate' };
  return null;
}

export function graphSizeHtml(s: GraphSize | null): string {
  if (s === null) return '<span class="muted">—</span>';
  if (s.source === 'metrics')
    return `<span class="nowrap" title="from compilation_metrics (graph_node_count, graph_op_count)">${escapeHtml(formatGraphSize(s))}</span>`;
  return `<span class="nowrap" title="counted in the printed dynamo_output_graph (no compilation_metrics)">≈${escapeHtml(formatGraphSize(s))}</span> <span class="muted small">(estimated)</span>`;
}

const OUTCOME_MARK: Record<string, string> = { hit: '✅', miss: '❌', bypass: '❓', disabled: '⛔' };

export interface CacheColumns {
  kinds: string[];
  summaries: Map<CompileEntry, CacheSummary>;
}

/** The cache kinds to show (the main ones, then any other kind the trace logged) and each compile's counts. */
export function cacheColumns(entries: readonly CompileEntry[]): CacheColumns {
  const summaries = new Map<CompileEntry, CacheSummary>();
  const kinds: string[] = MAIN_CACHES.map((c) => c.id);
  for (const e of entries) {
    const s = summarizeCache(cacheEvents(e.artifacts));
    summaries.set(e, s);
    for (const k of s.keys()) if (!kinds.includes(k)) kinds.push(k);
  }
  return { kinds, summaries };
}

export function cacheHeaderHtml(kinds: readonly string[]): string {
  return kinds.map((k) => `<th>${escapeHtml(cacheLabel(k))} cache</th>`).join('');
}

/** One cell per cache kind: `❌ miss`, `✅ hit ×2, ❌ miss`, or `—` when the compile logged no event of it. */
export function cacheCellsHtml(kinds: readonly string[], s: CacheSummary | undefined): string {
  return kinds
    .map((k) => {
      const counts = s?.get(k);
      if (counts === undefined) return '<td class="muted" title="no cache event logged">—</td>';
      const parts = [...counts].map(([o, n]) => `${OUTCOME_MARK[o] ?? ''} ${o}${n > 1 ? ` ×${n}` : ''}`);
      return `<td>${escapeHtml(parts.join(', '))}</td>`;
    })
    .join('');
}

/** The compile's cache artifacts, collapsible, in log order. */
export function cacheDetailsHtml(e: CompileEntry): string {
  const events = cacheEvents(e.artifacts);
  if (events.length === 0) return '';
  const items = events
    .map(
      (ev) =>
        `<li><a href="${localHref(ev.file.url)}">${escapeHtml(ev.file.url.slice(ev.file.url.lastIndexOf('/') + 1))}</a> ${escapeHtml(ev.file.suffix)}</li>`,
    )
    .join('');
  return `<details class="reason"><summary>${events.length} event${events.length === 1 ? '' : 's'}</summary><ul class="plain">${items}</ul></details>`;
}

const PROBLEM = /^(\w+) at line (\d+): ([\s\S]*)$/;
const BUILDER_PROBLEM = /^line (\d+): ([\s\S]*)$/;
export const PROBLEMS_SHOWN = 50;

/** The trace's bad lines: the first 50 with line number and kind, then a pointer to report.json. */
export function problemsHtml(problems: readonly string[], reportJson: string | null): string {
  if (problems.length === 0) return '';
  const rows = problems
    .slice(0, PROBLEMS_SHOWN)
    .map((p) => {
      const m = PROBLEM.exec(p);
      const b = m === null ? BUILDER_PROBLEM.exec(p) : null;
      const [line, kind, msg] =
        m !== null ? [m[2], m[1], m[3]] : b !== null ? [b[1], 'parser', b[2]] : ['', '', p];
      return `<tr><td>${escapeHtml(line)}</td><td>${escapeHtml(kind)}</td><td><code>${escapeHtml(msg)}</code></td></tr>`;
    })
    .join('\n');
  const more =
    problems.length > PROBLEMS_SHOWN
      ? `<p>… and ${problems.length - PROBLEMS_SHOWN} more${reportJson !== null ? ` (see <a href="${escapeHtml(reportJson)}">report.json</a>, <code>problems</code>)` : ''}.</p>`
      : '';
  return `<h2 id="problems">Problems</h2>
<p>Lines of the trace that could not be used (the rest of the report is built from the others):</p>
<table><tr><th>Line</th><th>Kind</th><th>Problem</th></tr>
${rows}</table>${more}`;
}
