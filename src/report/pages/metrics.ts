/** compilation_metrics_N.html and the two small backward-metrics pages. */
import {
  type AotAutogradBackwardCompilationMetricsMeta,
  type BwdCompilationMetricsMeta,
  type CompilationMetricsMeta,
  type CreateSymbolMeta,
  type CreateUnbackedSymbolMeta,
  formatCompileIdKey,
  type GuardAddedFastMeta,
  type ResolvedFrame,
  type StringTable,
  type SymbolicShapeSpecializationMeta,
  type TraceEnvelope,
} from '../../artifacts/index.js';
import { escapeHtml, escapeText, localHref, safeHref } from '../escape.js';
import type { OutputFile } from '../model.js';
import { page } from './layout.js';
import { rawStackHtml, stackHtml } from './stack-html.js';

export interface MetricsExtras {
  specializations: SymbolicShapeSpecializationMeta[];
  guardsAddedFast: GuardAddedFastMeta[];
  createdSymbols: CreateSymbolMeta[];
  unbackedSymbols: CreateUnbackedSymbolMeta[];
}

const v = (x: unknown) => (x === undefined || x === null ? '<span class="muted">-</span>' : escapeHtml(x));

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return '<p class="muted">none</p>';
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  return `<table><tr>${th}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</table>`;
}

export interface MetricsPageInput {
  key: string;
  m: CompilationMetricsMeta;
  dir: string;
  outputs: OutputFile[];
  stack: ResolvedFrame[] | null;
  extras: MetricsExtras | undefined;
  strings: StringTable;
}

export function renderMetricsPage(p: MetricsPageInput): string {
  const { m } = p;
  const st = (s: unknown) => rawStackHtml(s, p.strings, 'stack');
  const mini =
    m.co_name && m.co_filename && typeof m.co_firstlineno === 'number'
      ? `<p class="mono">${escapeHtml(m.co_filename)}:${m.co_firstlineno} in ${escapeHtml(m.co_name)}</p>`
      : '';
  const outputs = p.outputs
    .map((o) => {
      const href = o.link ? safeHref(o.url) : localHref(o.url);
      return `<li><a href="${href}">${escapeHtml(o.name.split('/').pop())}</a> (${o.number})</li>`;
    })
    .join('');
  const x = p.extras;
  const body = `<h1>Compilation Info for ${escapeHtml(p.key)}</h1>
${mini}
<h2>Output files</h2><ul>${outputs}</ul>
<h2>Stack</h2>${stackHtml(p.stack, 'Stack') || '<p class="muted">no dynamo_start stack</p>'}
<h2>Compile time (seconds)</h2>
${table(
  ['Entire frame', 'Backend', 'Inductor', 'Code gen', 'Dynamo before restart'],
  [
    [
      v(m.entire_frame_compile_time_s),
      v(m.backend_compile_time_s),
      v(m.inductor_compile_time_s),
      v(m.code_gen_time_s),
      v(m.dynamo_time_before_restart_s),
    ],
  ],
)}
<h2>Restarts and failures</h2>
${
  typeof m.fail_type === 'string'
    ? `<p>Failure exception: <pre>${escapeHtml(m.fail_type)}</pre></p><p>Failure reason: <pre>${escapeHtml(m.fail_reason ?? '')}</pre></p>${
        m.fail_user_frame_filename
          ? `<p>In file <code>${escapeHtml(m.fail_user_frame_filename)}</code>, line ${v(m.fail_user_frame_lineno)}</p>`
          : ''
      }`
    : '<p>No failures!</p>'
}
${
  Array.isArray(m.restart_reasons) && m.restart_reasons.length > 0
    ? `<p>Restart reasons:</p><ul>${m.restart_reasons.map((r) => `<li><code>${escapeHtml(r)}</code></li>`).join('')}</ul>`
    : '<p>No restarts!</p>'
}
<h2>Cache and graph metrics</h2>
${table(
  [
    'Cache size',
    'Accumulated cache size',
    'Guards',
    'Shape env guards',
    'Graph ops',
    'Graph nodes',
    'Graph inputs',
  ],
  [
    [
      v(m.cache_size),
      v(m.accumulated_cache_size),
      v(m.guard_count),
      v(m.shape_env_guard_count),
      v(m.graph_op_count),
      v(m.graph_node_count),
      v(m.graph_input_count),
    ],
  ],
)}
<h2>Custom ops</h2>
<p>Compliant: ${(m.compliant_custom_ops ?? []).map((o) => `<code>${escapeHtml(o)}</code>`).join(', ') || '<span class="muted">none</span>'}</p>
<p>Non-compliant: ${(m.non_compliant_ops ?? []).map((o) => `<code>${escapeHtml(o)}</code>`).join(', ') || '<span class="muted">none</span>'}</p>
<h2>Symbolic shape specializations</h2>
${table(
  ['Sym', 'Source(s)', 'Value', 'Reason', 'User stack', 'Framework stack'],
  (x?.specializations ?? []).map((s) => [
    v(s.symbol),
    (s.sources ?? []).map(escapeHtml).join('<br>'),
    v(s.value),
    v(s.reason),
    st(s.user_stack),
    st(s.stack),
  ]),
)}
<h2>Guards added fast</h2>
${table(
  ['Expr', 'User stack', 'Framework stack'],
  (x?.guardsAddedFast ?? []).map((g) => [v(g.expr), st(g.user_stack), st(g.stack)]),
)}
<h2>Created symbols</h2>
${table(
  ['Symbol', 'Value', 'Range', 'Source', 'User stack', 'Framework stack'],
  (x?.createdSymbols ?? []).map((s) => [
    v(s.symbol),
    v(s.val),
    v(s.vr),
    v(s.source),
    st(s.user_stack),
    st(s.stack),
  ]),
)}
<h2>Unbacked symbols</h2>
${table(
  ['Symbol', 'Range', 'User stack', 'Framework stack'],
  (x?.unbackedSymbols ?? []).map((s) => [v(s.symbol), v(s.vr), st(s.user_stack), st(s.stack)]),
)}
<h2>All fields</h2>
<pre>${escapeText(JSON.stringify(m, null, 2))}</pre>`;
  return page(`Compilation Metrics ${p.key}`, body, { base: '..' });
}

export function renderBwdMetricsPage(
  title: string,
  env: TraceEnvelope,
  m: BwdCompilationMetricsMeta | AotAutogradBackwardCompilationMetricsMeta,
): string {
  const key = env.compileId === null ? '(unknown)' : formatCompileIdKey(env.compileId);
  const fail =
    typeof m.fail_type === 'string'
      ? `<p>Failure exception: <pre>${escapeHtml(m.fail_type)}</pre></p><p>Failure reason: <pre>${escapeHtml(m.fail_reason ?? '')}</pre></p>`
      : '<p>No failures!</p>';
  return page(
    title,
    `<h1>${escapeHtml(title)} for ${escapeHtml(key)}</h1>\n<h2>Fields</h2><pre>${escapeHtml(JSON.stringify(m, null, 2))}</pre>\n<h2>Failures</h2>${fail}`,
  );
}
