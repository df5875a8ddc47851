// Bad input to `compilog report` (the built CLI): an unreadable file or directory, a file that is not a
// trace, an empty trace, and what --strict adds to tlparse's condition. Each gets a clear coded error
// (exit 2, nothing left behind) or a report that says what was wrong with the input. (.gz: gz-input.test.ts)
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, INPUTS, readJson, reportCli, tmp } from './support.js';

const CLI = resolve('dist/cli.js');
const P5 = join(FIXTURES, 'traces/p5_failure/dedicated_log_torch_trace_c0obupoj.log');

const cli = reportCli;

interface Summary {
  compiles: number;
  bad_lines: Record<string, number>;
  warnings: string[];
  strict_failures: number;
  skipped: string[];
}

/**
 * How this test makes a file unreadable: as a normal user, chmod 000 is enough. As root (CI) chmod does not
 * stop reads, so the CLI runs without the capabilities that let root read anything (setpriv), or else as
 * `nobody` (runuser: needs a checkout that nobody can read). Each way is first checked to run the CLI at all.
 * null: root with neither.
 */
function unreadableRunner(): { prefix: string[] } | null {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const ways = [
    ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--'],
    ['runuser', '-u', 'nobody', '--'],
  ];
  for (const prefix of ways) {
    const probe = spawnSync(prefix[0], [...prefix.slice(1), process.execPath, CLI, '--version']);
    if (probe.status === 0) return { prefix };
  }
  return null;
}
const runner = unreadableRunner();

function runAs(args: string[], cwd: string) {
  const [cmd, ...rest] = [...runner!.prefix, process.execPath, CLI, 'report', ...args];
  const r = spawnSync(cmd, rest, { encoding: 'utf8', cwd });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A temp directory that `nobody` can write to and read (the output goes there). */
function openDir(): string {
  const d = tmp();
  chmodSync(d, 0o777);
  return d;
}

describe.skipIf(runner === null)(
  runner === null
    ? 'an unreadable input: skipped, running as root without setpriv or runuser (root reads any file)'
    : 'an unreadable input',
  () => {
    /** Fails the test when the runner can read `path` after all (the check would prove nothing). */
    function expectUnreadable(path: string, cwd: string): void {
      const [cmd, ...rest] = [
        ...runner!.prefix,
        process.execPath,
        '-e',
        `require('fs').readFileSync(${JSON.stringify(path)})`,
      ];
      const probe = spawnSync(cmd, rest, { cwd });
      expect(
        probe.status,
        `${path} is readable by the test's runner: the test cannot check anything`,
      ).not.toBe(0);
    }

    it('a file: E_TRACE_UNREADABLE naming the path and the OS reason, exit 2, nothing written', () => {
      const dir = openDir();
      const input = join(dir, 'trace.log');
      copyFileSync(P5, input);
      chmodSync(input, 0o000);
      expectUnreadable(input, dir);
      const out = join(dir, 'out');
      const r = runAs([input, '--out', out], dir);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`E_TRACE_UNREADABLE: cannot read ${input}: permission denied (EACCES)`);
      expect(r.stderr).toContain('check its permissions');
      expect(r.stderr).not.toContain('E_INTERNAL');
      expect(existsSync(out)).toBe(false);
      const j = runAs([input, '--out', out, '--json'], dir);
      expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, code: 'E_TRACE_UNREADABLE' });
      expect(existsSync(out)).toBe(false);
    });

    it('a directory: E_TRACE_UNREADABLE, exit 2, nothing written', () => {
      const dir = openDir();
      const traces = join(dir, 'traces');
      mkdirSync(traces);
      copyFileSync(P5, join(traces, 'dedicated_log_torch_trace_a.log'));
      chmodSync(traces, 0o000);
      const out = join(dir, 'out');
      const r = runAs([traces, '--out', out], dir);
      chmodSync(traces, 0o755);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`E_TRACE_UNREADABLE: cannot read ${traces}: permission denied (EACCES)`);
      expect(existsSync(out)).toBe(false);
    });

    it('the chosen file of a directory: E_TRACE_UNREADABLE, nothing written', () => {
      const dir = openDir();
      const traces = join(dir, 'traces');
      mkdirSync(traces);
      chmodSync(traces, 0o755);
      const input = join(traces, 'dedicated_log_torch_trace_a.log');
      copyFileSync(P5, input);
      chmodSync(input, 0o000);
      expectUnreadable(input, dir);
      const out = join(dir, 'out');
      const r = runAs([traces, '--out', out], dir);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`E_TRACE_UNREADABLE: cannot read ${input}`);
      expect(existsSync(out)).toBe(false);
    });
  },
);

describe('a file that is not a trace', () => {
  const cases: Array<[string, Buffer]> = [
    ['markdown', Buffer.from('# Notes\n\nSome *markdown*, not a trace.\n- a list\n')],
    // deterministic "random" bytes: no glog line, mostly not UTF-8
    ['random bytes', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))],
    // glog prefixes but no JSON envelope after them
    ['glog lines without JSON', Buffer.from('V0101 00:00:00.000000 1 a.py:1] not json\n'.repeat(3))],
  ];
  it.each(cases)('%s: E_TRACE_NOT_A_TRACE, exit 2, no output directory (--strict too)', (_name, bytes) => {
    const dir = tmp();
    const input = join(dir, 'input.log');
    writeFileSync(input, bytes);
    const out = join(dir, 'out');
    for (const extra of [[], ['--strict']]) {
      const r = cli(input, '--out', out, ...extra);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(
        /^E_TRACE_NOT_A_TRACE: .*input\.log is not a TORCH_TRACE log \(\d+ lines?, \d+ bad.*not one trace record\)/,
      );
      expect(r.stderr).toContain('is this a TORCH_TRACE log?');
      expect(existsSync(out)).toBe(false);
    }
    const j = JSON.parse(cli(input, '--out', out, '--json').stdout);
    expect(j).toMatchObject({ ok: false, code: 'E_TRACE_NOT_A_TRACE' });
  });

  it('never removes an output directory that existed before the run', () => {
    const dir = tmp();
    const input = join(dir, 'input.log');
    writeFileSync(input, 'hello\n');
    const out = join(dir, 'out');
    mkdirSync(out);
    expect(cli(input, '--out', out).code).toBe(2);
    expect(readdirSync(out)).toEqual([]);
  });

  it('in a directory: the good trace is reported, the bad one listed as a problem and not reported', () => {
    const dir = tmp();
    const traces = join(dir, 'traces');
    mkdirSync(traces);
    const good = join(traces, 'dedicated_log_torch_trace_good.log');
    const bad = join(traces, 'dedicated_log_torch_trace_bad.log');
    copyFileSync(P5, good);
    writeFileSync(bad, 'not a trace\n');
    // the bad file is the newest: it would decide the run
    utimesSync(good, new Date(1_700_000_000_000), new Date(1_700_000_000_000));
    const out = join(dir, 'out');
    const r = cli(traces, '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.compiles).toBeGreaterThan(0);
    expect(s.skipped).toEqual([bad]);
    const report = readJson(join(out, 'report.json')) as { inputs: string[]; problems: string[] };
    expect(report.inputs).toEqual([good]);
    expect(report.problems[0]).toMatch(
      /^dedicated_log_torch_trace_bad\.log: not a TORCH_TRACE log \(1 line, 1 bad: 1 without a glog prefix; not one trace record\)$/,
    );
  });

  it('a directory whose trace files are all not traces: E_TRACE_NOT_A_TRACE, nothing written', () => {
    const dir = tmp();
    const traces = join(dir, 'traces');
    mkdirSync(traces);
    writeFileSync(join(traces, 'dedicated_log_torch_trace_a.log'), '# a\n');
    writeFileSync(join(traces, 'dedicated_log_torch_trace_b.log'), 'b\nb\n');
    const out = join(dir, 'out');
    const r = cli(traces, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `E_TRACE_NOT_A_TRACE: no trace file in directory ${traces} is a TORCH_TRACE log`,
    );
    expect(r.stderr).toContain('dedicated_log_torch_trace_a.log: not a TORCH_TRACE log');
    expect(r.stderr).toContain('dedicated_log_torch_trace_b.log: not a TORCH_TRACE log');
    expect(existsSync(out)).toBe(false);
  });
});

describe('an empty trace (0 bytes)', () => {
  it('is reported (a program that compiled nothing) with a warning on stderr and in --json', () => {
    const dir = tmp();
    const input = join(dir, 'empty.log');
    writeFileSync(input, '');
    const out = join(dir, 'out');
    const r = cli(input, '--out', out, '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.compiles).toBe(0);
    expect(s.warnings).toEqual([
      `${input}: the trace has no records (an empty file): the report shows no compiles`,
    ]);
    expect(r.stderr).toContain(`warning: ${input}: the trace has no records`);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    expect((readJson(join(out, 'report.json')) as Summary).warnings).toEqual(s.warnings);
  });
});

describe('--strict is stricter than tlparse', () => {
  it('fails on a line that is not UTF-8', () => {
    const dir = tmp();
    const input = join(dir, 'utf8.log');
    const clean = readFileSync(join(INPUTS, 'inputs/comp_metrics.log'));
    writeFileSync(input, Buffer.concat([clean, Buffer.from([0x56, 0xff, 0xfe, 0x20, 0x7b, 0x7d, 0x0a])]));
    expect(cli(input, '--out', join(dir, 'plain')).code).toBe(0);
    const r = cli(input, '--out', join(dir, 'out'), '--strict', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ strict_failures: 1, bad_lines: { invalidUtf8: 1 } });
    expect(r.stderr).toContain('E_REPORT_STRICT: 1 line(s) failed to parse (--strict): invalidUtf8 1');
  });

  it('a last record without its newline passes (as in tlparse); one cut inside fails', () => {
    const dir = tmp();
    const clean = readFileSync(join(INPUTS, 'inputs/comp_metrics.log'));
    const noNewline = join(dir, 'no-newline.log');
    writeFileSync(noNewline, clean.subarray(0, clean.length - 1));
    const whole = cli(noNewline, '--out', join(dir, 'whole'), '--strict', '--json');
    expect(whole.code).toBe(0);
    expect(JSON.parse(whole.stdout)).toMatchObject({ strict_failures: 0, bad_lines: { truncated: 1 } });
    const cut = join(dir, 'cut.log');
    writeFileSync(cut, clean.subarray(0, clean.length - 20));
    expect(cli(cut, '--out', join(dir, 'plain')).code).toBe(0);
    const r = cli(cut, '--out', join(dir, 'out'), '--strict', '--json');
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout);
    expect(s.strict_failures).toBe(1);
    expect(s.bad_lines.truncated).toBe(1);
    expect(s.bad_lines.json + s.bad_lines.md5).toBe(1);
  });
});
