/** index.html: the stack trie with status colours, failures, a compile summary, and every artifact by compile id. */
import {
  type CompilationMetricsMeta,
  collapsedCompileId,
  compileIdDirName,
  type EnvelopeCompileId,
  formatCompileIdKey,
} from '../../artifacts/index.js';
import type { ReportBuilder } from '../builder.js';
import { compareCellHtml } from '../compare.js';
import { escapeHtml, localHref, safeHref } from '../escape.js';
import { plural } from '../graph-size.js';
import type { CompileEntry, MetricsRecord, StackNode } from '../model.js';
import { firstConfigs } from '../producer.js';
import {
  cacheCellsHtml,
  cacheColumns,
  cacheDetailsHtml,
  cacheHeaderHtml,
  compileGraphSize,
  distinctBreaks,
  distinctBreaksTable,
  graphSizeHtml,
  problemsHtml,
  RECOMPILE_LEGEND,
  recompileReasonsHtml,
} from './insights-html.js';
import { page } from './layout.js';
import { otherTracesSection } from './other-traces.js';
import { trieHtml } from './stack-html.js';

export type Status = 'status-ok' | 'status-break' | 'status-empty' | 'status-error' | 'status-missing';

/** tlparse's colour rule (a missing graph_op_count counts as empty, missing restart_reasons as a break). */
export function statusOf(list: CompilationMetricsMeta[] | undefined): Status {
  if (list === undefined) return 'status-missing';
  if (list.some((m) => typeof m.fail_type === 'string')) return 'status-error';
  if (list.some((m) => !m.graph_op_count)) return 'status-empty';
  if (list.some((m) => !Array.isArray(m.restart_reasons) || m.restart_reasons.length > 0))
    return 'status-break';
  return 'status-ok';
}

export function trieStatus(b: ReportBuilder, id: EnvelopeCompileId | null): Status {
  return id === null ? 'status-missing' : statusOf(b.metricsIndex.get(compileIdDirName(id)));
}

function terminalLinks(b: ReportBuilder, node: StackNode): string {
  return node.terminals
    .map((t) => {
      if (t === null) return '(unknown) ';
      const key = escapeHtml(formatCompileIdKey(t));
      return `<a href="#${key}" class="${trieStatus(b, t)}">${key}</a> `;
    })
    .join('');
}

function kb(n: number | undefined): string {
  if (n === undefined || n < 0) return '';
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KB`;
}

/** Draft export: tlparse shows this only with --export; here it appears whenever export envelopes exist. */
function exportSection(b: ReportBuilder): string {
  if (!b.hasExportedProgram && b.exportIssues.length === 0) return '';
  if (b.exportIssues.length === 0) return '<h2>Draft export</h2><p>No issues were found during export.</p>';
  const rows = b.exportIssues
    .map(
      (i) =>
        `<tr><td>${escapeHtml(i.type)}</td><td>${escapeHtml(i.key)}</td><td><code>${escapeHtml(i.expr)}</code></td><td>${escapeHtml(i.detail)}</td></tr>`,
    )
    .join('');
  return `<h2>Draft export</h2><p><strong>${b.exportIssues.length} issue(s) were found during export.</strong></p>
<table><tr><th>Failure type</th><th>Compile id</th><th>Expression / op</th><th>Detail</th></tr>${rows}</table>`;
}

/** index.html in export mode: tlparse's Draft Export Report. */
export function renderExportIndexPage(b: ReportBuilder, input: string): string {
  const program = [...b.directory.values()]
    .flatMap((e) => e.artifacts)
    .find((a) => a.url.includes('exported_program'));
  const verdict =
    b.exportIssues.length === 0
      ? '<p>No issues were found during export: it produced a sound graph.</p>'
      : `<p><strong>${b.exportIssues.length} issue(s) were found during export.</strong></p>
<table><tr><th>Failure type</th><th>Compile id</th><th>Expression / op</th><th>Detail</th><th>More</th></tr>${b.exportIssues
          .map(
            (i) =>
              `<tr><td>${escapeHtml(i.type)}</td><td>${escapeHtml(i.key)}</td><td><code>${escapeHtml(i.expr)}</code></td><td>${escapeHtml(i.detail)}</td><td>${i.url ? `<a href="${localHref(i.url)}">details</a>` : ''}</td></tr>`,
          )
          .join('')}</table>`;
  return page(
    'Draft Export Report',
    `<h1>Draft Export Report</h1>
<p class="muted small">Input: <code>${escapeHtml(input)}</code></p>
${verdict}
${program ? `<p>The exported program: <a href="${localHref(program.url)}">${escapeHtml(program.name.split('/').pop())}</a></p>` : ''}`,
  );
}

export interface IndexPageInput {
  title: string;
  inputs: string[];
  statsLine: string;
  hasParity: boolean;
  /** provenance_tracking_<dir>.html pages (with --inductor-provenance) */
  provenancePages?: string[];
  /** where report.json is from this page (default: beside it, or `../report.json` for a rank of a multi-rank report) */
  reportJsonHref?: string | null;
}

/** "Produced by PyTorch … · Python … · Triton … · CUDA …", and the configs the trace logged (first of each). */
function producerHtml(b: ReportBuilder): string {
  const parts: string[] = [];
  if (b.producer)
    parts.push(
      `Produced by ${b.producer.versions.map(([label, v]) => `${escapeHtml(label)} <code>${escapeHtml(v)}</code>`).join(' · ')}`,
    );
  const configs = firstConfigs(b.directory.values());
  if (configs.length > 0)
    parts.push(
      `Configs logged: ${configs.map((c) => `<a href="${localHref(c.url)}">${escapeHtml(c.name)}</a>`).join(', ')} (as at the first compile)`,
    );
  return parts.length > 0 ? `<p class="small" id="producer">${parts.join('<br>')}</p>\n` : '';
}

/**
 * The IR dumps list: every artifact of every compile (thousands in a big trace), in plain loops: this runs at
 * the end of the report, while nothing else can overlap it.
 */
function irDumps(entries: Iterable<CompileEntry>): string {
  let out = '';
  for (const e of entries) {
    let items = '';
    for (const a of e.artifacts) {
      const href = a.link ? safeHref(a.url) : localHref(a.url);
      const readable = a.readable_url ? ` (<a href="${localHref(a.readable_url)}">readable_html</a>)` : '';
      const size = kb(a.size);
      const nodes = a.nodes !== undefined ? plural(a.nodes, 'node') : '';
      const facts = size !== '' && nodes !== '' ? `${size}, ${nodes}` : size + nodes;
      const name = a.name.slice(a.name.lastIndexOf('/') + 1);
      if (items !== '') items += '\n';
      items += `<li><a href="${href}">${escapeHtml(name)}</a>${readable} ${a.suffix} (${a.number})${facts ? ` <span class="muted small">${facts}</span>` : ''}</li>`;
    }
    if (out !== '') out += '\n';
    out += `<li><a id="${escapeHtml(e.key)}">${escapeHtml(e.key)}</a>\n<ul>\n${items}\n</ul></li>`;
  }
  return out;
}

/** What is known only once the writer thread has finished (md5 failures, chromium events written). */
export interface IndexPageLate {
  statsLine: string;
  chromiumEvents: number;
  /** the trace's problem lines (`<kind> at line <N>: <message>`), shown in a Problems section */
  problems?: readonly string[];
}

/** A compile-id-less bucket (`[-/-]`, unknown): not a compile, so never styled as one with missing metrics. */
function hasNoCompileId(e: CompileEntry): boolean {
  return (
    e.id === null ||
    (e.id.compiledAutogradId === null && e.id.frameId === null && e.id.frameCompileId === null)
  );
}

/** The Compiles table: one row per compile, with graph size, cache status per kind and recompile reasons. */
function compilesTable(b: ReportBuilder): string {
  const byKey = new Map<string, MetricsRecord[]>();
  for (const m of b.metrics) {
    const list = byKey.get(m.key);
    if (list === undefined) byKey.set(m.key, [m]);
    else list.push(m);
  }
  const entries = [...b.directory.values()].filter((e) => !hasNoCompileId(e) || e.artifacts.length > 0);
  const cache = cacheColumns(entries);
  const compare = b.comparing === true;
  const rows = entries.map((e) => {
    const metrics = byKey.get(e.key) ?? [];
    const time = metrics.map((m) => m.m.entire_frame_compile_time_s).filter((t) => typeof t === 'number');
    const id = hasNoCompileId(e)
      ? `<a href="#${escapeHtml(e.key)}" class="no-cid" title="artifacts logged without a compile id">${escapeHtml(e.key)} (no compile id)</a>`
      : `<a href="#${escapeHtml(e.key)}" class="${statusOf(b.metricsIndex.get(compileIdDirName(collapsedCompileId(e.id!))))}">${escapeHtml(e.key)}</a>`;
    return `<tr><td>${id}</td><td>${e.artifacts.length}</td><td>${graphSizeHtml(compileGraphSize(e, metrics))}</td>${cacheCellsHtml(cache.kinds, cache.summaries.get(e))}<td>${cacheDetailsHtml(e)}</td><td>${time.map((t) => (t as number).toFixed(3)).join(', ')}</td><td>${recompileReasonsHtml(b.recompileReasons.get(e.key) ?? [])}</td>${compare ? `<td>${compareCellHtml(b.compareLinks.get(e.key))}</td>` : ''}</tr>`;
  });
  return `<h2>Compiles</h2>
<ul class="small">
<li>Graph size: from compilation_metrics (FX nodes / ops) when logged, else ≈ counted in the printed graph.</li>
<li>Cache: the cache events each compile logged, by cache (✅ hit, ❌ miss, ❓ bypass; — not logged).</li>
<li>Recompile reasons: ${RECOMPILE_LEGEND}</li>
${
  compare
    ? "<li>Since the previous compile: a page with what changed in the guards and the Dynamo graph since the frame's previous compile (lines added / removed).</li>"
    : b.recompileReasons.size > 0
      ? '<li>For a page per recompile with what changed in its guards and Dynamo graph, run <code>compilog report</code> with <code>--compare</code>.</li>'
      : ''
}
</ul>
<table><tr><th>Compile id</th><th>Artifacts</th><th>Graph size</th>${cacheHeaderHtml(cache.kinds)}<th>Cache events</th><th>Compile time (s)</th><th title="why the previous compiled versions of this frame did not match">Recompile reasons</th>${compare ? '<th>Since the previous compile</th>' : ''}</tr>
${rows.join('\n')}</table>`;
}

export function renderIndexPage(b: ReportBuilder, inp: IndexPageInput): string {
  return prepareIndexPage(b, inp)({ statsLine: inp.statsLine, chromiumEvents: b.chromiumEvents });
}

/**
 * Renders everything but the parts that wait for the writer thread, so the report can build the page while
 * the writer finishes; the returned function adds those parts.
 */
export function prepareIndexPage(
  b: ReportBuilder,
  inp: Omit<IndexPageInput, 'statsLine'>,
): (late: IndexPageLate) => string {
  const breaks = b.failures.length;
  // a rank's page of a multi-rank report (the only kind with a parity report) sits one folder below report.json
  const reportJson =
    inp.reportJsonHref !== undefined ? inp.reportJsonHref : inp.hasParity ? '../report.json' : 'report.json';
  const distinct = distinctBreaks(b.failures);
  const dirs = irDumps(b.directory.values());
  const unknown =
    b.unknownStackTrie.children.size > 0
      ? `<h2>Unknown stacks</h2><p>Entries logged without a compile id, by where they were logged:</p>${trieHtml(b.unknownStackTrie, (n) => (n.terminals.length > 0 ? `(${n.terminals.length}) ` : ''))}`
      : '';
  const head = `<h1>${escapeHtml(inp.title)}</h1>
${producerHtml(b)}<p class="muted small">Input: ${inp.inputs.map((i) => `<code>${escapeHtml(i)}</code>`).join(', ')}<br>`;
  const beforeChromium = `
<h2>Stack trie</h2>
<p>Where compilations were triggered. Compile ids are coloured by status:
<span class="status-ok">[Success]</span> <span class="status-break">[Success with restart (e.g., graph break)]</span>
<span class="status-empty">[Empty graph]</span> <span class="status-error">[Error]</span> <span class="status-missing">[Metrics were missing]</span></p>
${trieHtml(b.stackTrie, (n) => terminalLinks(b, n))}
${
  breaks > 0
    ? `<h2>Failures and Restarts</h2><p>This run had <strong><a href="failures_and_restarts.html">${breaks} restart(s) and/or compilation failure(s)</a></strong>, ${distinct.length} distinct (the same break at the same user code counted once):</p>
${distinctBreaksTable(distinct, 'index.html')}`
    : ''
}
${exportSection(b)}
${compilesTable(b)}
`;
  const rest = `
${inp.hasParity ? '<p><a href="collectives_parity.json">Collectives parity report</a> (scheduler vs output code)</p>' : ''}
<h2>IR dumps</h2>
<p>Build products by compile id, in the order they were produced. <code>[x/y]</code>: frame x, its y-th compile; <code>_z</code>: restart attempt z; <code>[!a/...]</code>: compiled autograd id a.</p>
<ul>
${dirs}
</ul>
${
  inp.provenancePages && inp.provenancePages.length > 0
    ? `<h2>Provenance Tracking</h2><ul>${inp.provenancePages.map((p) => `<li><a href="${localHref(p)}">${escapeHtml(p.replace(/\.html$/, ''))}</a></li>`).join('')}</ul>`
    : ''
}
${unknown}
${otherTracesSection()}<p class="small"><a href="compile_directory.json">compile_directory.json</a> · <a href="raw.jsonl">raw.jsonl</a>${reportJson !== null ? ` · <a href="${escapeHtml(reportJson)}">report.json</a>` : ''}${inp.hasParity ? ' · <a href="../index.html">all ranks</a>' : ''}</p>`;
  return (late) => {
    const chromium =
      late.chromiumEvents > 0
        ? `<h2>Chromium Events</h2><p><a href="chromium_events.json">chromium_events.json</a> (${late.chromiumEvents} events): open it in <a href="https://ui.perfetto.dev/">Perfetto</a>.</p>`
        : '';
    const problems = problemsHtml(late.problems ?? [], reportJson);
    return page(
      inp.title,
      `${head}${escapeHtml(late.statsLine)}</p>\n${problems}${beforeChromium}${chromium}${rest}`,
    );
  };
}
