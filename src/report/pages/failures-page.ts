/** failures_and_restarts.html: every restart and failure, and the same list de-duplicated with counts. */
import { escapeHtml, localHref } from '../escape.js';
import type { FailureRow } from '../model.js';
import { type DistinctBreak, distinctBreaks, distinctBreaksTable, locationHtml } from './insights-html.js';
import { page } from './layout.js';

export { type DistinctBreak, distinctBreaks };

export function renderFailuresPage(rows: FailureRow[]): string {
  const distinct = distinctBreaks(rows);
  const all = rows
    .map((r) => {
      const id = r.metricsUrl
        ? `<a href="${localHref(r.metricsUrl)}">${escapeHtml(r.key)}</a>`
        : escapeHtml(r.key);
      // restarts: tlparse has no source; the graph-break artifact's user frame when the trace logged one
      const src = r.restart
        ? r.locationFrom === 'graph break'
          ? `graph break at ${locationHtml(r.location)}`
          : 'Not available for restarts (yet)'
        : `<pre>${escapeHtml(r.source)}</pre>`;
      return `<tr><td>${id}</td><td>${escapeHtml(r.type)}</td><td><pre>${escapeHtml(r.reason)}</pre></td><td>${src}</td></tr>`;
    })
    .join('\n');
  return page(
    'Failures and Restarts',
    `<h1>Failures and Restarts</h1>
<h2>Distinct (${distinct.length})</h2>
<p>The same graph break or failure at the same user code, counted once, with every compile id it happened in.</p>
${distinctBreaksTable(distinct, 'index.html')}
<h2>All (${rows.length})</h2>
<table><tr><th>Compile Id</th><th>Failure Type</th><th>Failure Description</th><th>Failure Source (compilation failures only)</th></tr>
${all}</table>`,
  );
}
