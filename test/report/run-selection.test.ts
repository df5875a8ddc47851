import { copyFileSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, readJson, reportCli, tmp } from './support.js';

const P9 = join(FIXTURES, 'traces/p9_ddp');
const RANK0 = 'dedicated_log_torch_trace_rank_0_izrxdb2w.log';
const RANK1 = 'dedicated_log_torch_trace_rank_1_uhaecc0p.log';
const SINGLE = join(FIXTURES, 'traces/p1_simple/dedicated_log_torch_trace_bhxjml22.log');

const cli = reportCli;

interface NotReported {
  path: string;
  name: string;
  size: number;
  mtime: string;
  reason: string;
}

const T = 1_750_000_000_000;

/** Copies `src` to `dir/name` with mtime T + `at` seconds; returns its path. */
function put(dir: string, src: string, name: string, at: number): string {
  const p = join(dir, name);
  copyFileSync(src, p);
  utimesSync(p, new Date(T + at * 1000), new Date(T + at * 1000));
  return p;
}

describe('a directory with more than one run', () => {
  it('the newest file is a rank file: every rank of that run is reported, the older single trace listed', () => {
    const dir = tmp();
    const traces = join(dir, 'traces');
    mkdirSync(traces);
    const old = put(traces, SINGLE, 'dedicated_log_torch_trace_old.log', 0);
    const r0 = put(traces, join(P9, RANK0), RANK0, 100);
    const r1 = put(traces, join(P9, RANK1), RANK1, 101);
    const out = join(dir, 'out');
    const r = cli(traces, '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { mode: string; ranks: number[]; not_reported: NotReported[] };
    expect(s.mode).toBe('multi-rank');
    expect(s.ranks).toEqual([0, 1]);
    const expected: NotReported = {
      path: old,
      name: 'dedicated_log_torch_trace_old.log',
      size: readFileSync(SINGLE).length,
      mtime: new Date(T).toISOString(),
      reason: 'not in the newest run',
    };
    expect(s.not_reported).toEqual([expected]);
    const report = readJson(join(out, 'report.json')) as {
      inputs: string[];
      skipped: string[];
      not_reported: NotReported[];
    };
    expect(report.inputs).toEqual([r0, r1]);
    expect(report.skipped).toEqual([old]);
    expect(report.not_reported).toEqual([expected]);
    expect(r.stderr).toContain('other traces in this directory, not reported:');
    expect(r.stderr).toContain(
      `dedicated_log_torch_trace_old.log (${expected.size} bytes, modified ${expected.mtime})`,
    );
    expect(r.stderr).toContain(`compilog report ${old} --out ${out}-dedicated_log_torch_trace_old`);
    const landing = readFileSync(join(out, 'index.html'), 'utf8');
    expect(landing).toContain('Other traces in this directory, not reported');
    expect(landing).toContain('<code>dedicated_log_torch_trace_old.log</code>');
    expect(landing).toContain(`compilog report ${old} --out ${out}-dedicated_log_torch_trace_old`);
    expect(landing.indexOf('Other traces')).toBeLessThan(landing.indexOf('<footer>'));
    // the rank pages do not carry the list
    expect(readFileSync(join(out, 'rank_0/index.html'), 'utf8')).not.toContain('Other traces');
  });

  it('the newest file is a single trace: only it is reported, the rank files listed', () => {
    const dir = tmp();
    const traces = join(dir, 'traces');
    mkdirSync(traces);
    const single = put(traces, SINGLE, 'dedicated_log_torch_trace_new.log', 200);
    put(traces, join(P9, RANK0), RANK0, 100);
    put(traces, join(P9, RANK1), RANK1, 101);
    const out = join(dir, 'out');
    const r = cli(traces, '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { mode: string; not_reported: NotReported[] };
    expect(s.mode).toBe('single');
    expect(s.not_reported.map((f) => f.name)).toEqual([RANK1, RANK0]);
    expect((readJson(join(out, 'report.json')) as { inputs: string[] }).inputs).toEqual([single]);
    const index = readFileSync(join(out, 'index.html'), 'utf8');
    expect(index).toContain('Other traces in this directory, not reported');
    expect(index).toContain(`<code>${RANK0}</code>`);
    expect(index).toContain(`<code>${RANK1}</code>`);
  });

  it('a rank file of an older run: the newest file of each rank is reported', () => {
    const dir = tmp();
    const traces = join(dir, 'traces');
    mkdirSync(traces);
    const stale = put(traces, join(P9, RANK0), 'dedicated_log_torch_trace_rank_0_old.log', 10);
    const r0 = put(traces, join(P9, RANK0), RANK0, 100);
    const r1 = put(traces, join(P9, RANK1), RANK1, 101);
    const out = join(dir, 'out');
    const s = JSON.parse(cli(traces, '--out', out, '--json').stdout) as { not_reported: NotReported[] };
    expect((readJson(join(out, 'report.json')) as { inputs: string[] }).inputs).toEqual([r0, r1]);
    expect(s.not_reported.map((f) => f.path)).toEqual([stale]);
  });

  it('a file that is not a trace is listed with why, and the newest good file is reported', () => {
    const dir = tmp();
    const traces = join(dir, 'traces');
    mkdirSync(traces);
    const good = put(traces, SINGLE, 'dedicated_log_torch_trace_good.log', 0);
    const bad = join(traces, 'dedicated_log_torch_trace_notes.log');
    writeFileSync(bad, '# notes\nnot a trace\n');
    utimesSync(bad, new Date(T + 100_000), new Date(T + 100_000));
    const out = join(dir, 'out');
    const r = cli(traces, '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { not_reported: NotReported[] };
    expect(s.not_reported).toEqual([
      {
        path: bad,
        name: 'dedicated_log_torch_trace_notes.log',
        size: 20,
        mtime: new Date(T + 100_000).toISOString(),
        reason: 'not a TORCH_TRACE log (2 lines, 2 bad: 2 without a glog prefix; not one trace record)',
      },
    ]);
    expect((readJson(join(out, 'report.json')) as { inputs: string[] }).inputs).toEqual([good]);
    expect(r.stderr).toContain('dedicated_log_torch_trace_notes.log (20 bytes');
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('not a TORCH_TRACE log (2 lines');
  });

  it('escapes the file names it lists on the index page', () => {
    const dir = tmp();
    const traces = join(dir, 'traces');
    mkdirSync(traces);
    const evil = 'dedicated_log_torch_trace_"><img src=x onerror=alert(1)>.log';
    put(traces, SINGLE, evil, 0);
    put(traces, SINGLE, 'dedicated_log_torch_trace_new.log', 100);
    const out = join(dir, 'out');
    expect(cli(traces, '--out', out).code).toBe(0);
    const index = readFileSync(join(out, 'index.html'), 'utf8');
    expect(index).not.toContain('<img src=x');
    expect(index).toContain('dedicated_log_torch_trace_&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.log');
    // the command quotes the name for the shell
    expect(index).toContain('compilog report &#39;');
  });
});
