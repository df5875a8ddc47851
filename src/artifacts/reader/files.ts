/** Finding trace files: a file, or a TORCH_TRACE directory with one file per run, process or rank. */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CompilogError } from '../../logging/index.js';

export interface TraceFileInfo {
  path: string;
  name: string;
  /** rank from the file name (`dedicated_log_torch_trace_rank_<N>[_suffix].log`), else null */
  rank: number | null;
  size: number;
  mtimeMs: number;
  gz: boolean;
}

const TRACE_NAME_RE = /^dedicated_log_torch_trace.*\.log(?:\.gz)?$/;
const RANK_NAME_RE = /^dedicated_log_torch_trace_rank_(\d+)(?:_[^/]*)?\.log(?:\.gz)?$/;

export function rankFromFileName(name: string): number | null {
  const m = RANK_NAME_RE.exec(name);
  return m === null ? null : Number(m[1]);
}

export function isTraceFileName(name: string): boolean {
  return TRACE_NAME_RE.test(name);
}

export function traceFileInfo(path: string): TraceFileInfo {
  const st = statSync(path);
  const name = basename(path);
  return {
    path,
    name,
    rank: rankFromFileName(name),
    size: st.size,
    mtimeMs: st.mtimeMs,
    gz: name.endsWith('.gz'),
  };
}

/** Trace files of a directory (not recursive), rank files first by rank, then the others by name. */
export function listTraceFiles(dir: string): TraceFileInfo[] {
  const out: TraceFileInfo[] = [];
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    if (!ent.isFile() || !isTraceFileName(ent.name)) continue;
    out.push(traceFileInfo(join(dir, ent.name)));
  }
  return out.sort((a, b) => {
    if (a.rank !== null && b.rank !== null) return a.rank - b.rank || a.name.localeCompare(b.name);
    if (a.rank !== null) return -1;
    if (b.rank !== null) return 1;
    return a.name.localeCompare(b.name);
  });
}

function isPermissionError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'EACCES' || code === 'EPERM';
}

/** `EACCES: permission denied, open '/x'` -> `permission denied (EACCES)` */
export function osReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const m = /^[A-Z]+: ([^,]+)/.exec(err?.message ?? '');
  if (err?.code === undefined) return String(err?.message ?? e);
  return `${m?.[1] ?? err.message} (${err.code})`;
}

/** E_TRACE_UNREADABLE: the trace file or directory exists but cannot be read. */
export function unreadableError(path: string, e: unknown): CompilogError {
  return new CompilogError(
    'E_TRACE_UNREADABLE',
    `cannot read ${path}: ${osReason(e)}`,
    'check its permissions (and those of its directory) or run as a user who can read it',
  );
}

export interface ResolveOptions {
  /** in a directory, take only the most recently modified trace file */
  latest?: boolean;
}

export interface ResolvedInput {
  kind: 'file' | 'dir';
  path: string;
  /** selected files */
  files: TraceFileInfo[];
  /** every trace file in the directory (the selection plus the runs left out) */
  available: TraceFileInfo[];
}

/**
 * A path to trace files. A file is taken as is (whatever its name); a directory gives all its
 * `dedicated_log_torch_trace*.log[.gz]` files, or only the newest with `latest`.
 */
export function resolveTraceInput(path: string, opts: ResolveOptions = {}): ResolvedInput {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    if (isPermissionError(e)) throw unreadableError(path, e);
    throw new CompilogError(
      'E_TRACE_NOT_FOUND',
      `no trace file or directory at ${path}`,
      'pass a TORCH_TRACE directory or one of its dedicated_log_torch_trace_*.log files',
    );
  }
  if (!st.isDirectory()) {
    const info = traceFileInfo(path);
    return { kind: 'file', path, files: [info], available: [info] };
  }
  let available: TraceFileInfo[];
  try {
    available = listTraceFiles(path);
  } catch (e) {
    throw unreadableError(path, e);
  }
  if (available.length === 0) {
    throw new CompilogError(
      'E_TRACE_EMPTY_DIR',
      `no dedicated_log_torch_trace*.log files in directory ${path}`,
      'run the program with TORCH_TRACE=<dir> first, or pass the trace file itself',
    );
  }
  if (opts.latest) {
    const newest = available.reduce((a, b) => (b.mtimeMs > a.mtimeMs ? b : a));
    return { kind: 'dir', path, files: [newest], available };
  }
  return { kind: 'dir', path, files: available, available };
}
