/** index.html: the stack trie with status colours, failures, a compile summary, and every artifact by compile id. */
import {
  type CompilationMetricsMeta,
  collapsedCompileId,
  compileIdDirName,
  type EnvelopeCompileId,
  formatCompileIdKey,
} from '../../artifacts/index.js';
import type { ReportBuilder } from '../builder.js';
import { escapeHtml, safeHref } from '../escape.js';
import type { StackNode } from '../model.js';
import { distinctBreaks } from './failures-page.js';
import { page } from './layout.js';
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
              `<tr><td>${escapeHtml(i.type)}</td><td>${escapeHtml(i.key)}</td><td><code>${escapeHtml(i.expr)}</code></td><td>${escapeHtml(i.detail)}</td><td>${i.url ? `<a href="${escapeHtml(i.url)}">details</a>` : ''}</td></tr>`,
          )
          .join('')}</table>`;
  return page(
    'Draft Export Report',
    `<h1>Draft Export Report</h1>
<p class="muted small">Input: <code>${escapeHtml(input)}</code></p>
${verdict}
${program ? `<p>The exported program: <a href="${escapeHtml(program.url)}">${escapeHtml(program.name.split('/').pop())}</a></p>` : ''}`,
  );
}

export interface IndexPageInput {
  title: string;
  inputs: string[];
  statsLine: string;
  hasParity: boolean;
  /** provenance_tracking_<dir>.html pages (with --inductor-provenance) */
  provenancePages?: string[];
}

/** What is known only once the writer thread has finished (md5 failures, chromium events written). */
export interface IndexPageLate {
  statsLine: string;
  chromiumEvents: number;
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
  const distinct = distinctBreaks(b.failures);
  const rows: string[] = [];
  for (const e of b.directory.values()) {
    const metrics = b.metrics.filter((m) => m.key === e.key);
    const cache = e.artifacts
      .filter((a) => a.suffix !== '')
      .map(
        (a) =>
          `${a.suffix} ${escapeHtml(
            a.name
              .split('/')
              .pop()
              ?.replace(/_\d+\.json$/, ''),
          )}`,
      );
    const graph = e.artifacts.find((a) => a.kind === 'dynamo_output_graph');
    const time = metrics.map((m) => m.m.entire_frame_compile_time_s).filter((t) => typeof t === 'number');
    const reasons = b.recompileReasons.get(e.key) ?? [];
    const status =
      e.id === null ? '' : statusOf(b.metricsIndex.get(compileIdDirName(collapsedCompileId(e.id))));
    rows.push(
      `<tr><td><a href="#${escapeHtml(e.key)}" class="${status}">${escapeHtml(e.key)}</a></td><td>${e.artifacts.length}</td><td>${graph?.nodes ?? ''}</td><td>${cache.join('<br>')}</td><td>${time.map((t) => (t as number).toFixed(3)).join(', ')}</td><td>${reasons.map((r) => `<code>${escapeHtml(r)}</code>`).join('<br>')}</td></tr>`,
    );
  }
  const dirs = [...b.directory.values()]
    .map((e) => {
      const items = e.artifacts
        .map((a) => {
          const href = a.link ? safeHref(a.url) : escapeHtml(a.url);
          const readable = a.readable_url
            ? ` (<a href="${escapeHtml(a.readable_url)}">readable_html</a>)`
            : '';
          const facts = [kb(a.size), a.nodes !== undefined ? `${a.nodes} nodes` : '']
            .filter((s) => s !== '')
            .join(', ');
          return `<li><a href="${href}">${escapeHtml(a.name.split('/').pop())}</a>${readable} ${a.suffix} (${a.number})${facts ? ` <span class="muted small">${facts}</span>` : ''}</li>`;
        })
        .join('\n');
      return `<li><a id="${escapeHtml(e.key)}">${escapeHtml(e.key)}</a>\n<ul>\n${items}\n</ul></li>`;
    })
    .join('\n');
  const unknown =
    b.unknownStackTrie.children.size > 0
      ? `<h2>Unknown stacks</h2><p>Entries logged without a compile id, by where they were logged:</p>${trieHtml(b.unknownStackTrie, (n) => (n.terminals.length > 0 ? `(${n.terminals.length}) ` : ''))}`
      : '';
  const head = `<h1>${escapeHtml(inp.title)}</h1>
<p class="muted small">Input: ${inp.inputs.map((i) => `<code>${escapeHtml(i)}</code>`).join(', ')}<br>`;
  const beforeChromium = `</p>
<h2>Stack trie</h2>
<p>Where compilations were triggered. Compile ids are coloured by status:
<span class="status-ok">[Success]</span> <span class="status-break">[Success with restart (e.g., graph break)]</span>
<span class="status-empty">[Empty graph]</span> <span class="status-error">[Error]</span> <span class="status-missing">[Metrics were missing]</span></p>
${trieHtml(b.stackTrie, (n) => terminalLinks(b, n))}
${
  breaks > 0
    ? `<h2>Failures and Restarts</h2><p>This run had <strong><a href="failures_and_restarts.html">${breaks} restart(s) and/or compilation failure(s)</a></strong>, ${distinct.length} distinct:</p>
<table><tr><th>Count</th><th>Type</th><th>Reason</th><th>Compile ids</th></tr>${distinct
        .map(
          (d) =>
            `<tr><td>${d.count}</td><td>${escapeHtml(d.type)}</td><td><pre>${escapeHtml(d.reason)}</pre></td><td>${d.keys.map((k) => `<a href="index.html#${escapeHtml(k)}">${escapeHtml(k)}</a>`).join(' ')}</td></tr>`,
        )
        .join('')}</table>`
    : ''
}
${exportSection(b)}
<h2>Compiles</h2>
<table><tr><th>Compile id</th><th>Artifacts</th><th>Graph nodes</th><th>Cache</th><th>Compile time (s)</th><th>Recompile reasons</th></tr>
${rows.join('\n')}</table>
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
    ? `<h2>Provenance Tracking</h2><ul>${inp.provenancePages.map((p) => `<li><a href="${escapeHtml(p)}">${escapeHtml(p.replace(/\.html$/, ''))}</a></li>`).join('')}</ul>`
    : ''
}
${unknown}
<p class="small"><a href="compile_directory.json">compile_directory.json</a> · <a href="raw.jsonl">raw.jsonl</a> · <a href="report.json">report.json</a></p>`;
  return (late) => {
    const chromium =
      late.chromiumEvents > 0
        ? `<h2>Chromium Events</h2><p><a href="chromium_events.json">chromium_events.json</a> (${late.chromiumEvents} events): open it in <a href="https://ui.perfetto.dev/">Perfetto</a>.</p>`
        : '';
    return page(inp.title, head + escapeHtml(late.statsLine) + beforeChromium + chromium + rest);
  };
}
