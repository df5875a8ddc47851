/**
 * A batched writer to a file descriptor. Writes are appended to an in-memory batch, and the batch is written when
 * it passes `highWaterMark` bytes, on the next turn of the event loop, on flush(), and before exit (see
 * exit-flush.ts). With `offThread`, the batch is a sequence of frames (frames.ts) handed to the write thread
 * (write-thread.ts), which expands and writes it while the caller goes on; flush() still returns only once
 * everything is written, so exit, crash and signal hooks lose nothing. Without it (or when the thread is
 * unavailable) the batch holds the final bytes and is written with one synchronous write.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { onExitFlush } from './exit-flush.js';
import {
  expandFrames,
  expandLinesText,
  expandRecordText,
  FRAME_HEADER_BYTES,
  FRAME_LINES,
  FRAME_RAW,
  FRAME_RECORD,
  md5Hex,
} from './frames.js';
import {
  drainWrites,
  queueBatch,
  registerWriter,
  releaseWriter,
  SLOT_BYTES,
  writeAllSync,
  writeError,
} from './write-thread.js';

export interface BatchedWriterOptions {
  /** Flush once this many UTF-16 code units are buffered. Default 64 KiB. */
  highWaterMark?: number;
  /**
   * Write batches on the write thread (not for a terminal, where records should appear as they are made).
   * COMPILOG_WRITE_THREAD=0 turns the thread off for the whole process.
   */
  offThread?: boolean;
  /** Called once, on this thread, when a write first fails (later writes are dropped). */
  onError?: (error: Error) => void;
}

export class BatchedWriter {
  readonly fd: number;
  /**
   * The batch, already UTF-8 encoded: each write is encoded into this reused buffer at once, so the batch holds
   * no strings (nothing for the garbage collector to keep copying while a batch fills up).
   */
  private buffer: Buffer = Buffer.allocUnsafe(0);
  /** Bytes of the batch in `buffer`. */
  private bytes = 0;
  /** UTF-16 code units written into the batch (what `highWaterMark` counts). */
  private size = 0;
  private scheduled = false;
  private closed = false;
  private readonly highWaterMark: number;
  private readonly ownsFd: boolean;
  private readonly unregister: () => void;
  /** This writer's id on the write thread; undefined when it writes synchronously. Its batch then holds frames. */
  private threadId: number | undefined;
  private syncError: Error | undefined;
  private onError: ((error: Error) => void) | undefined;

  constructor(fd: number, options: BatchedWriterOptions & { ownsFd?: boolean } = {}) {
    this.fd = fd;
    this.ownsFd = options.ownsFd ?? false;
    this.highWaterMark = options.highWaterMark ?? 65536;
    this.onError = options.onError;
    if (options.offThread === true) this.threadId = registerWriter(fd);
    this.unregister = onExitFlush(() => this.flush());
  }

  /** Set when a write to the destination failed; later writes are dropped instead of throwing. */
  get lastError(): Error | undefined {
    return this.syncError ?? (this.threadId === undefined ? undefined : writeError(this.threadId));
  }

  /** Opens `path` for appending (creating it), as PyTorch's FileHandler does. */
  static appendToFile(path: string, options: BatchedWriterOptions = {}): BatchedWriter {
    return new BatchedWriter(openSync(path, 'a'), { ...options, ownsFd: true });
  }

  write(text: string): void {
    if (this.threadId === undefined) this.append(text);
    else this.frame(FRAME_RAW, text, '');
  }

  /** `head` before every line of `body`, then a newline: a glog record (the prefix repeated on each line). */
  writeLines(head: string, body: string): void {
    if (this.threadId === undefined) this.append(expandLinesText(head, body));
    else this.frame(FRAME_LINES, head, body);
  }

  /** `head`, then `, "has_payload": "<md5>"}`, then the payload's lines each after a tab: a trace record. */
  writeRecord(head: string, payload: string): void {
    if (this.threadId === undefined) this.append(expandRecordText(head, payload));
    else this.frame(FRAME_RECORD, head, payload);
  }

  /** Appends final text (synchronous mode). */
  private append(text: string): void {
    if (this.closed) return;
    // A UTF-16 code unit is at most 3 UTF-8 bytes.
    this.reserve(text.length * 3);
    this.bytes += this.buffer.write(text, this.bytes, 'utf8');
    this.added(text.length);
  }

  /** Appends one frame (write-thread mode); a batch never outgrows one slot of the thread's queue. */
  private frame(kind: number, a: string, b: string): void {
    if (this.closed) return;
    const worst = FRAME_HEADER_BYTES + 3 * (a.length + b.length);
    if (this.bytes > 0 && this.bytes + worst > SLOT_BYTES) this.writeBatch();
    if (worst > SLOT_BYTES) {
      this.rawInPieces(
        kind === FRAME_LINES ? expandLinesText(a, b) : kind === FRAME_RECORD ? expandRecordText(a, b) : a,
      );
      return;
    }
    this.reserve(worst);
    const at = this.bytes;
    const lengthA = this.buffer.write(a, at + FRAME_HEADER_BYTES, 'utf8');
    const lengthB = b === '' ? 0 : this.buffer.write(b, at + FRAME_HEADER_BYTES + lengthA, 'utf8');
    this.buffer.writeUInt32LE(kind, at);
    this.buffer.writeUInt32LE(lengthA, at + 4);
    this.buffer.writeUInt32LE(lengthB, at + 8);
    this.bytes = at + FRAME_HEADER_BYTES + lengthA + lengthB;
    this.added(a.length + b.length);
  }

  /** A record too large for one slot, as raw frames of at most a slot each (never splitting a surrogate pair). */
  private rawInPieces(text: string): void {
    const piece = Math.floor((SLOT_BYTES - FRAME_HEADER_BYTES) / 3);
    for (let start = 0; start < text.length; ) {
      let end = Math.min(text.length, start + piece);
      const last = text.charCodeAt(end - 1);
      if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
      this.frame(FRAME_RAW, text.slice(start, end), '');
      start = end;
    }
  }

  private reserve(extra: number): void {
    const need = this.bytes + extra;
    if (this.buffer.length < need) {
      const grown = Buffer.allocUnsafe(Math.max(need, 2 * this.buffer.length, 1024));
      this.buffer.copy(grown, 0, 0, this.bytes);
      this.buffer = grown;
    }
  }

  private added(units: number): void {
    this.size += units;
    if (this.size >= this.highWaterMark) this.writeBatch();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushScheduled);
    }
  }

  private readonly flushScheduled = (): void => {
    this.scheduled = false;
    this.writeBatch();
  };

  /** Writes everything buffered, and returns once it is written (also what the write thread had queued). */
  flush(): void {
    this.writeBatch();
    if (this.threadId !== undefined) {
      drainWrites();
      this.reportError();
    }
  }

  /** Tells onError about the first failed write, once. */
  private reportError(): void {
    const callback = this.onError;
    if (callback === undefined) return;
    const error = this.lastError;
    if (error === undefined) return;
    this.onError = undefined;
    try {
      callback(error);
    } catch {
      // A reporting callback must not turn a failed write into a thrown error.
    }
  }

  /** Hands the batch to the write thread, or writes it now. */
  private writeBatch(): void {
    if (this.bytes === 0) return;
    const bytes = this.bytes;
    this.bytes = 0;
    this.size = 0;
    const batch = this.buffer.subarray(0, bytes);
    if (this.lastError === undefined) {
      if (this.threadId === undefined) this.writeNow(batch);
      else if (!queueBatch(this.threadId, batch)) this.writeNow(expandFrames(batch, md5Hex));
    }
    // A one-off huge batch does not keep its buffer.
    if (this.buffer.length > MAX_KEPT_SCRATCH) this.buffer = Buffer.allocUnsafe(0);
    this.reportError();
  }

  private writeNow(bytes: Uint8Array): void {
    const code = writeAllSync(this.fd, bytes);
    if (code !== undefined) this.syncError = Object.assign(new Error(`${code}: write failed`), { code });
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.unregister();
    if (this.threadId !== undefined) {
      // Its last error stays readable after close.
      this.syncError ??= writeError(this.threadId);
      releaseWriter(this.threadId);
      this.threadId = undefined;
    }
    if (this.ownsFd) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
    }
  }

  isTTY(): boolean {
    try {
      return fstatSync(this.fd).isCharacterDevice() && (this.fd === 1 || this.fd === 2)
        ? Boolean((this.fd === 2 ? process.stderr : process.stdout).isTTY)
        : false;
    } catch {
      return false;
    }
  }
}

/** Scratch buffers larger than this (a batch far above the high-water mark) are dropped after use. */
const MAX_KEPT_SCRATCH = 1 << 20;
