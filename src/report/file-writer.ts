/**
 * Writing thousands of report files costs mostly open()/create in the kernel, so a worker thread does the
 * writes (on the other core) while the main thread keeps parsing. Contents go through a shared ring buffer
 * (one copy, strings encoded straight into it, no structured clone); the worker gets small batches of
 * {path, offset, length} records. The main thread blocks (Atomics.wait) when the ring is full, so memory
 * stays bounded. Without a worker (or with `COMPILOG_REPORT_SYNC_WRITES=1`) writes are synchronous.
 */
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, linkSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CompilogError } from '../logging/index.js';

const RING = 8 << 20;
const BATCH_FILES = 512;
const BATCH_BYTES = 1 << 20;
const STALL_MS = 60_000;

// Plain CommonJS so it runs the same from src (tests) and dist (CLI).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const ring = Buffer.from(workerData.ring);
const pending = new Int32Array(workerData.ctrl);
const made = new Set();
const errors = [];
const md5Failures = [];
let lastArrayCount = 0;
const { createHash } = require('node:crypto');
let arr = null;
function one(m) {
  if (m.t === 'aopen') {
    try { fs.mkdirSync(path.dirname(m.p), { recursive: true }); arr = { fd: fs.openSync(m.p, 'w'), count: 0 }; }
    catch (e) { errors.push(m.p + ': ' + e.message); arr = null; }
  } else if (m.t === 'aitem' || m.t === 'aclose') {
    try {
      if (arr !== null && m.t === 'aitem') {
        const bytes = ring.subarray(m.o, m.o + m.len);
        let ok = true;
        try { JSON.parse(bytes.toString('utf8')); } catch { ok = false; }
        if (ok) { fs.writeSync(arr.fd, arr.count === 0 ? '[\\n' : ',\\n'); fs.writeSync(arr.fd, bytes); arr.count++; }
      } else if (arr !== null) {
        fs.writeSync(arr.fd, arr.count === 0 ? '[]' : '\\n]');
        fs.closeSync(arr.fd);
        lastArrayCount = arr.count;
        arr = null;
      }
    } catch (e) { errors.push('json array: ' + e.message); }
  }
  if (m.t === 'aopen' || m.t === 'aitem' || m.t === 'aclose') return;
  if (m.t === 'md5') {
    if (createHash('md5').update(ring.subarray(m.o, m.o + m.len)).digest('hex') !== m.md5) md5Failures.push(m.line);
    return;
  }
  try {
    const d = path.dirname(m.p);
    if (!made.has(d)) { fs.mkdirSync(d, { recursive: true }); made.add(d); }
    if (m.t === 'copy') { try { fs.linkSync(m.from, m.p); } catch { fs.copyFileSync(m.from, m.p); } }
    else if (m.d !== undefined) fs.writeFileSync(m.p, m.d);
    else fs.writeFileSync(m.p, ring.subarray(m.o, m.o + m.len));
  } catch (e) { errors.push(m.p + ': ' + e.message); }
}
parentPort.on('message', (msg) => {
  const batch = typeof msg === 'string' && msg !== 'errors' ? JSON.parse(msg) : msg;
  if (batch === 'errors') { parentPort.postMessage({ errors: errors.splice(0), md5Failures: md5Failures.splice(0), arrayItems: lastArrayCount }); return; }
  for (const m of batch) {
    try { one(m); } catch (e) { errors.push(String(e && e.message)); }
    finally { Atomics.sub(pending, 0, m.n); Atomics.notify(pending, 0); }
  }
});
Atomics.store(pending, 1, 1);
Atomics.notify(pending, 1);
`;

interface Job {
  t: 'w' | 'copy' | 'md5' | 'aopen' | 'aitem' | 'aclose';
  md5?: string;
  line?: number;
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
  /** [0]: bytes queued and not yet written; [1]: 1 once the worker is up */
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(8));
  private ring: Buffer = Buffer.alloc(0);
  private head = 0;
  private batch: Job[] = [];
  private batchBytes = 0;
  private readonly syncErrors: string[] = [];
  private readonly syncMd5Failures: number[] = [];
  private syncArray: { fd: number; count: number } | null = null;
  private arrayItems = 0;
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
      this.worker.on('error', () => {
        // a dead worker is noticed at start-up (below); later errors are reported per file
      });
      this.ring = Buffer.from(sab);
      // wait for the worker to come up; if it does not, write synchronously rather than block forever
      Atomics.wait(this.ctrl, 1, 0, 5000);
      if (Atomics.load(this.ctrl, 1) !== 1) {
        void this.worker.terminate();
        this.worker = null;
      }
    } catch {
      this.worker = null;
    }
  }

  /** Whether writes run on the worker thread (false: synchronous fallback). */
  get threaded(): boolean {
    return this.worker !== null;
  }

  private post(job: Job): void {
    this.batch.push(job);
    this.batchBytes += job.len ?? 0;
    if (this.batch.length >= BATCH_FILES || this.batchBytes >= BATCH_BYTES) this.flush();
  }

  /** Sends the queued jobs as one JSON string: far cheaper than structured-cloning many small objects. */
  private flush(): void {
    if (this.batch.length === 0 || this.worker === null) return;
    this.worker.postMessage(JSON.stringify(this.batch));
    this.batch = [];
    this.batchBytes = 0;
  }

  /** Keeps job order when a job bypasses the batch. */
  private reserveFlushed(): void {
    this.flush();
  }

  /** Blocks until the queued bytes satisfy `done`; a worker that makes no progress for a minute is an error, not a hang. */
  private waitFor(done: (queued: number) => boolean): void {
    let last = Atomics.load(this.ctrl, 0);
    let since = Date.now();
    for (;;) {
      const cur = Atomics.load(this.ctrl, 0);
      if (done(cur)) return;
      if (cur !== last) {
        last = cur;
        since = Date.now();
      } else if (Date.now() - since > STALL_MS) {
        throw new CompilogError(
          'E_REPORT_WRITER_STALLED',
          `the report's writer thread made no progress for ${STALL_MS / 1000} s`,
          'rerun with COMPILOG_REPORT_SYNC_WRITES=1 to write from the main thread',
        );
      }
      this.flush();
      Atomics.wait(this.ctrl, 0, cur, 50);
    }
  }

  /** Blocks until `n` more bytes fit in the budget. */
  private reserve(n: number): void {
    this.waitFor((cur) => cur + n <= RING || cur === 0);
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
      this.reserveFlushed();
      this.worker.postMessage([{ t: 'w', p: abs, d, n: RING / 2 }]);
      return;
    }
    const { o, n } = this.toRing(content, len);
    this.post({ t: 'w', p: abs, o, len, n });
  }

  /** Copies content into the ring (waiting for room); returns its offset and the bytes the job frees. */
  private toRing(content: string | Uint8Array, len: number): { o: number; n: number } {
    let waste = 0;
    if (this.head + len > RING) waste = RING - this.head; // skip the ring's tail end; freed with this job
    this.reserve(len + waste);
    if (waste > 0) this.head = 0;
    const o = this.head;
    if (typeof content === 'string') this.ring.write(content, o, len, 'utf8');
    else this.ring.set(content, o);
    this.head += len;
    return { o, n: len + waste };
  }

  /**
   * Checks a payload's md5 off the main thread (on the worker, next to the writes); mismatching line
   * numbers come back from `drain`.
   */
  verifyMd5(bytes: Uint8Array, md5: string, line: number): void {
    if (this.worker === null || bytes.length > RING / 2) {
      if (createHash('md5').update(bytes).digest('hex') !== md5) this.syncMd5Failures.push(line);
      return;
    }
    const { o, n } = this.toRing(bytes, bytes.length);
    this.post({ t: 'md5', p: '', o, len: bytes.length, md5, line, n });
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

  /**
   * A JSON array file written item by item (chromium_events.json): each item is checked with JSON.parse
   * and skipped if invalid, off the main thread. The item count comes back from `drain`.
   */
  openJsonArray(abs: string): void {
    if (this.worker === null) {
      this.ensureDir(abs);
      this.syncArray = { fd: openSync(abs, 'w'), count: 0 };
      return;
    }
    this.reserve(1);
    this.post({ t: 'aopen', p: abs, n: 1 });
  }

  appendJsonArrayItem(bytes: Uint8Array): void {
    const a = this.syncArray;
    if (this.worker === null || bytes.length > RING / 2) {
      if (a === null) return;
      try {
        JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
      } catch {
        return;
      }
      writeSync(a.fd, a.count === 0 ? '[\n' : ',\n');
      writeSync(a.fd, bytes);
      a.count++;
      return;
    }
    const { o, n } = this.toRing(bytes, bytes.length);
    this.post({ t: 'aitem', p: '', o, len: bytes.length, n });
  }

  closeJsonArray(): void {
    const a = this.syncArray;
    if (this.worker === null) {
      if (a === null) return;
      writeSync(a.fd, a.count === 0 ? '[]' : '\n]');
      closeSync(a.fd);
      this.arrayItems = a.count;
      this.syncArray = null;
      return;
    }
    this.reserve(1);
    this.post({ t: 'aclose', p: '', n: 1 });
  }

  /** Waits until every queued write is on disk; returns the write errors and md5 failures since the last call. */
  async drain(): Promise<{ errors: string[]; md5Failures: number[]; arrayItems: number }> {
    this.flush();
    this.waitFor((cur) => cur <= 0);
    const errors = this.syncErrors.splice(0);
    const md5Failures = this.syncMd5Failures.splice(0);
    const w = this.worker;
    if (w !== null) {
      const fromWorker = await new Promise<{ errors: string[]; md5Failures: number[]; arrayItems: number }>(
        (resolve) => {
          w.once('message', resolve);
          w.ref();
          w.postMessage('errors');
        },
      );
      w.unref();
      errors.push(...fromWorker.errors);
      md5Failures.push(...fromWorker.md5Failures);
      this.arrayItems = fromWorker.arrayItems;
    }
    return { errors, md5Failures: md5Failures.sort((a, b) => a - b), arrayItems: this.arrayItems };
  }

  async close(): Promise<void> {
    await this.drain();
    await this.worker?.terminate();
    this.worker = null;
  }
}
