/**
 * "Other traces in this directory, not reported": the trace files of the directory the report left out
 * (older runs, files that are not traces), with the command that reports one of them. report.ts sets the
 * list once per run (setOtherTraces); the index page asks for the section with otherTracesSection().
 */
import { escapeHtml } from '../escape.js';

export interface OtherTrace {
  path: string;
  name: string;
  size: number;
  /** ISO 8601 */
  mtime: string;
  reason: string;
}

let current: { traces: OtherTrace[]; out: string } = { traces: [], out: '' };

/** The list the next index pages show (empty: no section). */
export function setOtherTraces(traces: OtherTrace[], out: string): void {
  current = { traces, out };
}

/** A word for the shell: as is when it is plain, else single-quoted. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const size = (n: number) =>
  n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KB` : `${(n / (1 << 20)).toFixed(1)} MB`;

/** The command that reports `t` into a directory next to `out`. */
export function reportCommandFor(t: OtherTrace, out: string): string {
  const stem = t.name.replace(/\.log(\.gz)?$/, '');
  return `compilog report ${shellWord(t.path)} --out ${shellWord(`${out.replace(/\/+$/, '')}-${stem}`)}`;
}

/** The section's HTML, or '' when the list is empty. Every value is escaped. */
export function renderOtherTraces(traces: OtherTrace[], out: string): string {
  if (traces.length === 0) return '';
  const items = traces
    .map(
      (t) =>
        `<li><code>${escapeHtml(t.name)}</code> <span class="muted small">${escapeHtml(size(t.size))}, modified ${escapeHtml(t.mtime)}; ${escapeHtml(t.reason)}</span><br><span class="small">report it: <code>${escapeHtml(reportCommandFor(t, out))}</code></span></li>`,
    )
    .join('\n');
  return `<h2>Other traces in this directory, not reported</h2>
<ul>
${items}
</ul>
`;
}

/** The section for the list set by setOtherTraces. */
export function otherTracesSection(): string {
  return renderOtherTraces(current.traces, current.out);
}
