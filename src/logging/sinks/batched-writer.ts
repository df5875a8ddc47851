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
    // A UTF-16 code unit is at most 3 UTF-8 bytes.
    const need = this.bytes + text.length * 3;
    if (this.buffer.length < need) {
      const grown = Buffer.allocUnsafe(Math.max(need, 2 * this.buffer.length, 1024));
      this.buffer.copy(grown, 0, 0, this.bytes);
      this.buffer = grown;
    }
    this.bytes += this.buffer.write(text, this.bytes, 'utf8');
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
    const bytes = this.bytes;
    this.bytes = 0;
    this.size = 0;
    writeFully(this, this.buffer.subarray(0, bytes));
    // A one-off huge batch does not keep its buffer.
    if (this.buffer.length > MAX_KEPT_SCRATCH) this.buffer = Buffer.allocUnsafe(0);
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
