/**
 * Writing thousands of small report files costs mostly open()/create in the kernel. A worker thread does
 * the writes (on the other core) while the main thread keeps parsing. Memory stays bounded: the main
 * thread blocks (Atomics.wait) while more than LIMIT bytes are queued. If a worker cannot start, writes
 * happen synchronously on the main thread.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';

const LIMIT = 8 << 20;

// Plain CommonJS so it runs the same from src (tests) and dist (CLI).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const pending = new Int32Array(workerData.sab);
const made = new Set();
const errors = [];
parentPort.on('message', (m) => {
  if (m.t === 'errors') { parentPort.postMessage(errors.splice(0)); return; }
  try {
    const d = path.dirname(m.p);
    if (!made.has(d)) { fs.mkdirSync(d, { recursive: true }); made.add(d); }
    if (m.t === 'copy') fs.copyFileSync(m.from, m.p); else fs.writeFileSync(m.p, m.d);
  } catch (e) { errors.push(m.p + ': ' + e.message); }
  Atomics.sub(pending, 0, m.n);
  Atomics.notify(pending, 0);
});
`;

export class FileWriter {
  private worker: Worker | null = null;
  private readonly pending = new Int32Array(new SharedArrayBuffer(4));
  private readonly syncErrors: string[] = [];
  private readonly made = new Set<string>();

  constructor(useWorker = true) {
    if (!useWorker) return;
    try {
      this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sab: this.pending.buffer } });
      this.worker.unref();
    } catch {
      this.worker = null;
    }
  }

  private throttle(n: number): void {
    Atomics.add(this.pending, 0, n);
    for (;;) {
      const cur = Atomics.load(this.pending, 0);
      if (cur <= LIMIT) return;
      Atomics.wait(this.pending, 0, cur, 50);
    }
  }

  /** Queues a file write. `content` may be a view of a reused buffer: it is copied before returning. */
  write(abs: string, content: string | Uint8Array): void {
    if (this.worker === null) return this.writeSync(abs, content);
    const n = Math.max(content.length, 1);
    this.throttle(n);
    if (typeof content === 'string') {
      this.worker.postMessage({ t: 'w', p: abs, d: content, n });
    } else {
      const copy = new Uint8Array(content); // exact-size copy, then moved (not cloned) to the worker
      this.worker.postMessage({ t: 'w', p: abs, d: copy, n }, [copy.buffer]);
    }
  }

  copy(from: string, abs: string): void {
    if (this.worker === null) {
      try {
        this.ensureDir(abs);
        copyFileSync(from, abs);
      } catch (e) {
        this.syncErrors.push(`${abs}: ${(e as Error).message}`);
      }
      return;
    }
    this.throttle(1);
    this.worker.postMessage({ t: 'copy', from, p: abs, n: 1 });
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
    for (;;) {
      const cur = Atomics.load(this.pending, 0);
      if (cur <= 0) break;
      Atomics.wait(this.pending, 0, cur, 50);
    }
    const errors = this.syncErrors.splice(0);
    const w = this.worker;
    if (w !== null) {
      const fromWorker = await new Promise<string[]>((resolve) => {
        w.once('message', (m: string[]) => resolve(m));
        w.ref();
        w.postMessage({ t: 'errors' });
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
