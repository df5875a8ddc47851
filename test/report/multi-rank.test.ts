// Multi-rank reports against what tlparse --all-ranks-html produced for the same directories, and the
// landing-page facts tlparse's own tests assert (including the variants its tests build in temp dirs).
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ReportSummary, writeReport } from '../../src/report/index.js';
import { EXPECTED, INPUTS, listFiles, manifest, readJson, tlparseLayout, tmp } from './support.js';

const runs = manifest.filter((r) => r.name.endsWith('__allranks'));

describe.each(runs.map((r) => [r.name, r] as const))('%s', (_name, run) => {
  const out = join(tmp(), 'out');
  let summary: ReportSummary;
  let landing: string;
  beforeAll(async () => {
    summary = await writeReport(join(INPUTS, run.input), { out, allRanks: true });
    landing = readFileSync(join(out, 'index.html'), 'utf8');
  });

  it('reports every rank file, with the same compile directory per rank as tlparse', () => {
    const ranks = Object.keys(run.per_rank ?? {}).sort();
    expect(summary.mode).toBe('multi-rank');
    expect(summary.ranks.map((r) => `rank_${r}`).sort()).toEqual(ranks);
    for (const rank of ranks) {
      const got = readJson(join(out, rank, 'compile_directory.json'));
      expect(got).toEqual(readJson(join(EXPECTED, 'compile_directory', run.name, `${rank}.json`)));
      const pr = run.per_rank![rank];
      const raw = readFileSync(join(out, rank, 'raw.jsonl'), 'utf8')
        .trimEnd()
        .split('\n');
      expect(raw.length).toBe(pr.raw_jsonl_lines);
      expect((readJson(join(out, rank, 'chromium_events.json')) as unknown[]).length).toBe(
        pr.chromium_events_count,
      );
      expect(readFileSync(join(out, rank, 'index.html'), 'utf8')).toContain('collectives_parity.json');
    }
  });

  it('has the same per-rank files as tlparse', () => {
    const expected = run.files.map((f) => f[0]).filter((f) => /^rank_\d+\//.test(f));
    const got = tlparseLayout(listFiles(out)).filter((f) => /^rank_\d+\//.test(f));
    expect(got).toEqual(expected.sort());
  });

  it('writes the same top-level files', () => {
    const expected = run.files.map((f) => f[0]).filter((f) => !f.includes('/'));
    expect(tlparseLayout(listFiles(out)).filter((f) => !f.includes('/'))).toEqual(expected.sort());
  });

  it('shows the landing-page facts tlparse shows', () => {
    for (const [text, present] of Object.entries(run.landing as Record<string, boolean>)) {
      expect(landing.includes(text), `${present ? 'missing' : 'unexpected'}: ${text}`).toBe(present);
    }
    for (const link of run.landing_rank_links as string[]) expect(landing).toContain(`<a href="${link}">`);
    for (const group of run.landing_groups as string[]) expect(landing).toContain(`Ranks: ${group}<`);
    for (const line of run.landing_runtime_lines as string[]) {
      const m = /^Graph (\S+): (.*)$/.exec(line)!;
      expect(landing).toContain(`Graph ${m[1]}:</strong> ${m[2]}`);
    }
  });

  it('combines chromium events with pid = rank', () => {
    const events = readJson(join(out, 'chromium_events.json')) as Array<{ pid: number }>;
    expect([...new Set(events.map((e) => e.pid))].sort()).toEqual(run.combined_chromium);
  });

  it('finds the same collective schedules and parity rows', () => {
    const exp = run.collective_schedules as Array<{ rank: number; graph: string; ops: string[] }> | undefined;
    if (exp === undefined || exp === null) {
      expect(existsSync(join(out, 'collective_schedules.json'))).toBe(false);
    } else {
      const got = readJson(join(out, 'collective_schedules.json')) as typeof exp;
      const key = (s: { rank: number; graph: string }) => `${s.rank}/${s.graph}`;
      expect(got.map(key).sort()).toEqual(exp.map(key).sort());
      for (const s of exp) expect(got.find((g) => key(g) === key(s))!.ops).toEqual(s.ops);
    }
    const parity = run.collectives_parity as Record<string, { graphs: Array<{ graph: string }> }>;
    for (const [rank, rep] of Object.entries(parity)) {
      const got = readJson(join(out, rank, 'collectives_parity.json')) as typeof rep;
      const sortG = (g: Array<{ graph: string }>) => [...g].sort((a, b) => a.graph.localeCompare(b.graph));
      expect(sortG(got.graphs)).toEqual(sortG(rep.graphs));
    }
  });
});

describe('tlparse multi-rank test variants built in temp dirs', () => {
  const simple = join(INPUTS, 'inputs/simple.log');
  const cache = join(INPUTS, 'inputs/cache_hit_miss.log');
  const rankDir = (files: Array<[string, string]>) => {
    const dir = tmp('compilog-ranks-');
    for (const [name, src] of files) copyFileSync(src, join(dir, name));
    return dir;
  };
  const landingOf = async (dir: string) => {
    const out = join(tmp(), 'out');
    await writeReport(dir, { out, allRanks: true });
    return readFileSync(join(out, 'index.html'), 'utf8');
  };

  it('identical ranks: no compile-id or cache divergence', async () => {
    const html = await landingOf(
      rankDir([
        ['dedicated_log_torch_trace_rank_0.log', simple],
        ['dedicated_log_torch_trace_rank_1.log', simple],
      ]),
    );
    expect(html).not.toContain('Diverging Compilation IDs detected');
    expect(html).not.toContain('Diverging Cache hit/miss patterns detected');
  });

  it('cache_hit_miss vs simple: diverging cache patterns; cache_hit_miss twice: none', async () => {
    const diverging = await landingOf(
      rankDir([
        ['dedicated_log_torch_trace_rank_0.log', cache],
        ['dedicated_log_torch_trace_rank_1.log', simple],
      ]),
    );
    expect(diverging).toContain('Diverging Cache hit/miss patterns detected');
    const same = await landingOf(
      rankDir([
        ['dedicated_log_torch_trace_rank_0.log', cache],
        ['dedicated_log_torch_trace_rank_1.log', cache],
      ]),
    );
    expect(same).not.toContain('Diverging Cache hit/miss patterns detected');
  });

  it('the "sparse" variant: an empty rank_1 gives pids {0,2,3}', async () => {
    const ev = join(INPUTS, 'inputs/chromium_events.log');
    const dir = rankDir([
      ['dedicated_log_torch_trace_rank_0.log', ev],
      ['dedicated_log_torch_trace_rank_2.log', ev],
      [
        'dedicated_log_torch_trace_rank_3.log',
        join(INPUTS, 'inputs/multi_rank_logs/dedicated_log_torch_trace_rank_3.log'),
      ],
    ]);
    writeFileSync(join(dir, 'dedicated_log_torch_trace_rank_1.log'), '');
    const out = join(tmp(), 'out');
    await writeReport(dir, { out, allRanks: true });
    const events = readJson(join(out, 'chromium_events.json')) as Array<{ pid: number }>;
    expect([...new Set(events.map((e) => e.pid))].sort()).toEqual([0, 2, 3]);
    expect(events.length).toBe(6 + 6 + 179);
    expect(readJson(join(out, 'rank_1/chromium_events.json'))).toEqual([]);
  });

  it('schedule ranks 0 and 2 only: no collective divergence', async () => {
    const sched = join(INPUTS, 'inputs/multi_rank_schedule');
    const html = await landingOf(
      rankDir([
        [
          'dedicated_log_torch_trace_rank_0.log',
          join(sched, 'dedicated_log_torch_trace_rank_0_6u3fubwl.log'),
        ],
        ['dedicated_log_torch_trace_rank_2.log', join(sched, 'dedicated_log_torch_trace_rank_2.log')],
      ]),
    );
    expect(html).not.toContain('Warning:</strong> Diverging collective operation sequences');
  });

  it('runtime ranks 0-3: a runtime delta per graph', async () => {
    const rt = join(INPUTS, 'inputs/multi_rank_runtime');
    const html = await landingOf(
      rankDir(
        [0, 1, 2, 3].map((r) => [
          `dedicated_log_torch_trace_rank_${r}.log`,
          join(rt, `dedicated_log_torch_trace_rank_${r}.log`),
        ]),
      ),
    );
    expect(html).toContain('Graph Runtime Analysis');
    expect(html).toContain(
      'Graph -_0_0_0:</strong> 2.071 ms delta (Fastest: Rank 0 - 13.806 ms, Slowest: Rank 3 - 15.877 ms)',
    );
    expect(html).not.toContain('Runtime analysis not available');
  });

  it('runtime_estimations.json and the runtime trace have tlparse shape', async () => {
    const out = join(tmp(), 'out');
    await writeReport(join(INPUTS, 'inputs/multi_rank_runtime'), { out, allRanks: true });
    const est = readJson(join(out, 'runtime_estimations.json')) as Array<{
      rank: number;
      ops: Array<Record<string, unknown>>;
    }>;
    expect(new Set(est.map((e) => e.rank))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6]));
    for (const e of est) {
      for (const op of e.ops) {
        expect(typeof op.name).toBe('string');
        expect(typeof op.estimated_runtime_ns).toBe('number');
        expect(op).not.toHaveProperty('type');
      }
    }
    const trace = readJson(join(out, 'chromium_trace_with_runtime.json')) as Array<Record<string, unknown>>;
    const xs = trace.filter((e) => e.ph === 'X' && e.cat === 'runtime') as unknown as Array<{
      dur: number;
      pid: number;
      args: { rank: number; graph: string; runtime_ns: number };
    }>;
    expect(xs.length).toBeGreaterThan(0);
    for (const x of xs) {
      expect(x.dur).toBeGreaterThan(0);
      expect(x.pid).toBe(x.args.rank);
      expect(typeof x.args.graph).toBe('string');
    }
    expect(new Set(xs.map((x) => x.pid))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6]));
  });

  it('a directory without rank files and --all-ranks is a clear error', async () => {
    const dir = rankDir([['dedicated_log_torch_trace_abc.log', simple]]);
    await expect(writeReport(dir, { out: join(tmp(), 'o'), allRanks: true })).rejects.toMatchObject({
      code: 'E_TRACE_NO_RANK_FILES',
    });
    await expect(
      writeReport(dir, { out: join(tmp(), 'o'), allRanks: true, latest: true }),
    ).rejects.toMatchObject({
      code: 'E_REPORT_FLAGS',
    });
  });
});
