/**
 * `compilog report`: a trace file or a TORCH_TRACE directory in, tlparse-compatible static report out.
 * What is read is chosen and checked first (select-run.ts): one file, or the newest run of a directory
 * (a multi-rank run when the newest file is a rank file, or with --all-ranks), the other files listed.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { addStats, type BadLineCounts, emptyStats, type TraceStats } from '../artifacts/index.js';
import { CompilogError } from '../logging/index.js';
import { FileWriter } from './file-writer.js';
import type { TlparseStats } from './model.js';
import { type MultiRankDiagnostics, writeMultiRankReport } from './multi-rank.js';
import { OutDir } from './out-dir.js';
import { setFooter } from './pages/layout.js';
import { setOtherTraces } from './pages/other-traces.js';
import { type NotReported, selectRun } from './select-run.js';
import { type SingleReport, tlparseStatsLine, writeSingleReport } from './single.js';
import { phaseTimes, threadCpuSeconds, timingsOn } from './timings.js';
import { compilogVersion } from './version.js';

export interface ReportOptions {
  out: string;
  overwrite?: boolean;
  /** in a directory, report only the newest trace file */
  latest?: boolean;
  /** treat the directory as one multi-rank run (rank files only) */
  allRanks?: boolean;
  /** inductor_output_code as plain .txt */
  plainText?: boolean;
  /** provenance_tracking_<dir>.html pages linking graph and code lines (tlparse -i) */
  inductorProvenance?: boolean;
  /** the draft-export report only (tlparse -e/--export) */
  exportMode?: boolean;
  /** a page per recompile comparing its guards and graph with the frame's previous compile (compare/) */
  compare?: boolean;
  /** --strict: recorded in report.json (the caller decides the exit code) */
  strict?: boolean;
  /** the command line to record in report.json and the footer */
  commandLine?: string;
}

export interface ReportSummary {
  compiles: number;
  artifacts: number;
  failures: number;
  bad_lines: BadLineCounts;
  ranks: number[];
  out: string;
  mode: 'single' | 'multi-rank';
  inputs: string[];
  /** trace files in the directory that were not reported (paths of not_reported) */
  skipped: string[];
  /** those files with their size, mtime and why they were left out */
  not_reported: NotReported[];
  stats: TraceStats;
  tlparse_stats: TlparseStats[];
  /** --strict's condition: tlparse's (glog/json/md5/other_rank/guards-json/parser) plus invalid UTF-8 and truncated lines */
  strict_failures: number;
  /** tlparse's --strict condition alone (what tlparse --strict would fail on) */
  tlparse_strict_failures: number;
  diagnostics?: MultiRankDiagnostics;
  problems: string[];
  /** what the user should know even without --strict: a trace without records, a cut .gz */
  warnings: string[];
  version: string;
  files_written: number;
  bytes_written: number;
}

function prepareOutDir(out: string, inputPath: string, overwrite: boolean): void {
  const absOut = resolve(out);
  const rel = relative(absOut, resolve(inputPath));
  if (rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'))) {
    throw new CompilogError(
      'E_REPORT_OUT_CONTAINS_INPUT',
      `output directory ${out} contains the input ${inputPath}`,
      'choose an --out directory outside the trace directory',
    );
  }
  if (!existsSync(absOut)) return;
  if (!statSync(absOut).isDirectory()) {
    throw new CompilogError(
      'E_REPORT_OUT_EXISTS',
      `${out} exists and is not a directory`,
      'choose another --out path',
    );
  }
  if (readdirSync(absOut).length === 0) return;
  if (!overwrite) {
    throw new CompilogError(
      'E_REPORT_OUT_EXISTS',
      `output directory ${out} already exists and is not empty`,
      'pass --overwrite to replace it, or choose another --out directory',
    );
  }
  rmSync(absOut, { recursive: true, force: true });
}

/**
 * What --strict fails on: tlparse's condition (glog, JSON, md5, other rank, guards JSON, parser failures)
 * and, stricter than tlparse, lines that are not UTF-8 (tlparse drops them silently) and a trace that ends
 * in the middle of a line or a broken .gz stream.
 */
/**
 * compilog's --strict: tlparse's failures, plus invalid UTF-8 lines (tlparse drops them silently) and a .gz
 * stream that breaks. A last line without its newline is not a failure by itself (several of tlparse's own
 * test logs end so): if it was cut inside a record, its JSON or md5 check fails and counts.
 */
function strictFailures(r: SingleReport): number {
  return tlparseStrictFailures(r.tlparse) + r.stats.badLines.invalidUtf8 + (r.streamBroken ? 1 : 0);
}

/** tlparse's --strict condition alone. */
function tlparseStrictFailures(t: TlparseStats): number {
  return (
    t.fail_glog + t.fail_json + t.fail_payload_md5 + t.other_rank + t.fail_dynamo_guards_json + t.fail_parser
  );
}

export async function writeReport(path: string, opts: ReportOptions): Promise<ReportSummary> {
  // every input check runs here, before the output directory is touched
  const run = await selectRun(path, opts);
  const { mode, files } = run;
  const outExisted = existsSync(resolve(opts.out));
  prepareOutDir(opts.out, path, opts.overwrite === true);
  const version = compilogVersion();
  setFooter({ version, options: opts.commandLine ?? `report ${path} --out ${opts.out}` });
  setOtherTraces(mode === 'single' ? run.notReported : [], opts.out);
  let reports: SingleReport[];
  let diagnostics: MultiRankDiagnostics | undefined;
  const writer = new FileWriter(process.env.COMPILOG_REPORT_SYNC_WRITES !== '1');
  try {
    if (mode === 'multi-rank') {
      const r = await writeMultiRankReport(files, opts.out, {
        plainText: opts.plainText,
        inductorProvenance: opts.inductorProvenance,
        compare: opts.compare,
        writer,
        otherTraces: run.notReported,
      });
      reports = r.ranks;
      diagnostics = r.diagnostics;
    } else {
      reports = [
        await writeSingleReport(files[0], opts.out, {
          plainText: opts.plainText,
          inductorProvenance: opts.inductorProvenance,
          compare: opts.compare,
          exportMode: opts.exportMode,
          writer,
        }),
      ];
    }
  } catch (e) {
    await writer.close();
    // a half-written report in a directory this run made helps nobody
    if (!outExisted) rmSync(resolve(opts.out), { recursive: true, force: true });
    throw e;
  }
  const stats = emptyStats();
  for (const r of reports) addStats(stats, r.stats);
  const ranks =
    mode === 'multi-rank'
      ? reports.map((r) => r.file.rank ?? 0)
      : stats.ranks.length > 0
        ? stats.ranks
        : files[0].rank !== null
          ? [files[0].rank]
          : [];
  const summary: ReportSummary = {
    compiles: reports.reduce(
      (n, r) => n + r.compileIds.filter((k) => k !== '[-/-]' && k !== '(unknown)').length,
      0,
    ),
    artifacts: reports.reduce((n, r) => n + r.artifacts, 0),
    failures: reports.reduce((n, r) => n + r.failures, 0),
    bad_lines: stats.badLines,
    ranks,
    out: resolve(opts.out),
    mode,
    inputs: files.map((f) => f.path),
    skipped: run.notReported.map((f) => f.path),
    not_reported: run.notReported,
    stats,
    tlparse_stats: reports.map((r) => r.tlparse),
    strict_failures: reports.reduce((n, r) => n + strictFailures(r), 0),
    tlparse_strict_failures: reports.reduce((n, r) => n + tlparseStrictFailures(r.tlparse), 0),
    diagnostics,
    problems: run.problems
      .concat(
        reports.flatMap((r) => r.problems.map((p) => (reports.length > 1 ? `${r.file.name}: ${p}` : p))),
      )
      .slice(0, 200),
    warnings: run.warnings.concat(reports.flatMap((r) => r.warnings)),
    version,
    files_written: reports.reduce((n, r) => n + r.files, 0),
    bytes_written: reports.reduce((n, r) => n + r.bytes, 0),
  };
  const out = new OutDir(opts.out, writer);
  out.write(
    'report.json',
    `${JSON.stringify(
      {
        tool: 'compilog',
        command: opts.commandLine ?? null,
        options: {
          out: opts.out,
          latest: !!opts.latest,
          allRanks: !!opts.allRanks,
          plainText: !!opts.plainText,
          overwrite: !!opts.overwrite,
          strict: !!opts.strict,
          inductorProvenance: !!opts.inductorProvenance,
          exportMode: !!opts.exportMode,
          compare: !!opts.compare,
        },
        generated: new Date().toISOString(),
        ...summary,
        tlparse_stats_lines: reports.map((r) => tlparseStatsLine(r.tlparse)),
      },
      null,
      2,
    )}\n`,
  );
  await writer.close();
  if (timingsOn) {
    process.stderr.write(
      `${JSON.stringify({ timings: { mainMs: phaseTimes(), mainCpuS: threadCpuSeconds(), writer: writer.timings, takenOver: writer.takenOver } })}\n`,
    );
  }
  return summary;
}
