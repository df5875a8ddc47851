// What compilog shows on top of tlparse in index.html and failures_and_restarts.html, checked on the HTML
// and JSON the report writes for real PyTorch 2.11 traces and tlparse's test logs: distinct graph breaks with
// their user code, readable recompile reasons, graph sizes, cache status per kind, problems, and links that
// all lead to a file.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { diffHtml, lineDiff } from '../../src/report/compare.js';
import { writeReport } from '../../src/report/index.js';
import { prepareIndexPage } from '../../src/report/pages/index-page.js';
import { producerFromMetrics, producerFromTorchVersion } from '../../src/report/producer.js';
import { distinctRecompileReasons } from '../../src/report/recompile-reasons.js';
import { cid, traceText } from '../artifacts/trace-text.js';
import { FIXTURES, INPUTS, listFiles, tmp } from './support.js';

const TRACES = join(FIXTURES, 'traces');

// --- a small HTML reader: sections by <h2>, table rows and cells as text (enough for the pages we write) ---

const decode = (s: string) =>
  s
    .replace(/&minus;/g, '−')
    .replace(/&hellip;/g, '…')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
const text = (html: string) =>
  decode(html.replace(/<br>/g, ' ').replace(/<[^>]*>/g, ''))
    .replace(/\s+/g, ' ')
    .trim();

/** The HTML from `<h2>title...` to the next `<h2` (or the end). */
function section(html: string, title: string): string {
  const start = html.search(new RegExp(`<h2[^>]*>${title}`));
  if (start < 0) return '';
  const next = html.indexOf('<h2', start + 3);
  return html.slice(start, next < 0 ? html.length : next);
}

/** Rows of the first table in `html`, each as its raw cells' HTML (header rows left out). */
function rows(html: string): string[][] {
  const table = html.slice(html.indexOf('<table'), html.indexOf('</table>'));
  return [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)]
    .map((m) => [...m[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]))
    .filter((r) => r.length > 0);
}

function headers(html: string): string[] {
  const table = html.slice(html.indexOf('<table'), html.indexOf('</table>'));
  return [...table.matchAll(/<th[^>]*>([\s\S]*?)<\/th>/g)].map((m) => text(m[1]));
}

/** Compiles-table rows by compile id, as {column header: cell HTML}. */
function compiles(html: string): Map<string, Record<string, string>> {
  const s = section(html, 'Compiles');
  const h = headers(s);
  const out = new Map<string, Record<string, string>>();
  for (const r of rows(s)) {
    const o: Record<string, string> = {};
    r.forEach((c, i) => {
      o[h[i]] = c;
    });
    out.set(text(r[0]), o);
  }
  return out;
}

const read = (p: string) => readFileSync(p, 'utf8');

/** compilation_metrics' numbers, as the metrics page shows them in "All fields". */
function metricsOf(page: string): Record<string, unknown> {
  const m = /<h2>All fields<\/h2>\s*<pre>([\s\S]*?)<\/pre>/.exec(page);
  return JSON.parse(decode(m![1]));
}

// --- the reports, written once ---

const root = tmp('compilog-insights-');
const out = (name: string) => join(root, name);

beforeAll(async () => {
  await writeReport(join(TRACES, 'p2_graph_break'), { out: out('p2') });
  await writeReport(join(TRACES, 'p3_recompile'), { out: out('p3') });
  await writeReport(join(TRACES, 'p3_recompile'), { out: out('p3c'), compare: true });
  await writeReport(join(TRACES, 'p9_ddp'), { out: out('p9') });
  await writeReport(join(INPUTS, 'inputs/cache_hit_miss.log'), { out: out('cache') });
  await writeReport(join(INPUTS, 'inputs/comp_failure.log'), { out: out('comp_failure') });
}, 60_000);

describe('distinct graph breaks', () => {
  it('shows each break of p2 once with its user code location from the graph-break artifact', () => {
    const html = read(join(out('p2'), 'index.html'));
    const r = rows(section(html, 'Failures and Restarts'));
    expect(r.length).toBe(2);
    const [print, item] = r;
    expect(text(print[0])).toBe('1');
    expect(text(print[1])).toBe('RestartAnalysis');
    // the first line is the summary, the rest collapsible
    expect(print[2]).toMatch(
      /^<details class="reason"><summary><code>Failed to trace builtin operator<\/code><\/summary><pre>/,
    );
    expect(print[2]).toContain('Hint: Avoid calling builtin `print`');
    expect(print[3]).toContain('title="/home/user/progs/p2_graph_break.py:6 in f">p2_graph_break.py:6 in f<');
    expect(print[3]).toContain('graph break at');
    expect(text(print[4])).toBe('[0/0_1]');
    expect(item[2]).toContain(
      '<summary><code>Unsupported Tensor.item() call with capture_scalar_outputs=False</code>',
    );
    expect(item[3]).toContain('>p2_graph_break.py:8 in f<');
    expect(text(item[4])).toBe('[1/0_1]');
    // the break details link is the dynamo_graph_break_reason artifact
    const detail = /href="([^"]+)">break details/.exec(print[3])![1];
    expect(detail).toMatch(/^-_0_0_0\/dynamo_graph_break_reason_\d+\.txt$/);
    expect(read(join(out('p2'), detail))).toContain(
      'Graph break in user code at /home/user/progs/p2_graph_break.py:6',
    );
  });

  it('counts the same break at the same user code across frames (p9, rank 0) and lists every compile id', () => {
    const html = read(join(out('p9'), 'rank_0', 'index.html'));
    const r = rows(section(html, 'Failures and Restarts'));
    expect(r.map((x) => [text(x[0]), text(x[4])])).toEqual([
      ['2', '[1/0_1] [2/0_1]'],
      ['1', '[0/0_1]'],
    ]);
    expect(r[1][3]).toContain('>distributed.py:1566 in _pre_forward<');
  });

  it('shows the same distinct table on failures_and_restarts.html, and the failure frame for failures', () => {
    const page = read(join(out('p2'), 'failures_and_restarts.html'));
    const r = rows(section(page, 'Distinct'));
    expect(r.map((x) => text(x[3]))).toEqual([
      expect.stringContaining('p2_graph_break.py:6 in f'),
      expect.stringContaining('p2_graph_break.py:8 in f'),
    ]);
    // comp_failure.log logs no failing user frame (N/A:0): the compiled frame stands in, and says so
    const fail = rows(section(read(join(out('comp_failure'), 'index.html')), 'Failures and Restarts'));
    expect(fail.length).toBe(1);
    expect(text(fail[0][1])).toBe('BackendCompilerFailed');
    expect(text(fail[0][3])).toBe('in the compiled frame test_misc.py:10755 in fn');
    // the "All" table gives restarts the graph break's user code too
    const all = rows(section(page, 'All'));
    expect(all.map((x) => text(x[3]))).toEqual([
      'graph break at p2_graph_break.py:6 in f',
      'graph break at p2_graph_break.py:8 in f',
    ]);
  });
});

describe('recompile reasons', () => {
  it('shows one line per distinct failed guard with a count, the guard apart from its source', () => {
    const c = compiles(read(join(out('p3'), 'index.html')));
    const reasons = (key: string) => c.get(key)!['Recompile reasons'];
    const items = (key: string) => [...reasons(key).matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1]);
    expect(reasons('[0/0]')).toBe('');
    expect(items('[0/1]').map(text)).toEqual([
      "×1 tensor 'x' size mismatch at index 1. expected 16, actual 32 (rejected 0/0)",
    ]);
    expect(items('[0/2]').map(text)).toEqual([
      "×2 tensor 'x' size mismatch at index 0. expected 8, actual 16 (rejected 0/1, 0/0)",
    ]);
    // [0/3]: the `n == 2` guard failed for three earlier versions: one line, its code and a readable location
    const [n] = items('[0/3]');
    expect(items('[0/3]').length).toBe(1);
    expect(n).toContain('<span class="count">×3</span> <code>n == 2</code>');
    expect(n).toContain('<code>return (x.exp() * n).softmax(-1)</code>');
    expect(n).toContain('title="/home/user/progs/p3_recompile.py:5 in f">p3_recompile.py:5 in f<');
    expect(text(n)).toContain('(rejected 0/2, 0/1, 0/0)');
    expect(reasons('[0/3]')).not.toMatch(/[^h]ome\/user/); // PyTorch's cut path is not shown
    expect(items('[0/4]').map(text)).toEqual([
      "×4 tensor 'x' dtype mismatch. expected Float, actual Double (rejected 0/3, 0/2, 0/1, 0/0)",
    ]);
  });

  it('parses any guard line PyTorch writes back into guard, code and location, and counts every line once', () => {
    const word = fc.stringMatching(/^[A-Za-z_][\w.]{0,10}$/);
    const guard = fc
      .stringMatching(/^[A-Za-z_'[\]=<>!. 0-9()]{1,30}$/)
      .filter((g) => g.trim() === g && g !== '' && !g.includes('  '));
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            entry: fc.tuple(fc.nat(9), fc.nat(9)).map(([a, b]) => `${a}/${b}`),
            guard,
            code: fc.stringMatching(/^[a-z][a-z0-9 ().*+-]{0,20}[a-z0-9)]$/).filter((c) => !c.includes('  ')),
            dir: fc.array(word, { maxLength: 3 }),
            file: word,
            line: fc.integer({ min: 1, max: 99999 }),
            fn: word,
          }),
          { minLength: 1, maxLength: 6 },
        ),
        (recs) => {
          const lines = recs.map(
            (r) =>
              `${r.entry}: ${r.guard.padEnd(40)}   # ${r.code}  # ${[...r.dir, `${r.file}.py`].join('/')}:${r.line} in ${r.fn}`,
          );
          const out = distinctRecompileReasons(lines);
          expect(out.reduce((n, r) => n + r.count, 0)).toBe(recs.length);
          for (const r of recs) {
            const hit = out.find(
              (o) => o.guard === r.guard && o.code === r.code && o.location?.line === r.line,
            );
            expect(hit).toBeDefined();
            expect(hit!.location!.file.endsWith(`${r.file}.py`)).toBe(true);
            expect(hit!.location!.fn).toBe(r.fn);
            expect(hit!.entries).toContain(r.entry);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('explains what the lines are', () => {
    const s = section(read(join(out('p3'), 'index.html')), 'Compiles');
    expect(s).toContain(
      'title="why the previous compiled versions of this frame did not match">Recompile reasons',
    );
    expect(text(s)).toContain(
      'each earlier version (cache entry, e.g. 0/1) was checked against the new inputs',
    );
  });
});

describe('graph sizes', () => {
  it('uses compilation_metrics and matches the metrics page, with units (p3, p2, cache_hit_miss)', () => {
    let checked = 0;
    for (const name of ['p3', 'p2', 'cache']) {
      const dir = out(name);
      const c = compiles(read(join(dir, 'index.html')));
      const dirs: Record<string, Array<{ url: string }>> = Object.fromEntries(
        Object.entries(JSON.parse(read(join(dir, 'compile_directory.json')))).map(([k, v]) => [
          k,
          (v as { artifacts: Array<{ url: string }> }).artifacts,
        ]),
      );
      for (const [key, arts] of Object.entries(dirs)) {
        const metrics = arts.filter((a) => a.url.includes('/compilation_metrics_'));
        if (metrics.length === 0) continue;
        const m = metricsOf(read(join(dir, metrics[metrics.length - 1].url)));
        const nodes = m.graph_node_count as number;
        const ops = m.graph_op_count as number;
        const want = `${nodes} node${nodes === 1 ? '' : 's'} / ${ops} op${ops === 1 ? '' : 's'}`;
        expect(text(c.get(key)!['Graph size']), `${name} ${key}`).toBe(want);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
    const p3 = compiles(read(join(out('p3'), 'index.html')));
    expect(text(p3.get('[0/1]')!['Graph size'])).toBe('6 nodes / 3 ops');
    expect(text(compiles(read(join(out('p2'), 'index.html'))).get('[2/0]')!['Graph size'])).toBe(
      '3 nodes / 1 op',
    );
  });

  it('counts the printed dynamo graph as FX does, so the IR dumps list agrees with the metrics', () => {
    const html = read(join(out('p3'), 'index.html'));
    const graph = /dynamo_output_graph_18\.txt<\/a>[^<]*<span class="muted small">([^<]*)</.exec(html);
    expect(graph![1]).toMatch(/, 6 nodes$/);
  });

  it('never writes "1 nodes"', () => {
    for (const f of ['p2', 'p3', 'cache', 'p9/rank_0', 'p9/rank_1']) {
      const html = read(join(out(f), 'index.html'));
      expect(html, f).not.toMatch(/\b1 nodes\b|\b1 ops\b/);
    }
    expect(text(compiles(read(join(out('p9'), 'rank_0', 'index.html'))).get('[0/0_1]')!['Graph size'])).toBe(
      '1 node / 0 ops',
    );
  });
});

describe('cache status', () => {
  it('summarizes each cache per compile, the same columns for every compile (cache_hit_miss.log)', () => {
    const html = read(join(out('cache'), 'index.html'));
    const c = compiles(html);
    const h = headers(section(html, 'Compiles'));
    expect(h).toEqual(expect.arrayContaining(['FX graph cache', 'AOT autograd cache', 'Cache events']));
    expect(text(c.get('[1/0]')!['FX graph cache'])).toBe('❌ miss ×2, ✅ hit');
    expect(text(c.get('[1/0]')!['AOT autograd cache'])).toBe('❓ bypass ×3');
    // not logged: a dash, not an empty cell
    expect(text(c.get('[0/0]')!['FX graph cache'])).toBe('—');
    expect(text(c.get('[0/0]')!['AOT autograd cache'])).toBe('—');
    // the detailed list stays reachable, collapsed, in log order
    const details = c.get('[1/0]')!['Cache events'];
    expect(details).toMatch(/^<details/);
    expect([...details.matchAll(/<li><a href="[^"]+">([a-z_]+)_\d+\.json<\/a>/g)].map((m) => m[1])).toEqual([
      'fx_graph_cache_miss',
      'aotautograd_cache_bypass',
      'fx_graph_cache_hit',
      'aotautograd_cache_bypass',
      'fx_graph_cache_miss',
      'aotautograd_cache_bypass',
    ]);
  });

  it('shows a miss for both caches on every p3 compile', () => {
    const c = compiles(read(join(out('p3'), 'index.html')));
    expect([...c.keys()]).toEqual(['[0/0]', '[0/1]', '[0/2]', '[0/3]', '[0/4]']);
    for (const [k, r] of c) {
      expect(text(r['FX graph cache']), k).toBe('❌ miss');
      expect(text(r['AOT autograd cache']), k).toBe('❌ miss');
    }
  });
});

describe('compile-id-less entries', () => {
  it('leaves an empty [-/-] bucket out of the Compiles table (p2, p3), but keeps it in the IR dumps', () => {
    for (const name of ['p2', 'p3']) {
      const html = read(join(out(name), 'index.html'));
      expect([...compiles(html).keys()], name).not.toContain('[-/-]');
      expect(section(html, 'Compiles'), name).not.toContain('status-missing');
      expect(html, name).toContain('<li><a id="[-/-]">[-/-]</a>');
    }
  });

  it('shows a [-/-] bucket with artifacts as "no compile id", not as a compile with missing metrics', async () => {
    const dir = tmp('compilog-insights-nocid-');
    const input = join(dir, 'trace.log');
    writeFileSync(
      input,
      traceText([
        { meta: { artifact: { name: 'loose', encoding: 'string' } }, payload: 'x' },
        { meta: { dynamo_output_graph: {}, ...cid(0, 0) }, payload: GRAPH },
      ]),
    );
    await writeReport(input, { out: join(dir, 'out') });
    const html = read(join(dir, 'out', 'index.html'));
    const cell = compiles(html).get('[-/-] (no compile id)')!['Compile id'];
    expect(cell).toContain('class="no-cid"');
    expect(cell).not.toContain('status-');
    // no metrics: the graph size is the printed graph's count, marked as an estimate
    expect(text(compiles(html).get('[0/0]')!['Graph size'])).toBe('≈5 nodes (estimated)');
  });
});

const GRAPH = `class GraphModule(torch.nn.Module):
    def forward(self, L_x_: "f32[8, 16][16, 1]cuda:0"):
        l_x_ = L_x_
        exp: "f32[8, 16][16, 1]cuda:0" = l_x_.exp();  l_x_ = None
        mul: "f32[8, 16][16, 1]cuda:0" = exp * 2;  exp = None
        softmax: "f32[8, 16][16, 1]cuda:0" = mul.softmax(-1);  mul = None
        return (softmax,)`;

describe('problems', () => {
  it('lists the bad lines with line number and kind (simple_corrupted_json.log: an md5 mismatch)', async () => {
    const input = join(INPUTS, 'inputs/simple_corrupted_json.log');
    const dir = join(tmp(), 'out');
    await writeReport(input, { out: dir });
    const html = read(join(dir, 'index.html'));
    const s = section(html, 'Problems');
    const md5 = rows(s).filter((x) => text(x[1]) === 'md5');
    expect(md5.length).toBe(1);
    // the line the mismatching envelope is on
    const lines = read(input).split('\n');
    const n = Number(text(md5[0][0]));
    expect(lines[n - 1]).toContain('"has_payload"');
    expect(text(md5[0][2])).toContain('md5');
  });

  it('shows the first 50 and points to report.json for the rest', () => {
    const problems = Array.from({ length: 120 }, (_, i) => `json at line ${i + 1}: not JSON <b>`);
    const html = prepareIndexPage({ ...emptyBuilderLike() } as never, {
      title: 't',
      inputs: [],
      hasParity: false,
    })({ statsLine: '', chromiumEvents: 0, problems });
    const s = section(html, 'Problems');
    expect(rows(s).length).toBe(50);
    expect(rows(s)[49].map(text)).toEqual(['50', 'json', 'not JSON <b>']);
    expect(s).toContain('not JSON &lt;b&gt;');
    expect(text(s)).toContain('… and 70 more (see report.json, problems)');
    expect(s).toContain('href="report.json"');
  });

  it('has no Problems section for a clean trace', () => {
    expect(read(join(out('p3'), 'index.html'))).not.toContain('<h2 id="problems">');
  });
});

/** The parts of a builder an index page of an empty trace reads. */
function emptyBuilderLike() {
  return {
    failures: [],
    metrics: [],
    metricsIndex: new Map(),
    directory: new Map(),
    recompileReasons: new Map(),
    stackTrie: { frame: null, children: new Map(), terminals: [] },
    unknownStackTrie: { frame: null, children: new Map(), terminals: [] },
    exportIssues: [],
    hasExportedProgram: false,
    chromiumEvents: 0,
  };
}

// --- links ---

/** Every local href/src of a page that does not lead to a file (honouring <base href>). */
function deadLinks(outDir: string, page: string): string[] {
  const html = read(join(outDir, page));
  const base = /<base href="([^"]*)">/.exec(html);
  const from = resolve(dirname(join(outDir, page)), base ? decode(base[1]) : '.');
  const dead: string[] = [];
  for (const m of html.matchAll(/(<base)?\s(?:href|src)="([^"]*)"/g)) {
    if (m[1] !== undefined) continue; // the <base> itself
    const url = decode(m[2]);
    if (url === '' || url.startsWith('#') || /^[a-z][a-z0-9+.-]*:/i.test(url)) continue;
    const path = url.replace(/[#?].*$/, '');
    const target = resolve(from, decodeURIComponent(path));
    if (!existsSync(target)) dead.push(`${page}: ${m[2]}`);
  }
  return dead;
}

function deadDirectoryUrls(outDir: string, rel: string): string[] {
  const dir = JSON.parse(read(join(outDir, rel))) as Record<
    string,
    { artifacts: Array<{ url: string; readable_url: string | null }> }
  >;
  const dead: string[] = [];
  const at = dirname(join(outDir, rel));
  for (const e of Object.values(dir))
    for (const a of e.artifacts)
      for (const u of [a.url, a.readable_url]) {
        if (u === null || /^[a-z][a-z0-9+.-]*:/i.test(u)) continue;
        if (!existsSync(join(at, u))) dead.push(`${rel}: ${u}`);
      }
  return dead;
}

describe('links', () => {
  it.each(['p2', 'p3', 'p3c', 'p9', 'cache'])('every local link of %s leads to a file', (name) => {
    const dir = out(name);
    const files = listFiles(dir);
    const pages = files.filter((f) => f.endsWith('.html'));
    expect(pages.length).toBeGreaterThan(3);
    const dead = pages.flatMap((p) => deadLinks(dir, p));
    const json = files.filter((f) => f.endsWith('compile_directory.json'));
    expect(json.length).toBe(name === 'p9' ? 2 : 1);
    dead.push(...json.flatMap((j) => deadDirectoryUrls(dir, j)));
    expect(dead).toEqual([]);
  });

  it('links report.json from a rank page of a multi-rank report one folder up', () => {
    const html = read(join(out('p9'), 'rank_0', 'index.html'));
    expect(html).toContain('href="../report.json"');
    expect(html).not.toContain('href="report.json"');
    expect(read(join(out('p3'), 'index.html'))).toContain('href="report.json"');
  });

  it('percent-encodes artifact names with # ? % \\ in hrefs; compile_directory.json keeps them as written', async () => {
    const dir = tmp('compilog-insights-names-');
    const input = join(dir, 'trace.log');
    const name = 'a#b?c%d\\e f&g';
    writeFileSync(
      input,
      traceText([
        { meta: { dynamo_start: { stack: [] }, ...cid(0, 0) } },
        { meta: { artifact: { name, encoding: 'string' }, ...cid(0, 0) }, payload: 'hello' },
        {
          meta: {
            compilation_metrics: { graph_op_count: 1, graph_node_count: 3, restart_reasons: [] },
            ...cid(0, 0),
          },
        },
      ]),
    );
    const o = join(dir, 'out');
    await writeReport(input, { out: o });
    const file = `-_0_0_0/${name}_0.txt`;
    expect(statSync(join(o, file)).isFile()).toBe(true);
    const cd = JSON.parse(read(join(o, 'compile_directory.json')));
    expect(cd['[0/0]'].artifacts[0].url).toBe(file);
    const index = read(join(o, 'index.html'));
    expect(index).toContain('href="-_0_0_0/a%23b%3Fc%25d%5Ce%20f%26g_0.txt"');
    const metrics = cd['[0/0]'].artifacts[1].url as string;
    expect(read(join(o, metrics))).toContain('href="-_0_0_0/a%23b%3Fc%25d%5Ce%20f%26g_0.txt"');
    for (const p of listFiles(o).filter((f) => f.endsWith('.html'))) expect(deadLinks(o, p)).toEqual([]);
  });
});

describe('what produced the trace', () => {
  const producer = (html: string) => {
    const m = /<p class="small" id="producer">([\s\S]*?)<\/p>/.exec(html);
    return m === null ? null : m[1];
  };

  it("names PyTorch's, Python's, Triton's and CUDA's versions and links the first logged config (p3)", () => {
    const p = producer(read(join(out('p3'), 'index.html')));
    expect(p).not.toBeNull();
    expect(text(p!)).toBe(
      'Produced by PyTorch 2.11.0+cu130 · Python 3.12.3 · Triton 3.6.0 · CUDA 13.0 Configs logged: torch._functorch.config (as at the first compile)',
    );
    expect(p).toContain('href="-_0_0_0/torch._functorch.config_6.txt"');
    expect(existsSync(join(out('p3'), '-_0_0_0/torch._functorch.config_6.txt'))).toBe(true);
  });

  it('takes a torch_version artifact when no compilation_metrics names versions, and escapes what it shows', async () => {
    const dir = tmp();
    const input = join(dir, 'v.log');
    writeFileSync(
      input,
      traceText([
        {
          meta: { artifact: { name: 'torch_version', encoding: 'string' }, ...cid(0, 0) },
          payload: '2.12.0a0<b>',
        },
        { meta: { compilation_metrics: { graph_op_count: 1 }, ...cid(0, 0) } },
      ]),
    );
    await writeReport(input, { out: join(dir, 'out') });
    const p = producer(read(join(dir, 'out', 'index.html')));
    expect(p).toBe('Produced by PyTorch <code>2.12.0a0&lt;b&gt;</code>');
  });

  it('has no such line when the trace does not say', async () => {
    const dir = tmp();
    const input = join(dir, 'none.log');
    writeFileSync(input, traceText([{ meta: { dynamo_output_graph: {}, ...cid(0, 0) }, payload: GRAPH }]));
    await writeReport(input, { out: join(dir, 'out') });
    expect(producer(read(join(dir, 'out', 'index.html')))).toBeNull();
  });
});

describe('producer parsers', () => {
  it('reads the versions of a compilation_metrics record (Python: its first word)', () => {
    expect(
      producerFromMetrics({
        pytorch_version: '2.11.0+cu130',
        python_version: '3.12.3 (main, Aug 31 2026, 10:18:26) [GCC 13.3.0]',
        triton_version: null,
        cuda_version: '13.0',
      })?.versions,
    ).toEqual([
      ['PyTorch', '2.11.0+cu130'],
      ['Python', '3.12.3'],
      ['CUDA', '13.0'],
    ]);
    expect(producerFromMetrics({ graph_op_count: 3 })).toBeNull();
  });

  it('reads a torch_version payload as a plain string, a JSON string or a JSON object, and nothing else', () => {
    expect(producerFromTorchVersion('2.12.0\n')?.versions).toEqual([['PyTorch', '2.12.0']]);
    expect(producerFromTorchVersion('"2.12.0"')?.versions).toEqual([['PyTorch', '2.12.0']]);
    expect(producerFromTorchVersion('{"version": "2.12.0", "git": "abc"}')?.versions).toEqual([
      ['PyTorch', '2.12.0'],
    ]);
    expect(producerFromTorchVersion('{"git": "abc"}')).toBeNull();
    expect(producerFromTorchVersion('line one\nline two')).toBeNull();
    expect(producerFromTorchVersion('')).toBeNull();
  });
});

describe('what changed since the previous compile of a frame', () => {
  it('only with --compare: by default no compare/ folder and no column, and the legend says how', () => {
    expect(existsSync(join(out('p3'), 'compare'))).toBe(false);
    const html = read(join(out('p3'), 'index.html'));
    expect(html).not.toContain('Since the previous compile');
    expect(text(html)).toContain('run compilog report with --compare');
  });

  it('p3 with --compare: a compare page per recompile, linked from the Compiles table with its line counts', () => {
    const html = read(join(out('p3c'), 'index.html'));
    const t = compiles(html);
    expect(text(t.get('[0/0]')!['Since the previous compile'])).toBe('');
    expect(text(t.get('[0/1]')!['Since the previous compile'])).toBe('vs [0/0] guards +5 −2, graph +4 −4');
    expect(t.get('[0/1]')!['Since the previous compile']).toContain('href="compare/-_0_1_0.html"');
    for (const k of ['1', '2', '3', '4'])
      expect(existsSync(join(out('p3c'), `compare/-_0_${k}_0.html`))).toBe(true);
    expect(existsSync(join(out('p3c'), 'compare/-_0_0_0.html'))).toBe(false);
    const page = read(join(out('p3c'), 'compare/-_0_1_0.html'));
    expect(page).toContain('<h1>[0/1] compared with [0/0]</h1>');
    // x became dynamic in its second dimension: the tensor guard and the graph's signature changed
    const lines = decode(page).split('\n');
    expect(lines.some((l) => l.startsWith('<span class="del">− ') && l.includes('size=[8, 16]'))).toBe(true);
    expect(lines.some((l) => l.startsWith('<span class="add">+ ') && l.includes('size=[8, None]'))).toBe(
      true,
    );
    expect(lines.some((l) => l.includes('+     def forward(self, s27: "Sym(s27)"'))).toBe(true);
    expect(text(page)).toContain("0/0: tensor 'x' size mismatch at index 1. expected 16, actual 32");
  });

  it('pairs each compile with the previous one of its own frame, and escapes what it shows', async () => {
    const dir = tmp();
    const input = join(dir, 'frames.log');
    writeFileSync(
      input,
      traceText([
        { meta: { dynamo_output_graph: {}, ...cid(0, 0) }, payload: GRAPH },
        { meta: { dynamo_cpp_guards_str: {}, ...cid(0, 0) }, payload: 'A\nB <i>\nZ' },
        { meta: { dynamo_cpp_guards_str: {}, ...cid(1, 0) }, payload: 'other frame' },
        {
          meta: { artifact: { name: 'recompile_reasons', encoding: 'json' }, ...cid(0, 1) },
          payload: '["0/0: <b>why</b>"]',
        },
        { meta: { dynamo_cpp_guards_str: {}, ...cid(0, 1) }, payload: 'A\nC <script>x</script>\nZ' },
        { meta: { dynamo_cpp_guards_str: {}, ...cid(1, 1) }, payload: 'other frame' },
      ]),
    );
    const o = join(dir, 'out');
    await writeReport(input, { out: o, compare: true });
    expect(listFiles(o).filter((f) => f.startsWith('compare/'))).toEqual([
      'compare/-_0_1_0.html',
      'compare/-_1_1_0.html',
    ]);
    const page = read(join(o, 'compare/-_0_1_0.html'));
    expect(page).toContain('<span class="del">&minus; B &lt;i&gt;</span>');
    expect(page).toContain('<span class="add">+ C &lt;script&gt;x&lt;/script&gt;</span>');
    expect(page).not.toContain('<script>');
    expect(page).toContain('<code>0/0: &lt;b&gt;why&lt;/b&gt;</code>');
    expect(text(page)).toContain('Logged by the earlier compile only.');
    expect(text(read(join(o, 'compare/-_1_1_0.html')))).toContain(
      'Guards (dynamo_cpp_guards_str) No change.',
    );
    const t = compiles(read(join(o, 'index.html')));
    expect(text(t.get('[0/1]')!['Since the previous compile'])).toBe('vs [0/0] guards +1 −1');
    expect(text(t.get('[1/1]')!['Since the previous compile'])).toBe('vs [1/0] guards same');
  });

  it('property: the line diff gives back both texts, and marks no line that both share at the same place', () => {
    const texts = fc
      .array(fc.constantFrom('a', 'b', 'c', 'guard x', '', '<i>'), { maxLength: 30 })
      .map((ls) => ls.join('\n'));
    fc.assert(
      fc.property(texts, texts, (a, b) => {
        const runs = lineDiff(a, b);
        const lines = (kinds: string) => runs.filter((r) => kinds.includes(r.kind)).flatMap((r) => r.lines);
        // a final newline does not start another line
        const asLines = (t: string) => (t === '' ? [] : t.replace(/\n$/, '').split('\n'));
        expect(lines(' -')).toEqual(asLines(a));
        expect(lines(' +')).toEqual(asLines(b));
        if (JSON.stringify(asLines(a)) === JSON.stringify(asLines(b)))
          expect(runs.every((r) => r.kind === ' ')).toBe(true);
        // consecutive runs differ in kind (no empty or split runs)
        for (let i = 1; i < runs.length; i++)
          expect(runs[i].kind === runs[i - 1].kind && runs[i].kind === ' ').toBe(false);
        for (const r of runs) expect(r.lines.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('long middles (past the LCS table) go through jsdiff and still give back both texts', () => {
    const texts = fc
      .array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 300, maxLength: 400 })
      .map((ls) => ls.join('\n'));
    fc.assert(
      fc.property(texts, texts, (a, b) => {
        const runs = lineDiff(`x\n${a}\ny`, `z\n${b}\nw`);
        const lines = (kinds: string) => runs.filter((r) => kinds.includes(r.kind)).flatMap((r) => r.lines);
        expect(lines(' -').join('\n')).toBe(`x\n${a}\ny`);
        expect(lines(' +').join('\n')).toBe(`z\n${b}\nw`);
      }),
      { numRuns: 30 },
    );
  });

  it('shortens unchanged stretches to three lines of context around each change', () => {
    const a = `${Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n')}\n`;
    const b = a.replace('l0\n', 'x0\n').replace('l19\n', 'x19\n');
    const html = diffHtml(lineDiff(a, b));
    const rows = decode(html.replace(/<\/?pre[^>]*>/g, '')).split('\n');
    expect(rows).toEqual([
      '<span class="del">− l0</span>',
      '<span class="add">+ x0</span>',
      '  l1',
      '  l2',
      '  l3',
      '<span class="muted">  … 12 unchanged lines …</span>',
      '  l16',
      '  l17',
      '  l18',
      '<span class="del">− l19</span>',
      '<span class="add">+ x19</span>',
    ]);
  });
});

describe('compare pages of very long texts', () => {
  it('say they are too long to compare instead of diffing them', async () => {
    const dir = tmp();
    const input = join(dir, 'long.log');
    const long = Array.from({ length: 12_000 }, (_, i) => `guard ${i}: ${'x'.repeat(10)}`).join('\n');
    writeFileSync(
      input,
      traceText([
        { meta: { dynamo_cpp_guards_str: {}, ...cid(0, 0) }, payload: long },
        { meta: { dynamo_cpp_guards_str: {}, ...cid(0, 1) }, payload: `${long}\nmore` },
      ]),
    );
    const o = join(dir, 'out');
    await writeReport(input, { out: o, compare: true });
    expect(text(read(join(o, 'compare/-_0_1_0.html')))).toMatch(
      /Too long to compare here \(\d+ characters\)/,
    );
    expect(text(compiles(read(join(o, 'index.html'))).get('[0/1]')!['Since the previous compile'])).toBe(
      'vs [0/0]',
    );
  });
});

describe('hostile texts in the new views finish quickly', () => {
  it('a recompile reason of 200,000 blanks parses in one pass', () => {
    const [r] = distinctRecompileReasons([`0/0: n == 2${' '.repeat(200_000)}x`]);
    expect(r.guard.startsWith('n == 2')).toBe(true);
    const [c] = distinctRecompileReasons([`0/0: n == 2${' '.repeat(200_000)}# code  # f.py:5 in g`]);
    expect(c).toMatchObject({ guard: 'n == 2', code: 'code', location: { file: 'f.py', line: 5, fn: 'g' } });
  });

  it('two wholly different long texts diff as one replaced block, still giving back both', () => {
    const a = Array.from({ length: 20_000 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 20_000 }, (_, i) => `b${i}`).join('\n');
    const runs = lineDiff(a, b);
    expect(runs.map((r) => r.kind)).toEqual(['-', '+']);
    expect(runs[0].lines.join('\n')).toBe(a);
    expect(runs[1].lines.join('\n')).toBe(b);
  });
});
