/**
 * "What changed since the previous compile of this frame": for every recompile, a page with the line diff of
 * its guards (`dynamo_cpp_guards_str`) and of its Dynamo graph (`dynamo_output_graph`) against the compile of
 * the same frame before it, next to the reasons it recompiled (pytorch#147428; the spec's "diff between
 * recompiles"). compilog's own pages, under `compare/`, outside tlparse's layout and compile_directory.json.
 *
 * Compiles of one frame come one after another in a trace, so a compile is complete once the next compile of
 * its frame logs something: only the last compile of each frame is kept (memory grows with frames, not with
 * compiles), and the rest is compared at the end.
 */
import { diffArrays } from 'diff';
import type { EnvelopeCompileId } from '../artifacts/index.js';
import { compileIdDirName, formatCompileIdKey } from '../artifacts/index.js';
import { escapeHtml, escapeText, localHref } from './escape.js';
import { page } from './pages/layout.js';
import { addTime, timingsOn } from './timings.js';

export type CompareWhat = 'guards' | 'graph';

interface CompileTexts {
  id: EnvelopeCompileId;
  guards?: string;
  graph?: string;
}

/** One compare page, as the index links it. */
export interface CompareLink {
  url: string;
  /** `[0/0]`: the compile compared with */
  against: string;
  guards: { added: number; removed: number } | null;
  graph: { added: number; removed: number } | null;
}

/** Texts longer than this are not diffed (the diff is quadratic at worst); the page says so. */
const MAX_DIFF_CHARS = 200_000;
/** unchanged lines kept around each change */
const CONTEXT = 3;

export class CompileComparer {
  /** per frame: the compile before the current one (complete), and the current one */
  private readonly frames = new Map<string, { last: CompileTexts | null; cur: CompileTexts }>();
  /** compare pages by the later compile's key (`[0/1]`) */
  readonly links = new Map<string, CompareLink>();

  constructor(
    /** writes a page (a path relative to the report folder) */
    private readonly write: (rel: string, html: string) => void,
    /** the recompile reasons of a compile, by its key */
    private readonly reasons: (key: string) => readonly string[],
  ) {}

  /** A guards or graph text of a compile (a later attempt of the same compile replaces an earlier one). */
  note(id: EnvelopeCompileId | null, what: CompareWhat, text: string): void {
    if (id === null || id.frameId === null || id.frameCompileId === null) return;
    const frame = `${id.compiledAutogradId ?? '-'}/${id.frameId}`;
    const f = this.frames.get(frame);
    const compile: EnvelopeCompileId = { ...id, attempt: 0 };
    if (f === undefined) {
      this.frames.set(frame, { last: null, cur: { id: compile, [what]: text } });
      return;
    }
    if (f.cur.id.frameCompileId !== id.frameCompileId) {
      // the next compile of this frame: the current one is complete
      if (f.last !== null) this.compare(f.last, f.cur);
      f.last = f.cur;
      f.cur = { id: compile };
    }
    f.cur[what] = text;
  }

  /** Compares what is still open (the last compile of every frame); call once, at the end. */
  finish(): void {
    for (const f of this.frames.values()) if (f.last !== null) this.compare(f.last, f.cur);
    this.frames.clear();
  }

  private compare(before: CompileTexts, after: CompileTexts): void {
    const t0 = timingsOn ? performance.now() : 0;
    this.comparePage(before, after);
    if (timingsOn) addTime('comparePages', t0);
  }

  private comparePage(before: CompileTexts, after: CompileTexts): void {
    const key = formatCompileIdKey(after.id);
    const against = formatCompileIdKey(before.id);
    const url = `compare/${compileIdDirName(after.id)}.html`;
    const guards = section('Guards', 'dynamo_cpp_guards_str', before.guards, after.guards);
    const graph = section('Dynamo graph', 'dynamo_output_graph', before.graph, after.graph);
    const reasons = this.reasons(key);
    const body = `<p class="small"><a href="../index.html">index</a></p>
<h1>${escapeHtml(key)} compared with ${escapeHtml(against)}</h1>
<p>The same frame compiled again. ${
      reasons.length > 0
        ? `Why: the guards of the earlier compiled version(s) failed on the new inputs:</p>
<ul>${reasons.map((r) => `<li><code>${escapeText(r)}</code></li>`).join('')}</ul>`
        : 'The trace logged no recompile reasons for it.</p>'
    }
<p>Lines only in ${escapeHtml(against)} are marked <span class="del">&minus;</span>, lines only in ${escapeHtml(key)} <span class="add">+</span>; unchanged stretches are shortened.</p>
${guards.html}
${graph.html}`;
    this.write(url, page(`${key} compared with ${against}`, body));
    this.links.set(key, { url, against, guards: guards.counts, graph: graph.counts });
  }
}

/** `+2 &minus;1` (HTML; ASCII, so the pages stay one-byte strings, cheaper to build and encode) */
export function changeCounts(c: { added: number; removed: number }): string {
  return c.added === 0 && c.removed === 0 ? 'same' : `+${c.added} &minus;${c.removed}`;
}

/** The index's cell for a compile: a link to its compare page with the line counts. */
export function compareCellHtml(link: CompareLink | undefined): string {
  if (link === undefined) return '';
  const parts: string[] = [];
  if (link.guards !== null) parts.push(`guards ${changeCounts(link.guards)}`);
  if (link.graph !== null) parts.push(`graph ${changeCounts(link.graph)}`);
  return `<a href="${localHref(link.url)}">vs ${escapeHtml(link.against)}</a>${
    parts.length > 0 ? `<br><span class="small">${parts.join(', ')}</span>` : ''
  }`;
}

function section(
  title: string,
  artifact: string,
  before: string | undefined,
  after: string | undefined,
): { html: string; counts: { added: number; removed: number } | null } {
  const head = `<h2>${escapeHtml(title)} <span class="muted small">(${escapeHtml(artifact)})</span></h2>`;
  if (before === undefined && after === undefined)
    return {
      html: `${head}\n<p class="muted">Not logged by either compile.</p>`,
      counts: null,
    };
  if (before === undefined || after === undefined)
    return {
      html: `${head}\n<p class="muted">Logged by ${before === undefined ? 'the later' : 'the earlier'} compile only.</p>`,
      counts: null,
    };
  if (before.length + after.length > MAX_DIFF_CHARS)
    return {
      html: `${head}\n<p class="muted">Too long to compare here (${before.length + after.length} characters); see the two files.</p>`,
      counts: null,
    };
  const changes = lineDiff(before, after);
  let added = 0;
  let removed = 0;
  for (const c of changes) {
    if (c.kind === '+') added += c.lines.length;
    else if (c.kind === '-') removed += c.lines.length;
  }
  const counts = { added, removed };
  if (added === 0 && removed === 0)
    return {
      html: `${head}\n<p>No change.</p>`,
      counts,
    };
  return { html: `${head}\n<p>${changeCounts(counts)} lines</p>${diffHtml(changes)}`, counts };
}

/** A run of lines: unchanged (' '), only in the later text ('+') or only in the earlier ('-'). */
export interface LineRun {
  kind: ' ' | '+' | '-';
  lines: string[];
}

/**
 * The line diff of two texts. The common first and last lines are cut off before the diff proper: two
 * compiles of a frame mostly differ in a few lines. The rest is diffed with an LCS table when small, else with
 * jsdiff's Myers diff.
 */
export function lineDiff(before: string, after: string): LineRun[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const runs: LineRun[] = [];
  const push = (kind: LineRun['kind'], lines: string[]) => {
    if (lines.length === 0) return;
    const last = runs[runs.length - 1];
    if (last !== undefined && last.kind === kind) last.lines.push(...lines);
    else runs.push({ kind, lines });
  };
  push(' ', a.slice(0, head));
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  if (midA.length * midB.length <= SMALL_TABLE) {
    for (const [kind, line] of lcsDiff(midA, midB)) push(kind, [line]);
  } else {
    // Myers' diff costs (lines × edits): past MAX_EDITS the middle is shown as replaced, which is still a
    // correct diff, so a hostile or wholly rewritten text cannot stall the report
    const changes = diffArrays(midA, midB, { maxEditLength: MAX_EDITS });
    if (changes === undefined) {
      push('-', midA);
      push('+', midB);
    } else for (const c of changes) push(c.added ? '+' : c.removed ? '-' : ' ', c.value);
  }
  push(' ', a.slice(a.length - tail));
  return runs;
}

/** the most edits the Myers diff looks for (see lineDiff) */
const MAX_EDITS = 1000;

/** Up to this many cells the middle is diffed with a plain LCS table (a few µs; jsdiff costs ~70 µs a call). */
const SMALL_TABLE = 1 << 16;

/** A minimal line diff from a longest-common-subsequence table: removals before additions at each change. */
function lcsDiff(a: readonly string[], b: readonly string[]): Array<[LineRun['kind'], string]> {
  const n = a.length;
  const m = b.length;
  const w = m + 1;
  // lcs[i * w + j]: the LCS length of a[i..] and b[j..]
  const lcs = new Int32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i * w + j] =
        a[i] === b[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
  const out: Array<[LineRun['kind'], string]> = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push([' ', a[i++]]);
      j++;
    } else if (j >= m || (i < n && lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) out.push(['-', a[i++]]);
    else out.push(['+', b[j++]]);
  }
  return out;
}

/** Lines of a text; a final newline does not start another line. */
const splitLines = (s: string): string[] => (s === '' ? [] : s.replace(/\n$/, '').split('\n'));

/** The changes as lines: `+`/`−` marked, unchanged stretches cut to CONTEXT lines around each change. */
export function diffHtml(runs: readonly LineRun[]): string {
  const out: string[] = [];
  runs.forEach((r, i) => {
    if (r.kind !== ' ') {
      const cls = r.kind === '+' ? 'add' : 'del';
      const mark = r.kind === '+' ? '+' : '&minus;';
      for (const l of r.lines) out.push(`<span class="${cls}">${mark} ${escapeText(l)}</span>`);
      return;
    }
    const lines = r.lines;
    const keepHead = i > 0 ? CONTEXT : 0;
    const keepTail = i < runs.length - 1 ? CONTEXT : 0;
    if (lines.length <= keepHead + keepTail + 1) {
      for (const l of lines) out.push(`  ${escapeText(l)}`);
      return;
    }
    for (const l of lines.slice(0, keepHead)) out.push(`  ${escapeText(l)}`);
    out.push(
      `<span class="muted">  &hellip; ${lines.length - keepHead - keepTail} unchanged lines &hellip;</span>`,
    );
    for (const l of lines.slice(lines.length - keepTail)) out.push(`  ${escapeText(l)}`);
  });
  return `<pre class="diff">${out.join('\n')}</pre>`;
}
