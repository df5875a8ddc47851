/**
 * A batched, synchronous writer to a file descriptor. Writes are appended to an in-memory batch and written
 * with one writeSync per batch: when the batch passes `highWaterMark` bytes, on the next turn of the event
 * loop, on flush(), and before exit (see exit-flush.ts). Synchronous batches mean there is never an
 * in-flight async write at exit, so a crash loses nothing that was written before it, in order.
 */
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { onExitFlush } from './exit-flush.js';

export interface BatchedWriterOptions {
  /** Flush once this many UTF-16 code units are buffered. Default 64 KiB. */
  highWaterMark?: number;
}

export class BatchedWriter {
  readonly fd: number;
  private batch: string[] = [];
  /** UTF-16 code units in `batch` (at most 3 UTF-8 bytes each). */
  private size = 0;
  private scratch: Buffer = Buffer.allocUnsafe(0);
  private scheduled = false;
  private closed = false;
  private readonly highWaterMark: number;
  private readonly ownsFd: boolean;
  private readonly unregister: () => void;
  /** Set when a write to the destination failed; later writes are dropped instead of throwing. */
  lastError: Error | undefined;

  constructor(fd: number, options: BatchedWriterOptions & { ownsFd?: boolean } = {}) {
    this.fd = fd;
    this.ownsFd = options.ownsFd ?? false;
    this.highWaterMark = options.highWaterMark ?? 65536;
    this.unregister = onExitFlush(() => this.flush());
  }

  /** Opens `path` for appending (creating it), as PyTorch's FileHandler does. */
  static appendToFile(path: string, options: BatchedWriterOptions = {}): BatchedWriter {
    return new BatchedWriter(openSync(path, 'a'), { ...options, ownsFd: true });
  }

  write(text: string): void {
    if (this.closed) return;
    this.batch.push(text);
    this.size += text.length;
    if (this.size >= this.highWaterMark) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushScheduled);
    }
  }

  private readonly flushScheduled = (): void => {
    this.scheduled = false;
    this.flush();
  };

  flush(): void {
    if (this.size === 0) return;
    const batch = this.batch;
    const units = this.size;
    this.batch = [];
    this.size = 0;
    // Each piece is encoded straight into one reused buffer: joining the pieces first would copy every
    // byte once more (and flatten concatenated strings twice); this halves the cost of a flush.
    const worst = units * 3;
    if (this.scratch.length < worst)
      this.scratch = Buffer.allocUnsafe(Math.max(worst, 2 * this.scratch.length));
    let bytes = 0;
    for (const piece of batch) bytes += this.scratch.write(piece, bytes, 'utf8');
    writeFully(this, this.scratch.subarray(0, bytes));
    // A one-off huge batch does not keep its buffer.
    if (this.scratch.length > MAX_KEPT_SCRATCH) this.scratch = Buffer.allocUnsafe(0);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.unregister();
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

function writeFully(writer: BatchedWriter, data: Buffer): void {
  let buf = data;
  let spins = 0;
  while (buf.length > 0) {
    try {
      const n = writeSync(writer.fd, buf);
      buf = buf.subarray(n);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A non-blocking pipe (stderr to a slow reader) says EAGAIN: wait a little and retry, as sonic-boom does.
      if ((code === 'EAGAIN' || code === 'EBUSY') && spins++ < 1000) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        continue;
      }
      writer.lastError = err as Error;
      return;
    }
  }
}
