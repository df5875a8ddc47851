/**
 * Inductor provenance (tlparse -i): node-level mappings between the pre-grad graph, the post-grad graph and
 * the generated code (`inductor_provenance_tracking_node_mappings`) turned into line-number mappings, as
 * tlparse computes them, plus a three-pane page that highlights linked lines.
 */
import { escapeHtml } from './escape.js';
import { page } from './pages/layout.js';

export type LineMap = Record<string, number[]>;
export interface LineMappings {
  preToPost: LineMap;
  postToPre: LineMap;
  pyCodeToPost: LineMap;
  postToPyCode: LineMap;
  cppCodeToPost: LineMap;
  postToCppCode: LineMap;
}

/** Rust's str::lines: split on \n, drop a trailing \r, no final empty line after a trailing newline. */
function lines(text: string): string[] {
  const out = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (out.length > 0 && out[out.length - 1] === '' && text.endsWith('\n')) out.pop();
  if (text === '') return [];
  return out;
}

const validLine = (line: string, symbol: string) => {
  const t = line.trim();
  return t !== '' && !t.startsWith(symbol);
};

/** `x: "f32[2]" = ...` defines node x: the text before the first '=', then before the first ':'. */
function nodeToLine(content: string): Map<string, number> {
  const m = new Map<string, number>();
  lines(content).forEach((line, i) => {
    const t = line.trim();
    if (!validLine(t, '#')) return;
    const name = t.split('=')[0].split(':')[0].trim();
    if (name !== '') m.set(name, i + 1);
  });
  return m;
}

function withoutLeadingBlankLines(content: string): string[] {
  const ls = lines(content);
  let k = 0;
  while (k < ls.length && ls[k] === '') k++;
  return ls.slice(k);
}

/** Kernel name -> lines in the Python wrapper (after `def call(args)`, relative to the `# AOT ID:` line). */
function pythonKernelLines(content: string, kernels: string[]): Map<string, number[]> {
  const ls = withoutLeadingBlankLines(content);
  const start = Math.max(
    ls.findIndex((l) => l.includes('def') && l.includes('call') && l.includes('(args)')),
    0,
  );
  const first = Math.max(
    ls.findIndex((l) => l.includes('# AOT ID:')),
    0,
  );
  const out = new Map<string, number[]>();
  const push = (k: string, v: number) => out.set(k, [...(out.get(k) ?? []), v]);
  for (const k of kernels) {
    const colon = k.indexOf(':');
    const pure = colon >= 0 ? k.slice(0, colon) : k;
    let found = false;
    if (colon >= 0) {
      for (let i = start; i < ls.length; i++) {
        if (!ls[i].includes(k)) continue;
        for (let j = i + 1; j < ls.length; j++) {
          if (ls[j].includes(pure)) {
            push(k, j + 1 - first);
            found = true;
            break;
          }
        }
        break;
      }
    }
    if (!found) for (let i = start; i < ls.length; i++) if (ls[i].includes(pure)) push(k, i + 1 - first);
  }
  return out;
}

const XNUMEL_DECL = /^\s*\w+\s+.*_xnumel(?:_\d+)?\s*=/;

/** Kernel name -> lines in the AOTInductor C++ wrapper (after `::run_impl(`); debug handles split on the last ':'. */
function cppKernelLines(content: string, kernels: string[]): Map<string, number[]> {
  const ls = withoutLeadingBlankLines(content);
  const start = Math.max(
    ls.findIndex((l) => l.includes('::run_impl(')),
    0,
  );
  const out = new Map<string, number[]>();
  const push = (k: string, v: number) => out.set(k, [...(out.get(k) ?? []), v]);
  for (const k of kernels) {
    const colon = k.lastIndexOf(':');
    const pure = colon >= 0 ? k.slice(0, colon) : k;
    let found = false;
    if (colon >= 0) {
      for (let i = start; i < ls.length && !found; i++) {
        const l = ls[i];
        if (!(validLine(l, 'def') && validLine(l, 'static inline void') && l.includes(k))) continue;
        for (let j = i + 1; j < ls.length; j++) {
          const n = ls[j];
          if (n.includes(pure) && !n.includes('_xnumel = ') && !XNUMEL_DECL.test(n)) {
            push(k, j + 1);
            found = true;
            break;
          }
        }
      }
    }
    if (!found) for (let i = start; i < ls.length; i++) if (ls[i].includes(pure)) push(k, i + 1);
  }
  return out;
}

type NodeMap = Record<string, unknown>;
const sortedEntries = (o: unknown): Array<[string, unknown]> =>
  typeof o === 'object' && o !== null && !Array.isArray(o)
    ? Object.entries(o as NodeMap).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    : [];
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

function nodesToLines(map: unknown, from: Map<string, number>, to: Map<string, number>): LineMap {
  const out: LineMap = {};
  for (const [node, targets] of sortedEntries(map)) {
    const line = from.get(node);
    if (line === undefined) continue;
    const ts = strings(targets)
      .map((t) => to.get(t))
      .filter((x): x is number => x !== undefined);
    if (ts.length > 0) out[String(line)] = ts;
  }
  return out;
}

function kernelsToPost(map: unknown, kernels: Map<string, number[]>, post: Map<string, number>): LineMap {
  const out: LineMap = {};
  for (const [kernel, nodes] of sortedEntries(map)) {
    for (const kl of kernels.get(kernel) ?? []) {
      const ts = strings(nodes)
        .map((n) => post.get(n))
        .filter((x): x is number => x !== undefined);
      if (ts.length > 0) out[String(kl)] = ts;
    }
  }
  return out;
}

function postToKernels(map: unknown, post: Map<string, number>, kernels: Map<string, number[]>): LineMap {
  const out: LineMap = {};
  for (const [node, names] of sortedEntries(map)) {
    const line = post.get(node);
    if (line === undefined) continue;
    const ts = strings(names).flatMap((k) => kernels.get(k) ?? []);
    if (ts.length > 0) out[String(line)] = ts;
  }
  return out;
}

/** tlparse's convert_node_mappings_to_line_numbers; `{}` pieces when the mappings are missing or not JSON. */
export function lineMappings(
  nodeMappings: string,
  pre: string,
  post: string,
  pyCode: string,
  cppCode: string,
): LineMappings | Record<string, never> {
  let m: NodeMap;
  try {
    const v = JSON.parse(nodeMappings);
    if (typeof v !== 'object' || v === null) return {};
    m = v as NodeMap;
  } catch {
    return {};
  }
  const kernels = sortedEntries(m.cppCodeToPost).map(([k]) => k);
  const preLines = nodeToLine(pre);
  const postLines = nodeToLine(post);
  const py = pythonKernelLines(pyCode, kernels);
  const cpp = cppKernelLines(cppCode, kernels);
  return {
    preToPost: nodesToLines(m.preToPost, preLines, postLines),
    postToPre: nodesToLines(m.postToPre, postLines, preLines),
    pyCodeToPost: kernelsToPost(m.cppCodeToPost, py, postLines),
    postToPyCode: postToKernels(m.postToCppCode, postLines, py),
    cppCodeToPost: kernelsToPost(m.cppCodeToPost, cpp, postLines),
    postToCppCode: postToKernels(m.postToCppCode, postLines, cpp),
  };
}

const PANE_JS = `
(function () {
  var maps = JSON.parse(document.getElementById('lineMappings').textContent);
  var links = { pre: [['post', 'preToPost']], post: [['pre', 'postToPre'], ['code', 'postToPyCode'], ['code', 'postToCppCode']],
    code: [['post', 'pyCodeToPost'], ['post', 'cppCodeToPost']] };
  function clear() { document.querySelectorAll('.hl').forEach(function (e) { e.classList.remove('hl'); }); }
  document.querySelectorAll('.pane span.l').forEach(function (l) {
    l.addEventListener('click', function () {
      clear();
      l.classList.add('hl');
      var pane = l.parentNode.dataset.pane, n = l.dataset.n;
      (links[pane] || []).forEach(function (pair) {
        ((maps[pair[1]] || {})[n] || []).forEach(function (t) {
          var el = document.querySelector('pre[data-pane="' + pair[0] + '"] span.l[data-n="' + t + '"]');
          if (el) { el.classList.add('hl'); el.scrollIntoView({ block: 'center' }); }
        });
      });
    });
  });
})();
`;

function pane(name: string, title: string, text: string): string {
  const body = lines(text)
    .map((l, i) => `<span class="l" data-n="${i + 1}">${escapeHtml(l)}</span>`)
    .join('');
  return `<div><h3>${escapeHtml(title)}</h3><pre class="code pane" data-pane="${name}">${body}</pre></div>`;
}

export function renderProvenancePage(
  dir: string,
  pre: string,
  post: string,
  code: string,
  mappings: unknown,
): string {
  // JSON inside <script>: '<' escaped so no payload can close the tag
  const json = JSON.stringify(mappings, null, 2).replace(/</g, '\\u003c');
  return page(
    `Provenance tracking ${dir}`,
    `<h1>Provenance tracking: ${escapeHtml(dir)}</h1>
<p class="muted">Click a line to highlight the lines it maps to in the other panes.</p>
<style>.panes { display: grid; grid-template-columns: 1fr 1fr 1fr; gap: 8px; } .pane { max-height: 80vh; overflow: auto; }
.hl { background: #ffe680; }</style>
<div class="panes">${pane('pre', 'Pre-grad graph', pre)}${pane('post', 'Post-grad graph', post)}${pane('code', 'Generated code', code)}</div>
<script id="lineMappings" type="application/json">${json}</script>`,
    { script: PANE_JS },
  );
}
