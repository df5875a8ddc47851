/**
 * What `compilog report` reads: a file as given, or one run of a TORCH_TRACE directory. Every chosen file
 * is looked at (sniffTraceFile) before the output directory is touched, so bad input fails with a coded
 * error and leaves nothing behind.
 *
 * In a directory the newest file decides the run: a rank file means the run is the rank files (the newest
 * file of each rank), anything else means that file alone. A file that is not a trace is set aside (listed
 * as a problem) and the choice is made again from the others.
 */
import {
  resolveTraceInput,
  sniffTraceFile,
  type TraceFileInfo,
  type TraceStats,
  unreadableError,
} from '../artifacts/index.js';
import { CompilogError } from '../logging/index.js';

export interface RunChoice {
  /** treat a directory as one multi-rank run (rank files only) */
  allRanks?: boolean;
  /** in a directory, only the newest trace file */
  latest?: boolean;
}

/** A trace file of the directory that is not in the report. */
export interface NotReported {
  path: string;
  name: string;
  size: number;
  /** modification time, ISO 8601 */
  mtime: string;
  reason: string;
}

export interface SelectedRun {
  mode: 'single' | 'multi-rank';
  files: TraceFileInfo[];
  notReported: NotReported[];
  /** problems found on the way (files that are not traces) */
  problems: string[];
  /** worth a line on stderr even without --strict (a trace without records) */
  warnings: string[];
}

const newestFirst = (a: TraceFileInfo, b: TraceFileInfo) =>
  b.mtimeMs - a.mtimeMs || a.name.localeCompare(b.name);

/** The newest file of each rank, by rank. */
function newestPerRank(files: TraceFileInfo[]): TraceFileInfo[] {
  const byRank = new Map<number, TraceFileInfo>();
  for (const f of [...files].sort(newestFirst)) if (!byRank.has(f.rank!)) byRank.set(f.rank!, f);
  return [...byRank.values()].sort((a, b) => a.rank! - b.rank!);
}

/** The run among `files` of a directory (see the top of this file). */
export function pickRun(
  files: TraceFileInfo[],
  opts: RunChoice,
  dir: string,
): { mode: 'single' | 'multi-rank'; files: TraceFileInfo[] } {
  const newest = [...files].sort(newestFirst)[0];
  if (opts.latest) return { mode: 'single', files: [newest] };
  const rankFiles = files.filter((f) => f.rank !== null);
  if (opts.allRanks) {
    if (rankFiles.length === 0) {
      throw new CompilogError(
        'E_TRACE_NO_RANK_FILES',
        `no rank log files (dedicated_log_torch_trace_rank_<N>*.log) in directory ${dir}`,
        'drop --all-ranks to report the newest run',
      );
    }
    return { mode: 'multi-rank', files: newestPerRank(rankFiles) };
  }
  if (newest.rank === null) return { mode: 'single', files: [newest] };
  const run = newestPerRank(rankFiles);
  return run.length > 1 ? { mode: 'multi-rank', files: run } : { mode: 'single', files: [newest] };
}

function notATraceDetail(s: TraceStats): string {
  const lines = s.lines - s.blankLines;
  const b = s.badLines;
  const kinds = [
    b.glog > 0 ? `${b.glog} without a glog prefix` : '',
    b.json > 0 ? `${b.json} with a bad JSON envelope` : '',
    b.invalidUtf8 > 0 ? `${b.invalidUtf8} not UTF-8` : '',
  ].filter((k) => k !== '');
  const bad = b.glog + b.json + b.invalidUtf8;
  return `${lines} line${lines === 1 ? '' : 's'}, ${bad} bad${kinds.length > 0 ? `: ${kinds.join(', ')}` : ''}; not one trace record`;
}

const NOT_A_TRACE_HINT =
  'is this a TORCH_TRACE log? compilog report reads the dedicated_log_torch_trace_*.log[.gz] files a program writes with TORCH_TRACE=<dir>; pass one of them or their directory';

function badGzipError(path: string, notGzip: boolean, reason: string): CompilogError {
  return notGzip
    ? new CompilogError(
        'E_TRACE_BAD_GZIP',
        `${path} is named .gz but is not gzip (${reason})`,
        'the file is not gzip; rename it or pass the plain log',
      )
    : new CompilogError(
        'E_TRACE_BAD_GZIP',
        `${path}: the gzip data is broken before its first byte (${reason})`,
        'the file is cut or corrupt before any trace line; nothing in it can be read',
      );
}

function notReported(f: TraceFileInfo, reason: string): NotReported {
  return { path: f.path, name: f.name, size: f.size, mtime: new Date(f.mtimeMs).toISOString(), reason };
}

/** Picks and checks what to report (see the top of this file). Throws CompilogError for bad input. */
export async function selectRun(path: string, opts: RunChoice): Promise<SelectedRun> {
  if (opts.latest && opts.allRanks) {
    throw new CompilogError('E_REPORT_FLAGS', '--latest cannot be used with --all-ranks', 'use one of them');
  }
  const input = resolveTraceInput(path);
  const rejected = new Map<TraceFileInfo, string>();
  let candidates = input.available;
  for (;;) {
    const run =
      input.kind === 'file'
        ? { mode: 'single' as const, files: input.files }
        : pickRun(candidates, opts, path);
    const warnings: string[] = [];
    let setAside = false;
    for (const f of run.files) {
      const s = await sniffTraceFile(f);
      if (s.kind === 'unreadable') throw unreadableError(f.path, s.error);
      if (s.kind === 'bad-gzip') throw badGzipError(f.path, s.notGzip, s.reason);
      if (s.kind === 'empty')
        warnings.push(`${f.path}: the trace has no records (an empty file): the report shows no compiles`);
      if (s.kind !== 'not-a-trace') continue;
      if (input.kind === 'file') {
        throw new CompilogError(
          'E_TRACE_NOT_A_TRACE',
          `${path} is not a TORCH_TRACE log (${notATraceDetail(s.stats)})`,
          NOT_A_TRACE_HINT,
        );
      }
      rejected.set(f, `not a TORCH_TRACE log (${notATraceDetail(s.stats)})`);
      setAside = true;
    }
    if (setAside) {
      candidates = candidates.filter((f) => !rejected.has(f));
      if (candidates.length > 0) continue;
      throw new CompilogError(
        'E_TRACE_NOT_A_TRACE',
        `no trace file in directory ${path} is a TORCH_TRACE log: ${[...rejected]
          .map(([f, why]) => `${f.name}: ${why}`)
          .join('; ')}`,
        NOT_A_TRACE_HINT,
      );
    }
    return {
      mode: run.mode,
      files: run.files,
      notReported: input.available
        .filter((f) => !run.files.includes(f))
        .sort(newestFirst)
        .map((f) => notReported(f, rejected.get(f) ?? 'not in the newest run')),
      problems: [...rejected].map(([f, why]) => `${f.name}: ${why}`),
      warnings,
    };
  }
}
