/** symbolic_guard_information_N.html (export mode): the guard, its stacks, the frame locals, and the provenance tree. */
import {
  type ExpressionCreatedMeta,
  resolveStack,
  type StringTable,
  type SymbolicGuardMeta,
} from '../../artifacts/index.js';
import { escapeHtml } from '../escape.js';
import { page } from './layout.js';
import { stackHtml } from './stack-html.js';

/** The expression tree: each node with its method and arguments, children indented (cycles cut). */
function exprTree(
  id: number,
  exprs: Map<number, ExpressionCreatedMeta>,
  strings: StringTable,
  depth: number,
  seen: Set<number>,
): string {
  if (seen.has(id)) return '';
  seen.add(id);
  const e = exprs.get(id);
  if (e === undefined) return '';
  const kids = (e.argument_ids ?? []).map((a) => exprTree(a, exprs, strings, depth + 1, seen)).join('');
  return `<div style="margin-left: ${depth * 20}px; border: 1px solid #ccc; padding: 8px; margin-top: 6px;">
<h3>${escapeHtml(e.result ?? '')}</h3>
<p><strong>Method:</strong> ${escapeHtml(e.method ?? '')}</p>
<p><strong>Arguments:</strong> ${escapeHtml((e.arguments ?? []).join(', '))}</p>
${stackHtml(resolveStack(e.user_stack, strings), 'User stack', true)}${stackHtml(resolveStack(e.stack, strings), 'Stack')}
</div>${kids}`;
}

function locals(title: string, m: Record<string, string | null> | undefined): string {
  if (!m) return '';
  const rows = Object.entries(m)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `    ${escapeHtml(k)}: ${escapeHtml(v)}`)
    .join('\n');
  return `<p>${title}:</p><pre>${rows}</pre>`;
}

export function renderSymbolicGuardPage(
  g: SymbolicGuardMeta,
  exprs: Map<number, ExpressionCreatedMeta>,
  strings: StringTable,
): string {
  const tree =
    typeof g.expr_node_id === 'number' ? exprTree(g.expr_node_id, exprs, strings, 0, new Set()) : '';
  return page(
    'Symbolic Shapes Information',
    `<h1>More detailed information on <code>${escapeHtml(g.expr ?? '')}</code></h1>
<h2>Stacktrace</h2>
${stackHtml(resolveStack(g.user_stack, strings), 'User Stack', true)}${stackHtml(resolveStack(g.stack, strings), 'Framework Stack')}
<h2>Locals</h2>
${locals('Locals', g.frame_locals?.locals)}${locals('Symbols', g.frame_locals?.symbols)}
<h2>Provenance of this guard</h2>
${tree || '<p class="muted">no expression tree logged</p>'}`,
    { base: '..' },
  );
}
