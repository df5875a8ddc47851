/** failures_and_restarts.html: every restart and failure, and the same list de-duplicated with counts. */
import { escapeHtml } from '../escape.js';
import type { FailureRow } from '../model.js';
import { page } from './layout.js';

export interface DistinctBreak {
  type: string;
  reason: string;
  source: string;
  count: number;
  keys: string[];
}

/** Groups breaks by (type, reason, source): the "distinct graph breaks" users ask for. */
export function distinctBreaks(rows: FailureRow[]): DistinctBreak[] {
  const map = new Map<string, DistinctBreak>();
  for (const r of rows) {
    const k = `${r.type}\u0000${r.reason}\u0000${r.source}`;
    let d = map.get(k);
    if (d === undefined) {
      d = { type: r.type, reason: r.reason, source: r.source, count: 0, keys: [] };
      map.set(k, d);
    }
    d.count++;
    if (!d.keys.includes(r.key)) d.keys.push(r.key);
  }
  return [...map.values()].sort((a, b) => b.count - a.count);
}

export function renderFailuresPage(rows: FailureRow[]): string {
  const distinct = distinctBreaks(rows);
  const all = rows
    .map((r) => {
      const id = r.metricsUrl
        ? `<a href="${escapeHtml(r.metricsUrl)}">${escapeHtml(r.key)}</a>`
        : escapeHtml(r.key);
      const src = r.restart ? 'Not available for restarts (yet)' : `<pre>${escapeHtml(r.source)}</pre>`;
      return `<tr><td>${id}</td><td>${escapeHtml(r.type)}</td><td><pre>${escapeHtml(r.reason)}</pre></td><td>${src}</td></tr>`;
    })
    .join('\n');
  const dist = distinct
    .map(
      (d) =>
        `<tr><td>${d.count}</td><td>${escapeHtml(d.type)}</td><td><pre>${escapeHtml(d.reason)}</pre></td><td>${escapeHtml(d.source)}</td><td>${d.keys.map((k) => `<a href="index.html#${escapeHtml(k)}">${escapeHtml(k)}</a>`).join(' ')}</td></tr>`,
    )
    .join('\n');
  return page(
    'Failures and Restarts',
    `<h1>Failures and Restarts</h1>
<h2>Distinct (${distinct.length})</h2>
<table><tr><th>Count</th><th>Type</th><th>Reason</th><th>Source</th><th>Compile ids</th></tr>
${dist}</table>
<h2>All (${rows.length})</h2>
<table><tr><th>Compile Id</th><th>Failure Type</th><th>Failure Description</th><th>Failure Source (compilation failures only)</th></tr>
${all}</table>`,
  );
}
