// The single-file report against tlparse's own outputs for every input it ships (default flags), and
// the exact facts tlparse's integration tests assert.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ReportSummary, tlparseStatsLine, writeReport } from '../../src/report/index.js';
import { EXPECTED, FIXTURES, INPUTS, listFiles, manifest, readJson, tlparseLayout, tmp } from './support.js';

const defaults = manifest.filter((r) => r.name.endsWith('__default'));

describe.each(defaults.map((r) => [r.input, r] as const))('%s', (_input, run) => {
  const out = join(tmp(), 'out');
  let summary: ReportSummary;
  beforeAll(async () => {
    summary = await writeReport(join(INPUTS, run.input), { out });
  });

  it('writes the same compile_directory.json as tlparse (keys, compile ids, artifacts, numbers, urls)', () => {
    const expected = readFileSync(join(EXPECTED, 'compile_directory', `${run.name}.json`), 'utf8');
    expect(readJson(join(out, 'compile_directory.json'))).toEqual(JSON.parse(expected));
  });

  it('lists compile ids in tlparse index order', () => {
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const ids = [...html.matchAll(/<li><a id="([^"]+)">/g)].map((m) => m[1].replace(/&amp;/g, '&'));
    expect(ids).toEqual(run.summary!.index_compile_ids);
  });

  it('writes the same set of files as tlparse', () => {
    expect(tlparseLayout(listFiles(out))).toEqual(run.files.map((f) => f[0]).sort());
  });

  it('copies raw.log and payloads byte for byte, with tlparse file sizes', () => {
    const sizes = new Map(run.files);
    expect(readFileSync(join(out, 'raw.log')).equals(readFileSync(join(INPUTS, run.input)))).toBe(true);
    for (const f of listFiles(out).filter((x) => x.startsWith('payloads/') || x.endsWith('.txt'))) {
      expect(readFileSync(join(out, f)).length, f).toBe(sizes.get(f));
    }
  });

  it('writes raw.jsonl like tlparse: string table first, one line per non-chromium envelope', () => {
    const lines = readFileSync(join(out, 'raw.jsonl'), 'utf8').trimEnd().split('\n');
    const s = run.summary!;
    expect(lines.length).toBe(s.raw_jsonl_lines);
    expect(lines[0].startsWith('{"string_table":')).toBe(true);
    expect((JSON.parse(lines[0]).string_table as unknown[]).length).toBe(s.string_table_len);
    const objs = lines.slice(1).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs.filter((o) => 'payload_filename' in o).length).toBe(s.raw_jsonl_payload_filename_count);
    for (const o of objs) {
      expect(typeof o.timestamp).toBe('string');
      expect(typeof o.thread).toBe('number');
      expect(typeof o.pathname).toBe('string');
      expect(typeof o.lineno).toBe('number');
      if (typeof o.payload_filename === 'string')
        expect(existsSync(join(out, o.payload_filename))).toBe(true);
    }
  });

  it('keeps the chromium events tlparse keeps', () => {
    expect((readJson(join(out, 'chromium_events.json')) as unknown[]).length).toBe(
      run.summary!.chromium_events_count,
    );
  });

  it('colours the stack trie and lists failures like tlparse', () => {
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const trie = html.slice(html.indexOf('<h2>Stack trie</h2>'), html.indexOf('<h2>Compiles</h2>'));
    const links = [...trie.matchAll(/<a href="#([^"]+)" class="(status-[a-z]+)">/g)].map((m) => [m[1], m[2]]);
    expect(links).toEqual(run.summary!.stack_trie_links);
    expect(summary.failures).toBe(run.summary!.num_breaks);
    const types = run.summary!.failures_and_restarts.map(([id, row]) => [
      id,
      row
        .split('|')
        .map((c) => c.trim())
        .find((c) => c !== '')!,
    ]);
    const page = readFileSync(join(out, 'failures_and_restarts.html'), 'utf8');
    for (const [id, type] of types) {
      expect(page).toContain(`${id}</a></td><td>${type}</td>`);
    }
  });

  it('counts what tlparse counts', () => {
    const statsLine = run.stats_lines.find((l) => l.startsWith('Stats'));
    expect(tlparseStatsLine(summary.tlparse_stats[0])).toBe(statsLine);
  });
});

describe('strict mode agrees with tlparse --strict', () => {
  const strictRuns = manifest.filter((r) => r.flags.includes('--strict') && !r.flags.includes('--export'));
  it.each(strictRuns.map((r) => [r.name, r] as const))('%s', async (_n, run) => {
    const summary = await writeReport(join(INPUTS, run.input), { out: join(tmp(), 'out') });
    expect(summary.tlparse_strict_failures > 0).toBe(run.rc !== 0);
    // compilog's --strict is stricter (invalid UTF-8, a broken .gz stream), never laxer
    expect(summary.strict_failures).toBeGreaterThanOrEqual(summary.tlparse_strict_failures);
  });
});

describe('what tlparse integration tests assert', () => {
  it('comp_metrics: payloads/ holds exactly the three dynamo_guards payloads; attempts get their folders', async () => {
    const out = join(tmp(), 'out');
    await writeReport(join(INPUTS, 'inputs/comp_metrics.log'), { out });
    expect(readdirSync(join(out, 'payloads')).sort()).toEqual([
      '11726d08889974e57b12edee2812504e.txt',
      '29e35548d59d0e446f0c8a3f3010cc72.txt',
      'e18e1bcb67140c0a67427a6119556f7a.txt',
    ]);
    const files = listFiles(out);
    for (const p of [
      '-_0_0_1/dynamo_output_graph',
      '-_0_0_1/compilation_metrics',
      '-_1_0_1/compilation_metrics',
      '-_2_0_0/dynamo_output_graph',
    ]) {
      expect(files.some((f) => f.startsWith(p))).toBe(true);
    }
  });

  it('cache_hit_miss: the global output counter gives the exact numbered names', async () => {
    const out = join(tmp(), 'out');
    await writeReport(join(INPUTS, 'inputs/cache_hit_miss.log'), { out });
    for (const f of [
      '-_1_0_0/fx_graph_cache_miss_33.json',
      '-_1_0_0/fx_graph_cache_miss_9.json',
      '-_1_0_0/fx_graph_cache_hit_20.json',
    ]) {
      expect(existsSync(join(out, f))).toBe(true);
    }
    const cd = readJson(join(out, 'compile_directory.json')) as Record<
      string,
      { artifacts: Array<{ name: string; suffix: string }> }
    >;
    const suffix = (n: string) => cd['[1/0]'].artifacts.find((a) => a.name === n)?.suffix;
    expect([
      suffix('fx_graph_cache_miss_9.json'),
      suffix('fx_graph_cache_hit_20.json'),
      suffix('aotautograd_cache_bypass_10.json'),
    ]).toEqual(['❌', '✅', '❓']);
  });

  it('kernel stack traces get a readable page with real newlines, linked from the index', async () => {
    const out = join(tmp(), 'out');
    await writeReport(join(INPUTS, 'inputs/inductor_provenance_extended_log.txt'), { out });
    const readable = listFiles(out).find((f) => f.endsWith('_readable.html'))!;
    expect(readable).toContain('inductor_provenance_tracking_kernel_stack_traces');
    const html = readFileSync(join(out, readable), 'utf8');
    expect(html).toContain('line 1\n  foo()');
    expect(html).not.toContain('\\n');
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('_readable.html">readable_html</a>');
  });

  it('runtime compile ids without attempt fold into one [0/0] row (tlparse PR #101)', async () => {
    const out = join(tmp(), 'out');
    const s = await writeReport(join(INPUTS, 'inputs/autotune_with_compile_id.log'), { out });
    const cd = readJson(join(out, 'compile_directory.json')) as Record<string, unknown>;
    expect(Object.keys(cd).filter((k) => k.startsWith('[0/0'))).toEqual(['[0/0]']);
    expect(s.stats.unknownKeys).toEqual({ compilation_metrics_runtime: 1 });
  });

  it('links.log: a link entry points at its external url', async () => {
    const out = join(tmp(), 'out');
    await writeReport(join(INPUTS, 'inputs/links.log'), { out });
    const cd = readJson(join(out, 'compile_directory.json')) as Record<
      string,
      { artifacts: Array<{ url: string; name: string }> }
    >;
    expect(
      Object.values(cd)
        .flatMap((e) => e.artifacts)
        .find((a) => a.name === 'manifold_url')?.url,
    ).toBe('https://www.google.com');
  });
});

describe('PyTorch 2.11 traces (fixtures) against tlparse', () => {
  const cases: Array<[string, string, string]> = [];
  for (const d of readdirSync(join(FIXTURES, 'traces'))) {
    for (const f of readdirSync(join(FIXTURES, 'traces', d))) {
      const rank = /rank_(\d+)/.exec(f);
      const exp = rank
        ? join(FIXTURES, 'tlparse-out', d.split('_')[0], `rank_${rank[1]}.compile_directory.json`)
        : join(FIXTURES, 'tlparse-out', `${d}.compile_directory.json`);
      cases.push([`${d}/${f}`, join(FIXTURES, 'traces', d, f), exp]);
    }
  }
  it.each(cases)('%s: compile_directory.json is byte-identical', async (_n, input, expected) => {
    const out = join(tmp(), 'out');
    await writeReport(input, { out });
    expect(readFileSync(join(out, 'compile_directory.json'), 'utf8')).toBe(
      readFileSync(expected, 'utf8').trimEnd(),
    );
  });
});

describe('draft export logs are recognised without --export (tlparse export tests)', () => {
  it.each([
    ['inputs/export.log', 'Data Dependent Error'],
    ['inputs/export_guard_added.log', 'Guard Evaluated'],
  ])('%s: one issue, %s', async (input, type) => {
    const out = join(tmp(), 'out');
    await writeReport(join(INPUTS, input), { out });
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('<strong>1 issue(s) were found during export.</strong>');
    expect(html).toContain(`<tr><td>${type}</td>`);
  });

  it('an ordinary compile log has no draft-export section', async () => {
    const out = join(tmp(), 'out');
    await writeReport(join(INPUTS, 'inputs/simple.log'), { out });
    expect(readFileSync(join(out, 'index.html'), 'utf8')).not.toContain('Draft export');
  });
});

describe('--export (tlparse export tests)', () => {
  it.each([
    ['export.log', 'Data Dependent Error'],
    ['export_guard_added.log', 'Guard Evaluated'],
  ])('%s: exactly tlparse files, one %s issue with its guard page', async (input, type) => {
    const out = join(tmp(), 'out');
    await writeReport(join(INPUTS, 'inputs', input), { out, exportMode: true });
    const run = manifest.find((r) => r.name === `${input}__testmode`)!;
    expect(tlparseLayout(listFiles(out))).toEqual(run.files.map((f) => f[0]).sort());
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('Draft Export Report');
    expect(html).toContain('<strong>1 issue(s) were found during export.</strong>');
    expect(html).toContain(`<tr><td>${type}</td>`);
    expect(html).toContain('<a href="-_-_-_-/symbolic_guard_information_0.html">details</a>');
    const guard = readFileSync(join(out, '-_-_-_-/symbolic_guard_information_0.html'), 'utf8');
    expect(guard).toContain('More detailed information on <code>');
    expect(guard).toContain('<h2>Provenance of this guard</h2>');
  });
});
