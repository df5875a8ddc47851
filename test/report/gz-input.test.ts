import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FIXTURES, readJson, reportCli, tmp } from './support.js';

const P5 = join(FIXTURES, 'traces/p5_failure/dedicated_log_torch_trace_c0obupoj.log');

const cli = reportCli;

describe('a .gz input', () => {
  it('cut short: the report holds what could be read, raw.log the decompressed part, the cut is shown', () => {
    const dir = tmp();
    const whole = gzipSync(readFileSync(P5));
    const cut = join(dir, 'cut.log.gz');
    writeFileSync(cut, whole.subarray(0, 10_000));
    // what any gunzip gets out of the cut stream
    const readable = gunzipSync(whole.subarray(0, 10_000), { finishFlush: 2 /* Z_SYNC_FLUSH */ });
    const out = join(dir, 'out');
    const r = cli(cut, '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as {
      compiles: number;
      bad_lines: Record<string, number>;
      warnings: string[];
    };
    expect(s.compiles).toBeGreaterThan(0);
    expect(s.bad_lines.truncated).toBeGreaterThan(0);
    expect(s.warnings.join('\n')).toMatch(/cut\.log\.gz: the gzip data is cut or corrupt after \d+ lines/);
    expect(r.stderr).toContain('warning: ');
    expect(r.stderr).toContain('the gzip data is cut or corrupt');
    expect(readFileSync(join(out, 'raw.log')).equals(readable)).toBe(true);
    const report = readJson(join(out, 'report.json')) as { problems: string[]; warnings: string[] };
    expect(report.problems.some((p) => p.includes('gzip stream broken'))).toBe(true);
    expect(report.warnings).toEqual(s.warnings);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    const strict = cli(cut, '--out', join(dir, 'strict'), '--strict');
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('E_REPORT_STRICT');
  });

  it('not gzip at all: E_TRACE_BAD_GZIP, exit 2, no output directory', () => {
    const dir = tmp();
    const fake = join(dir, 'fake.log.gz');
    copyFileSync(P5, fake);
    const out = join(dir, 'out');
    const r = cli(fake, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`E_TRACE_BAD_GZIP: ${fake} is named .gz but is not gzip`);
    expect(r.stderr).toContain('the file is not gzip; rename it or pass the plain log');
    expect(r.stderr).not.toContain('E_INTERNAL');
    expect(existsSync(out)).toBe(false);
    const j = cli(fake, '--out', out, '--json');
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, code: 'E_TRACE_BAD_GZIP' });
  });

  it('gzip broken before its first byte: E_TRACE_BAD_GZIP, exit 2, no output directory', () => {
    const dir = tmp();
    const broken = join(dir, 'broken.log.gz');
    writeFileSync(broken, gzipSync(readFileSync(P5)).subarray(0, 12));
    const out = join(dir, 'out');
    const r = cli(broken, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`E_TRACE_BAD_GZIP: ${broken}: the gzip data is broken before its first byte`);
    expect(r.stderr).toContain('the file is cut or corrupt before any trace line');
    expect(existsSync(out)).toBe(false);
  });
});
