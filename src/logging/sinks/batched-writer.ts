/**
 * A batched writer to a file descriptor. Writes are appended to an in-memory batch, and the batch is written when
 * it passes `highWaterMark` bytes, on the next turn of the event loop, on flush(), and before exit (see
 * exit-flush.ts). With `offThread`, a full or scheduled batch is handed to the write thread (write-thread.ts) and
 * the caller goes on; flush() still returns only once everything is written, so exit, crash and signal hooks lose
 * nothing. Without it (or when the thread is unavailable) each batch is one synchronous write.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { onExitFlush } from './exit-flush.js';
import {
  drainWrites,
  queueWrite,
  registerWriter,
  releaseWriter,
  writeAllSync,
  writeError,
} from './write-thread.js';

export interface BatchedWriterOptions {
  /** Flush once this many UTF-16 code units are buffered. Default 64 KiB. */
  highWaterMark?: number;
  /**
   * Write full batches on the write thread (not for a terminal, where records should appear as they are made).
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
  private offThread: boolean;
  /** This writer's id on the write thread, once it has handed a batch over. */
  private threadId: number | undefined;
  private syncError: Error | undefined;
  private onError: ((error: Error) => void) | undefined;

  constructor(fd: number, options: BatchedWriterOptions & { ownsFd?: boolean } = {}) {
    this.fd = fd;
    this.ownsFd = options.ownsFd ?? false;
    this.highWaterMark = options.highWaterMark ?? 65536;
    this.offThread = options.offThread ?? false;
    this.onError = options.onError;
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
    if (this.closed) return;
    // A UTF-16 code unit is at most 3 UTF-8 bytes.
    const need = this.bytes + text.length * 3;
    if (this.buffer.length < need) {
      const grown = Buffer.allocUnsafe(Math.max(need, 2 * this.buffer.length, 1024));
      this.buffer.copy(grown, 0, 0, this.bytes);
      this.buffer = grown;
    }
    this.bytes += this.buffer.write(text, this.bytes, 'utf8');
    this.size += text.length;
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
    if (this.size === 0) return;
    const bytes = this.bytes;
    this.bytes = 0;
    this.size = 0;
    let batch = this.buffer.subarray(0, bytes);
    if (this.offThread && this.lastError === undefined) {
      this.threadId ??= registerWriter(this.fd);
      if (this.threadId === undefined) this.offThread = false;
      else batch = batch.subarray(queueWrite(this.threadId, batch));
    }
    if (batch.length > 0 && this.syncError === undefined) {
      const code = writeAllSync(this.fd, batch);
      if (code !== undefined) this.syncError = Object.assign(new Error(`${code}: write failed`), { code });
    }
    // A one-off huge batch does not keep its buffer.
    if (this.buffer.length > MAX_KEPT_SCRATCH) this.buffer = Buffer.allocUnsafe(0);
    this.reportError();
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
