/** Source-like payloads as HTML: generated code (highlighted in the browser), dump files, stack traces. */
import { escapeHtml, escapeText } from '../escape.js';
import { page } from './layout.js';

/** Tiny client-side Python highlighter: the report stays fast (no server-side tokenizing of big code). */
const HIGHLIGHT_JS = `
(function () {
  var kw = /\\b(def|return|import|from|class|if|elif|else|for|while|in|with|as|None|True|False|del|assert|async|await|lambda|pass|yield|raise|try|except|finally|not|and|or|is)\\b/g;
  document.querySelectorAll('pre.code span.l').forEach(function (l) {
    var t = l.textContent;
    var h = t.indexOf('#');
    if (t.indexOf("'") >= 0 || t.indexOf('"') >= 0) h = -1;
    var esc = function (s) { return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'); };
    var code = h >= 0 ? t.slice(0, h) : t;
    var html = esc(code).replace(kw, '<span class="kw">$1</span>');
    if (h >= 0) html += '<span class="com">' + esc(t.slice(h)) + '</span>';
    l.innerHTML = html;
  });
})();
`;

/** Text content only, so `&<>` are all that need escaping; escaping first, then splitting, is one pass. */
function numberedLines(text: string): string {
  const lines = escapeText(text).split('\n');
  let out = '';
  for (let i = 0; i < lines.length; i++) out += `<span class="l" id="L${i + 1}">${lines[i]}</span>`;
  return out;
}

export function renderOutputCodePage(code: string): string {
  return page('Inductor output code', `<pre class="code">${numberedLines(code)}</pre>`, {
    script: HIGHLIGHT_JS,
  });
}

/** dump_file pages: source with `id="L<n>"` anchors so stack frames can link to a line. */
export function renderDumpFilePage(source: string): string {
  return page('Source Code', `<pre class="code">${numberedLines(source)}</pre>`);
}

/** `*_readable.html` for inductor_provenance_tracking_kernel_stack_traces: each kernel, then its stacks. */
export function renderReadableStackTraces(parsed: unknown): string {
  let body = '';
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    for (const [kernel, traces] of Object.entries(parsed as Record<string, unknown>)) {
      body += `<h3>${escapeHtml(kernel)}</h3>\n`;
      if (!Array.isArray(traces)) continue;
      for (const t of traces) {
        if (typeof t !== 'string') continue;
        body += `<pre>${escapeHtml(t.replaceAll('\\n', '\n').replace(/\n+$/, ''))}</pre>\n`;
      }
    }
  }
  return page('Kernel stack traces', body);
}
