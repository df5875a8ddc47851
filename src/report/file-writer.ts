/**
 * Writing thousands of report files costs mostly open()/create in the kernel, so a worker thread does the
 * writes (on the other core) while the main thread keeps parsing. Contents go through a shared ring buffer
 * (one copy, strings encoded straight into it, no structured clone); the worker gets small batches of
 * {path, offset, length} records. The main thread blocks (Atomics.wait) when the ring is full, so memory
 * stays bounded. Without a worker (or with `COMPILOG_REPORT_SYNC_WRITES=1`) writes are synchronous.
 */
import { copyFileSync, linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';

const RING = 8 << 20;
const BATCH_FILES = 64;
const BATCH_BYTES = 1 << 20;

// Plain CommonJS so it runs the same from src (tests) and dist (CLI).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const ring = Buffer.from(workerData.ring);
const pending = new Int32Array(workerData.ctrl);
const made = new Set();
const errors = [];
function one(m) {
  try {
    const d = path.dirname(m.p);
    if (!made.has(d)) { fs.mkdirSync(d, { recursive: true }); made.add(d); }
    if (m.t === 'copy') { try { fs.linkSync(m.from, m.p); } catch { fs.copyFileSync(m.from, m.p); } }
    else if (m.d !== undefined) fs.writeFileSync(m.p, m.d);
    else fs.writeFileSync(m.p, ring.subarray(m.o, m.o + m.len));
  } catch (e) { errors.push(m.p + ': ' + e.message); }
  Atomics.sub(pending, 0, m.n);
  Atomics.notify(pending, 0);
}
parentPort.on('message', (batch) => {
  if (batch === 'errors') { parentPort.postMessage(errors.splice(0)); return; }
  for (const m of batch) one(m);
});
`;

interface Job {
  t: 'w' | 'copy';
  p: string;
  /** ring offset and length, or inline data for contents bigger than the ring */
  o?: number;
  len?: number;
  d?: string | Uint8Array;
  from?: string;
  /** bytes of ring (or budget) this job frees once written */
  n: number;
}

/** A hard link when the input is on the same filesystem (no second copy of a big log), else a copy. */
function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

export class FileWriter {
  private worker: Worker | null = null;
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(4));
  private ring: Buffer = Buffer.alloc(0);
  private head = 0;
  private batch: Job[] = [];
  private batchBytes = 0;
  private readonly syncErrors: string[] = [];
  private readonly made = new Set<string>();

  constructor(useWorker = true) {
    if (!useWorker) return;
    try {
      const sab = new SharedArrayBuffer(RING);
      this.worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { ring: sab, ctrl: this.ctrl.buffer },
      });
      this.worker.unref();
      this.ring = Buffer.from(sab);
    } catch {
      this.worker = null;
    }
  }

  private post(job: Job): void {
    this.batch.push(job);
    this.batchBytes += job.len ?? 0;
    if (this.batch.length >= BATCH_FILES || this.batchBytes >= BATCH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.batch.length === 0 || this.worker === null) return;
    this.worker.postMessage(this.batch);
    this.batch = [];
    this.batchBytes = 0;
  }

  /** Blocks until `n` more bytes fit in the budget. */
  private reserve(n: number): void {
    for (;;) {
      const cur = Atomics.load(this.ctrl, 0);
      if (cur + n <= RING || cur === 0) break;
      this.flush();
      Atomics.wait(this.ctrl, 0, cur, 50);
    }
    Atomics.add(this.ctrl, 0, n);
  }

  /** Queues a file write. `content` may be a view of a reused buffer: it is copied before returning. */
  write(abs: string, content: string | Uint8Array): void {
    if (this.worker === null) {
      this.writeSync(abs, content);
      return;
    }
    const len = typeof content === 'string' ? Buffer.byteLength(content) : content.length;
    if (len > RING / 2) {
      // too big for the ring: hand over a copy (rare: multi-MB payloads)
      this.reserve(RING / 2);
      const d = typeof content === 'string' ? content : new Uint8Array(content);
      this.post({ t: 'w', p: abs, d, n: RING / 2 });
      return;
    }
    let waste = 0;
    if (this.head + len > RING) {
      waste = RING - this.head; // skip the ring's tail end; freed with this job
    }
    this.reserve(len + waste);
    if (waste > 0) this.head = 0;
    const o = this.head;
    if (typeof content === 'string') this.ring.write(content, o, len, 'utf8');
    else this.ring.set(content, o);
    this.head += len;
    this.post({ t: 'w', p: abs, o, len, n: len + waste });
  }

  copy(from: string, abs: string): void {
    if (this.worker === null) {
      try {
        this.ensureDir(abs);
        linkOrCopy(from, abs);
      } catch (e) {
        this.syncErrors.push(`${abs}: ${(e as Error).message}`);
      }
      return;
    }
    this.reserve(1);
    this.post({ t: 'copy', from, p: abs, n: 1 });
  }

  private ensureDir(abs: string): void {
    const d = dirname(abs);
    if (this.made.has(d)) return;
    mkdirSync(d, { recursive: true });
    this.made.add(d);
  }

  private writeSync(abs: string, content: string | Uint8Array): void {
    try {
      this.ensureDir(abs);
      writeFileSync(abs, content);
    } catch (e) {
      this.syncErrors.push(`${abs}: ${(e as Error).message}`);
    }
  }

  /** Waits until every queued write is on disk; returns the write errors since the last call. */
  async drain(): Promise<string[]> {
    this.flush();
    for (;;) {
      const cur = Atomics.load(this.ctrl, 0);
      if (cur <= 0) break;
      Atomics.wait(this.ctrl, 0, cur, 50);
    }
    const errors = this.syncErrors.splice(0);
    const w = this.worker;
    if (w !== null) {
      const fromWorker = await new Promise<string[]>((resolve) => {
        w.once('message', (m: string[]) => resolve(m));
        w.ref();
        w.postMessage('errors');
      });
      w.unref();
      errors.push(...fromWorker);
    }
    return errors;
  }

  async close(): Promise<void> {
    await this.drain();
    await this.worker?.terminate();
    this.worker = null;
  }
}
