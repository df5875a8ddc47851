/**
 * One trace being written: its settings (directory, clock, pid, working directory), the file created on the first
 * record, the `str` intern table of that file, and the names already written by dumpFile. Records arrive whole and
 * are appended to the batch whole, so a crash can at most cut the last one.
 */
import { type BatchedWriter, getLogger } from '../../logging/index.js';
import { defaultClock, GlogPrefix, type TraceClock } from './glog-prefix.js';
import { pyJsonDumps } from './py-json.js';
import { createTraceFile, TraceFileError } from './trace-file.js';
import { traceWarning, warnOnce } from './warn.js';

export interface TraceSessionOptions {
  /** Also write dtraceStructured records (what TORCH_DTRACE does). */
  dtrace?: boolean;
  /** Epoch milliseconds with a fraction, for the line prefix. Tests pass a fixed clock. */
  clock?: TraceClock;
  /** The pid written in the line prefix. Default: process.pid. */
  pid?: number;
  /** Caller paths inside this directory are written relative to it. Default: process.cwd(). */
  cwd?: string;
}

export class TraceSession {
  readonly dir: string;
  readonly dtrace: boolean;
  readonly prefix: GlogPrefix;
  readonly cwd: string;
  private writer: BatchedWriter | undefined;
  private filePath: string | undefined;
  private failed = false;
  private readonly internTable = new Map<string, number>();
  readonly dumpedFiles = new Set<string>();

  constructor(dir: string, options: TraceSessionOptions = {}) {
    this.dir = dir;
    this.dtrace = options.dtrace ?? false;
    this.prefix = new GlogPrefix(options.clock ?? defaultClock, options.pid ?? process.pid);
    this.cwd = options.cwd ?? process.cwd();
  }

  get path(): string | undefined {
    return this.filePath;
  }

  /**
   * The intern id of a file name. A new name appends its `str` record to `pending` (written just before the
   * record that uses it, in the same batch).
   */
  /** The id of an already interned name. */
  internedId(name: string): number | undefined {
    return this.internTable.get(name);
  }

  intern(name: string, linePrefix: string, pending: string[]): number {
    let id = this.internTable.get(name);
    if (id === undefined) {
      id = this.internTable.size;
      this.internTable.set(name, id);
      pending.push(`${linePrefix} {"str": ${pyJsonDumps([name, id])}}\n`);
    }
    return id;
  }

  /** Appends whole records. Returns false when the trace cannot be written (the caller turns tracing off). */
  write(records: string, rank: number | undefined): boolean {
    if (this.failed) return false;
    if (!this.writer && !this.open(rank)) return false;
    const writer = this.writer!;
    if (writer.lastError) {
      this.failed = true;
      warnOnce(
        `write:${this.filePath}`,
        traceWarning(
          'E_TRACE_WRITE',
          `writing the structured trace ${this.filePath} failed (${writer.lastError.message}); tracing is off for the rest of this process`,
          'check free space and permissions of the TORCH_TRACE directory',
        ),
      );
      writer.close();
      return false;
    }
    writer.write(records);
    return true;
  }

  flush(): void {
    this.writer?.flush();
  }

  close(): void {
    this.writer?.close();
    this.writer = undefined;
    this.failed = true;
  }

  private open(rank: number | undefined): boolean {
    try {
      const { path, writer } = createTraceFile(this.dir, rank);
      this.writer = writer;
      this.filePath = path;
      announce(path);
      return true;
    } catch (err) {
      this.failed = true;
      const cause = err instanceof TraceFileError ? err.reason : (err as Error);
      warnOnce(
        `dir:${this.dir}`,
        traceWarning(
          'E_TRACE_DIR',
          `cannot create the structured trace in ${this.dir} (${cause.message}); tracing is off for this process`,
          'set TORCH_TRACE (or TORCH_DTRACE) to a directory you can create and write, or unset it',
        ),
      );
      return false;
    }
  }
}

/** PyTorch logs `LazyTraceHandler: logging to <path>` at INFO when the file is created; so do we. */
function announce(path: string): void {
  try {
    getLogger('compilog.artifacts.trace').info(`LazyTraceHandler: logging to ${path}`);
  } catch {
    // The announcement is a courtesy; never fail tracing over it.
  }
}
