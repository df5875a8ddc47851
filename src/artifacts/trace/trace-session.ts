/**
 * One trace being written: its settings (directory, clock, pid, working directory), the file created on the first
 * record, the `str` intern table of that file, and the names already written by dumpFile. Records arrive whole and
 * are appended to the batch whole, so a crash can at most cut the last one.
 */
import { type BatchedWriter, getLogger, onExitFlush } from '../../logging/index.js';
import { displayPath, type SourceFrame } from './call-sites.js';
import { defaultClock, GlogPrefix, type TraceClock } from './glog-prefix.js';
import { pyJsonDumps } from './py-json.js';
import { createTraceFile, TraceFileError } from './trace-file.js';
import { traceWarning, warnOnce } from './warn.js';

/** Deferred records waiting at most: then they are written at once. */
const MAX_DEFERRED = 64;

/** A queued record once built: its whole text, or (with a payload) its line up to `has_payload` and the payload. */
export type DeferredRecord = string | { readonly head: string; readonly payload: string };

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
  private deferred: (() => DeferredRecord)[] = [];
  private deferredRank: number | undefined;
  private drainScheduled = false;
  private unregisterExit: (() => void) | undefined;
  readonly dumpedFiles = new Set<string>();
  private readonly siteTails = new WeakMap<
    SourceFrame,
    { readonly filename: string; readonly line: number; readonly tail: string }
  >();

  constructor(dir: string, options: TraceSessionOptions = {}) {
    this.dir = dir;
    this.dtrace = options.dtrace ?? false;
    this.prefix = new GlogPrefix(options.clock ?? defaultClock, options.pid ?? process.pid);
    this.cwd = options.cwd ?? process.cwd();
  }

  get path(): string | undefined {
    return this.filePath;
  }

  /** The line-prefix tail (prefix.tail) of records written from `site`, built once per site. */
  siteTail(site: SourceFrame): string {
    const known = this.siteTails.get(site);
    if (known !== undefined && known.filename === site.filename && known.line === site.line)
      return known.tail;
    const tail = this.prefix.tail(displayPath(site.filename, this.cwd), site.line);
    this.siteTails.set(site, { filename: site.filename, line: site.line, tail });
    return tail;
  }

  /** The id of an already interned name. */
  internedId(name: string): number | undefined {
    return this.internTable.get(name);
  }

  /**
   * The intern id of a file name. A new name appends its `str` record to `pending` (written just before the
   * record that uses it, in the same batch).
   */
  intern(name: string, linePrefix: string, pending: string[]): number {
    let id = this.internTable.get(name);
    if (id === undefined) {
      id = this.internTable.size;
      this.internTable.set(name, id);
      pending.push(`${linePrefix} {"str": ${pyJsonDumps([name, id])}}\n`);
    }
    return id;
  }

  /**
   * Queues a record whose text is built later, together with the others queued (chromium events: a compile
   * writes ~20, and each built alone between other work costs 30-40 µs, mostly cold caches; built in one go,
   * a few µs). The builder must capture everything it writes (times, ids) when it is queued. Queued records
   * are written before any record written after them (the file keeps the order of emission), and on flush,
   * close, the next turn of the event loop, exit, and when 64 are waiting.
   */
  defer(build: () => DeferredRecord, rank: number | undefined): void {
    if (this.failed) return;
    if (this.deferred.length === 0) this.deferredRank = rank;
    this.deferred.push(build);
    if (this.deferred.length >= MAX_DEFERRED) this.drain();
    else if (!this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(this.drainSoon);
    }
    this.unregisterExit ??= onExitFlush(() => {
      this.drain();
      this.writer?.flush();
    });
  }

  private readonly drainSoon = (): void => {
    this.drainScheduled = false;
    this.drain();
  };

  /** Builds the queued records now (at the end of the work that queued them; see settleQueuedRecords). */
  buildQueued(): void {
    this.drain();
  }

  /** Builds and writes the queued records. */
  private drain(): void {
    if (this.deferred.length === 0) return;
    const builds = this.deferred;
    this.deferred = [];
    const records: DeferredRecord[] = [];
    for (const build of builds) {
      try {
        records.push(build());
      } catch (err) {
        warnOnce(
          'record:deferred',
          traceWarning(
            'E_TRACE_RECORD',
            `a trace record was dropped: building it failed (${(err as Error)?.message ?? String(err)})`,
            'make the payload a plain JSON-like value',
          ),
        );
      }
    }
    const rank = this.deferredRank;
    for (const record of records) {
      if (typeof record === 'string') this.append(record, rank);
      else this.appendRecord('', record.head, record.payload, rank);
    }
  }

  /** Appends whole records. Returns false when the trace cannot be written (the caller turns tracing off). */
  write(records: string, rank: number | undefined): boolean {
    this.drain();
    return this.append(records, rank);
  }

  /**
   * Appends `before` (whole records, e.g. `str` lines), then a record with a payload: `head` is its line up to
   * `has_payload`, which the writer adds with the payload's md5 and tab-prefixed lines (on its write thread).
   */
  writeRecord(before: string, head: string, payload: string, rank: number | undefined): boolean {
    this.drain();
    return this.appendRecord(before, head, payload, rank);
  }

  private appendRecord(before: string, head: string, payload: string, rank: number | undefined): boolean {
    if (!this.ready(rank)) return false;
    if (before !== '') this.writer!.write(before);
    this.writer!.writeRecord(head, payload);
    return true;
  }

  private append(records: string, rank: number | undefined): boolean {
    if (!this.ready(rank)) return false;
    this.writer!.write(records);
    return true;
  }

  /** Whether records can be written (the file is created on the first one). */
  private ready(rank: number | undefined): boolean {
    if (this.failed) {
      // A writer whose write failed is closed here, on the next record, not inside its own error callback.
      this.writer?.close();
      this.writer = undefined;
      return false;
    }
    return this.writer !== undefined || this.open(rank);
  }

  /** A write failed (found by the writer, maybe on its write thread): warn once and stop tracing. */
  private readonly writeFailed = (error: Error): void => {
    this.failed = true;
    warnOnce(
      `write:${this.filePath}`,
      traceWarning(
        'E_TRACE_WRITE',
        `writing the structured trace ${this.filePath} failed (${error.message}); tracing is off for the rest of this process`,
        'check free space and permissions of the TORCH_TRACE directory',
      ),
    );
  };

  flush(): void {
    this.drain();
    this.writer?.flush();
  }

  close(): void {
    this.drain();
    this.unregisterExit?.();
    this.unregisterExit = undefined;
    this.writer?.close();
    this.writer = undefined;
    this.failed = true;
  }

  private open(rank: number | undefined): boolean {
    try {
      const { path, writer } = createTraceFile(this.dir, rank, this.writeFailed);
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
