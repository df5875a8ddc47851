/**
 * `compilog report <file|dir> --out <dir>`: a tlparse-compatible static report of a TORCH_TRACE log.
 * Exit codes: 0 report written; 1 report written but --strict found bad lines (glog, JSON, md5, other
 * rank, guards JSON, parser, and, stricter than tlparse, invalid UTF-8 and truncated lines); 2 nothing
 * written: bad input or flags (CompilogError, code on stderr or in the --json object); 3 internal error.
 * Warnings (a trace without records, a cut .gz) and the directory's trace files left out go to stderr.
 * --json prints one object on stdout:
 *   {"compiles":N,"artifacts":N,"failures":N,"bad_lines":{...},"ranks":[...],"out":"...",...}
 */

import type { Argv, CommandModule } from 'yargs';
import { isCompilogError } from '../logging/index.js';
import { type ReportSummary, reportCommandFor, writeReport } from '../report/index.js';
import { reportCounts } from './counts.js';
import { PATH_DESCRIBE, REPORT_OPTIONS, type ReportArgs } from './report-options.js';

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <path>',
  describe: 'write a tlparse-compatible HTML report of a TORCH_TRACE file or directory',
  builder: (y) => {
    let b = y.positional('path', { type: 'string', demandOption: true, describe: PATH_DESCRIBE });
    for (const [name, o] of Object.entries(REPORT_OPTIONS)) b = b.option(name, o);
    return b as unknown as Argv<ReportArgs>;
  },
  handler: (args) => runReport(args),
};

/** The stderr lines that list the directory's trace files left out of the report. */
function notReportedText(files: ReportSummary['not_reported'], out: string): string {
  const lines = files.map(
    (f) =>
      `  ${f.name} (${f.size} bytes, modified ${f.mtime}): ${f.reason}\n    ${reportCommandFor(f, out)}\n`,
  );
  return `other traces in this directory, not reported:\n${lines.join('')}`;
}

/** Writes the report and prints its summary; sets the exit code (see the top of this file). */
export async function runReport(args: ReportArgs): Promise<void> {
  try {
    const summary = await writeReport(args.path, {
      out: args.out,
      overwrite: args.overwrite,
      latest: args.latest,
      allRanks: args['all-ranks'],
      plainText: args['plain-text'],
      inductorProvenance: args['inductor-provenance'],
      compare: args.compare,
      exportMode: args.export,
      strict: args.strict,
      commandLine: `compilog ${process.argv.slice(2).join(' ')}`,
    });
    const strictFail = args.strict && summary.strict_failures > 0;
    if (args.json) {
      const { compiles, artifacts, failures, bad_lines, ranks, out, mode, skipped, strict_failures } =
        summary;
      const { not_reported, warnings } = summary;
      process.stdout.write(
        `${JSON.stringify({ compiles, artifacts, failures, bad_lines, ranks, out, mode, skipped, not_reported, strict_failures, warnings })}\n`,
      );
    } else {
      if (summary.mode === 'multi-rank')
        process.stdout.write(`Multi-rank report generated under ${summary.out}\n`);
      process.stdout.write(
        `Report: ${summary.out}/index.html (${reportCounts(summary.compiles, summary.artifacts, summary.failures)})\n`,
      );
      const bad = Object.entries(summary.bad_lines).filter(([, n]) => n > 0);
      if (bad.length > 0) process.stderr.write(`bad lines: ${bad.map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
    }
    for (const w of summary.warnings) process.stderr.write(`warning: ${w}\n`);
    if (summary.not_reported.length > 0)
      process.stderr.write(notReportedText(summary.not_reported, args.out));
    if (strictFail) {
      const kinds = Object.entries(summary.bad_lines)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k} ${n}`);
      process.stderr.write(
        `E_REPORT_STRICT: ${summary.strict_failures} line(s) failed to parse (--strict)${kinds.length > 0 ? `: ${kinds.join(', ')}` : ''}\n`,
      );
      process.exitCode = 1;
    }
  } catch (err) {
    if (isCompilogError(err)) {
      if (args.json) process.stdout.write(`${JSON.stringify({ ok: false, ...err.toJSON() })}\n`);
      process.stderr.write(`${err.code}: ${err.message}${err.hint ? `\n${err.hint}` : ''}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`E_INTERNAL: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 3;
  }
}
