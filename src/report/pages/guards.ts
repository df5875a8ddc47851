/** dynamo_guards_N.html: each guard's code, plus the user stack tlparse drops (guard provenance). */
import { type RawFrame, resolveStack, type StringTable } from '../../artifacts/index.js';
import { escapeHtml } from '../escape.js';
import { page } from './layout.js';
import { stackHtml } from './stack-html.js';

interface Guard {
  code: string;
  stack?: RawFrame[] | null;
  user_stack?: RawFrame[] | null;
}

export function renderGuardsPage(guards: Guard[], strings: StringTable): string {
  const items = guards
    .map((g) => {
      const user = Array.isArray(g.user_stack)
        ? stackHtml(resolveStack(g.user_stack, strings), 'User stack')
        : '';
      return `<li><code>${escapeHtml(g.code)}</code>${user}</li>`;
    })
    .join('\n');
  return page(
    'Guards',
    `<h2>Guards</h2>\n<p class="muted">${guards.length} guard(s)</p>\n<ul>\n${items}\n</ul>`,
    {
      base: '..',
    },
  );
}
