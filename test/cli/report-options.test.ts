// The fast reader of `compilog report` arguments must never disagree with yargs: whatever it accepts, yargs
// (building the same command from the same option table) reads the same way; the rest it hands to yargs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { reportCommand } from '../../src/cli/report.js';
import { fastReportArgs, REPORT_OPTIONS, type ReportArgs } from '../../src/cli/report-options.js';

/** What yargs makes of `report ...args` with the real command definition (handler not run). */
function viaYargs(args: string[]): Record<string, unknown> | 'error' {
  let result: Record<string, unknown> | 'error' = 'error';
  try {
    yargs(['report', ...args])
      .strict()
      .command({
        ...reportCommand,
        handler: (a) => {
          result = a;
        },
      })
      .exitProcess(false)
      .fail(() => {
        result = 'error';
      })
      .help()
      .version(false)
      .parseSync();
  } catch {
    return 'error';
  }
  return result;
}

const picked = (a: Record<string, unknown>) => {
  const out: Record<string, unknown> = { path: a.path };
  for (const k of Object.keys(REPORT_OPTIONS)) out[k] = a[k];
  return out;
};

describe('fastReportArgs', () => {
  it('reads plain command lines like yargs', () => {
    const cases: Array<[string[], Partial<ReportArgs>]> = [
      [['trace.log'], { path: 'trace.log', out: 'tl_out', json: false }],
      [['trace.log', '--out', 'o', '--json'], { out: 'o', json: true }],
      [
        ['-o', 'x', 'dir', '--strict', '--all-ranks'],
        { path: 'dir', out: 'x', strict: true, 'all-ranks': true },
      ],
      [['--out=y', 'f', '-i', '-e', '--plain-text'], { out: 'y', 'inductor-provenance': true, export: true }],
    ];
    for (const [args, want] of cases) {
      const fast = fastReportArgs(args);
      expect(fast).not.toBeNull();
      expect(fast).toMatchObject(want);
      expect(fast).toEqual(picked(viaYargs(args) as Record<string, unknown>));
    }
  });

  it('leaves help, negations, repeats, unknown options and odd positionals to yargs', () => {
    for (const args of [
      [],
      ['a', 'b'],
      ['a', '--help'],
      ['a', '-h'],
      ['a', '--no-json'],
      ['a', '--plainText'],
      ['a', '--json=true'],
      ['a', '--out', 'x', '--out', 'y'],
      ['a', '--bogus'],
      ['a', '-ie'],
      ['a', '-ox'],
      ['a', '--out'],
      ['a', '--out', '--json'],
      [''],
      ['a', '--', 'b'],
    ]) {
      expect(fastReportArgs(args), JSON.stringify(args)).toBeNull();
    }
  });

  it('never disagrees with yargs (property)', () => {
    const token = fc.constantFrom(
      'trace.log',
      'dir',
      '',
      'x y',
      '--out',
      '-o',
      '--out=z',
      '--json',
      '--no-json',
      '--overwrite',
      '--latest',
      '--strict',
      '--all-ranks',
      '--inductor-provenance',
      '-i',
      '--export',
      '-e',
      '--plain-text',
      '--plainText',
      '-ie',
      '--',
      '--help',
      '--bogus',
      'true',
      '-',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 7 }), (args) => {
        const fast = fastReportArgs(args);
        if (fast === null) return;
        const slow = viaYargs(args);
        expect(slow).not.toBe('error');
        expect(fast).toEqual(picked(slow as Record<string, unknown>));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the report bundle (scripts/post-build.mjs)', () => {
  const root = resolve(import.meta.dirname, '../..');
  const bundle = join(root, 'dist/cli/report-bundle.js');

  it('is built, and `compilog report` runs from it with its data files found', () => {
    expect(existsSync(bundle)).toBe(true);
    const out = mkdtempSync(join(tmpdir(), 'compilog-bundle-'));
    try {
      const trace = resolve(root, '../shared/fixtures/pytorch-2.11/traces/p2_graph_break');
      const r = spawnSync(
        process.execPath,
        [join(root, 'dist/cli.js'), 'report', trace, '--out', join(out, 'r'), '--json'],
        {
          encoding: 'utf8',
        },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ compiles: 5, mode: 'single' });
      // the footer's version comes from package.json, found relative to the bundle
      const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
      expect(readFileSync(join(out, 'r/index.html'), 'utf8')).toContain(`compilog ${version}`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
