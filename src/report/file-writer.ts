/**
 * Writing thousands of report files costs mostly open()/create in the kernel, and checking 140 MB of
 * payload md5s costs CPU, so a worker thread does both (on the other core) while the main thread parses.
 *
 * Transport: a single-producer single-consumer byte ring in shared memory. Every job is one binary record
 * (header, path, data; layout in write-jobs.ts) written straight into the ring: no postMessage, no
 * structured clone, no JSON per batch. The main thread publishes records by bumping a shared counter and
 * wakes the worker only when it sleeps and enough work has piled up; it blocks (Atomics.wait) only when the
 * ring is full, so memory stays bounded. Contents bigger than half the ring travel on a side MessagePort.
 *
 * Without a worker (`new FileWriter(false)`, COMPILOG_REPORT_SYNC_WRITES=1, or a worker that never starts)
 * the same job code (write-jobs.ts) runs synchronously on the calling thread.
 */

import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { payloadBytes } from '../artifacts/index.js';
import { CompilogError } from '../logging/index.js';
import { prettyJsonPayload } from './json-format.js';
import { addTime, timingsOn } from './timings.js';
import { ACT, HEADER, JOB, JOB_SOURCE } from './write-jobs.js';

const RING = 8 << 20;
const INLINE_OVER = RING >> 1;
/** wake a sleeping worker once this much work is queued (or at a drain, or when the ring is full) */
const NOTIFY_BYTES = 256 << 10;
const NOTIFY_RECORDS = 64;
/** past this much queued work the main thread does a payload's CPU work itself (see payload) */
const BACKLOG = RING >> 1;
const WORKER_YOUNG_MB = 8;
const STALL_MS = 60_000;
const START_MS = 5_000;

/** ctrl slots */
const USED = 0; // bytes of ring reserved and not yet consumed
const READY = 1; // 0: starting, 1: the worker claimed the ring, 2: the main thread gave up on it
const PUB = 2; // bytes published so far (wrapping int32)
const WORKER_WAITING = 3;
const MAIN_WAITING = 4;

export interface WriterTimings {
  /** milliseconds spent per kind of job (on the writer thread, or inline in sync mode) */
  strip: number;
  md5: number;
  validate: number;
  json: number;
  files: number;
  arrays: number;
  other: number;
  /** worker thread CPU seconds (user + system), when the platform tells */
  cpuS?: number;
}

export interface DrainResult {
  errors: string[];
  md5Failures: number[];
  arrayItems: number;
  /** characters of the files whose content the writer made (pretty-printed JSON payloads) */
  madeChars?: number;
}

interface Jobs {
  run(
    type: number,
    act: number,
    file: string,
    md5: string,
    line: number,
    buf: Buffer,
    start: number,
    end: number,
    owned: boolean,
  ): void;
  results(): DrainResult & { timings: WriterTimings };
}

type JobFactory = (fs: unknown, path: unknown, crypto: unknown, timed: boolean) => Jobs;

function jobFactory(): JobFactory {
  return new Function(`${JOB_SOURCE}\nreturn createJobs;`)() as JobFactory;
}

function inlineJobs(): Jobs {
  const require = createRequire(import.meta.url);
  return jobFactory()(require('node:fs'), require('node:path'), require('node:crypto'), timingsOn);
}

// The worker: claims the ring, then consumes records until QUIT. Plain CommonJS so it runs the same from
// src (tests) and dist (CLI).
const WORKER_SOURCE = `
const { parentPort, workerData, receiveMessageOnPort } = require('node:worker_threads');
const fs = require('node:fs');
${JOB_SOURCE}
const jobs = createJobs(fs, require('node:path'), require('node:crypto'), workerData.timed);
const ring = Buffer.from(workerData.ring);
const ctrl = new Int32Array(workerData.ctrl);
const side = workerData.side;
const RING = ring.length;
function cpuS() {
  try {
    const s = fs.readFileSync('/proc/thread-self/stat', 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch { return undefined; }
}
function release(n) {
  Atomics.sub(ctrl, ${USED}, n);
  if (Atomics.load(ctrl, ${MAIN_WAITING}) === 1) Atomics.notify(ctrl, ${USED});
}
function consume() {
  let seen = 0;
  let tail = 0;
  for (;;) {
    let pub = Atomics.load(ctrl, ${PUB});
    if (pub === seen) {
      Atomics.store(ctrl, ${WORKER_WAITING}, 1);
      if (Atomics.load(ctrl, ${PUB}) === seen) Atomics.wait(ctrl, ${PUB}, seen, 1000);
      Atomics.store(ctrl, ${WORKER_WAITING}, 0);
      continue;
    }
    while (seen !== pub) {
      const len = ring.readUInt32LE(tail);
      if (len === 0) {
        const skip = RING - tail;
        tail = 0;
        seen = (seen + skip) | 0;
        release(skip);
        continue;
      }
      let type = ring[tail + 4];
      let act = ring[tail + 5];
      const pathLen = ring.readUInt16LE(tail + 6);
      const dataLen = ring.readUInt32LE(tail + 8);
      const line = ring.readUInt32LE(tail + 12);
      const md5 = ring[tail + 16] === 0 ? '' : ring.toString('latin1', tail + 16, tail + 48);
      const file = pathLen === 0 ? '' : ring.toString('utf8', tail + ${HEADER}, tail + ${HEADER} + pathLen);
      const s = tail + ${HEADER} + pathLen;
      try {
        if (type === ${JOB.INLINE}) {
          const m = receiveMessageOnPort(side).message;
          const data = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
          jobs.run(m.type, m.act, m.file, m.md5, m.line, data, 0, data.length, true);
        } else if (type === ${JOB.DRAIN}) {
          const r = jobs.results();
          r.timings.cpuS = cpuS();
          parentPort.postMessage(r);
        } else if (type === ${JOB.QUIT}) {
          release(len);
          return;
        } else {
          jobs.run(type, act, file, md5, line, ring, s, s + dataLen, true);
        }
      } catch (e) {
        // never lose the ring's accounting over one bad job
      }
      tail += len;
      if (tail === RING) tail = 0;
      seen = (seen + len) | 0;
      release(len);
    }
  }
}
if (Atomics.compareExchange(ctrl, ${READY}, 0, 1) === 0) {
  Atomics.notify(ctrl, ${READY});
  consume();
}
`;

const align8 = (n: number) => (n + 7) & ~7;

type HashFn = (algorithm: string, data: Uint8Array, encoding: 'hex') => string;
const oneShot = (crypto as unknown as { hash?: HashFn }).hash;
/** md5 in hex; crypto.hash (Node ≥ 20.12) skips the Hash object */
const md5hex = (b: Uint8Array): string =>
  oneShot !== undefined ? oneShot('md5', b, 'hex') : createHash('md5').update(b).digest('hex');

export class FileWriter {
  private worker: Worker | null = null;
  private side: MessagePort | null = null;
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(32));
  private ring: Buffer = Buffer.alloc(0);
  private head = 0;
  private unnotifiedBytes = 0;
  private unnotifiedRecords = 0;
  private readonly started = Date.now();
  /** time spent per kind of job, as of the last drain */
  timings: WriterTimings | null = null;
  /** errors noticed on this thread (reported with the writer's at the next drain) */
  private readonly mainErrors: string[] = [];
  /** payloads whose md5 the main thread checked (the writer was behind) and found wrong */
  private readonly mainMd5Failures: number[] = [];
  /** payload jobs the main thread took over because the writer was behind */
  takenOver = 0;
  /** characters of pretty-printed payloads made on this thread (see DrainResult.madeChars) */
  private madeHere = 0;
  /** synchronous job runner (no worker, or the worker did not start) */
  private jobs: Jobs | null = null;

  /**
   * @param useWorker write on a worker thread (else synchronously on this one)
   * @param backlog queued bytes past which this thread does payload CPU work itself (tests use 0)
   */
  constructor(
    useWorker = true,
    private readonly backlog = BACKLOG,
    /** for tests: the worker's source and how long to wait for it to start */
    private readonly start: { source?: string; ms?: number } = {},
  ) {
    if (useWorker) {
      try {
        const sab = new SharedArrayBuffer(RING);
        const { port1, port2 } = new MessageChannel();
        this.worker = new Worker(start.source ?? WORKER_SOURCE, {
          eval: true,
          // the writer's garbage is short-lived (decoded payloads, parsed JSON): a small young generation
          // keeps peak RSS ~10 MB lower at no measurable CPU cost
          resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
          workerData: { ring: sab, ctrl: this.ctrl.buffer, side: port2, timed: timingsOn },
          transferList: [port2],
        });
        this.worker.unref();
        this.worker.on('error', () => {
          // a worker that dies before starting is noticed by waitReady; later errors are per job
        });
        this.side = port1;
        this.ring = Buffer.from(sab);
        return;
      } catch {
        this.worker = null;
      }
    }
    this.jobs = inlineJobs();
  }

  /** Whether writes run on the worker thread (false: synchronous). */
  get threaded(): boolean {
    return this.worker !== null;
  }

  /**
   * Makes sure the worker runs; if it has not claimed the ring after START_MS, runs the queued records here
   * and goes synchronous. Only called when the main thread would otherwise block on it.
   */
  private waitReady(): void {
    if (this.worker === null || Atomics.load(this.ctrl, READY) === 1) return;
    const left = (this.start.ms ?? START_MS) - (Date.now() - this.started);
    if (left > 0) Atomics.wait(this.ctrl, READY, 0, left);
    if (Atomics.compareExchange(this.ctrl, READY, 0, 2) !== 0) return; // it came up
    void this.worker.terminate();
    this.worker = null;
    this.jobs = inlineJobs();
    this.consumeHere();
  }

  /** Consumes the published records on this thread (the worker never started). */
  private consumeHere(): void {
    const jobs = this.jobs!;
    let tail = 0;
    let pending = Atomics.load(this.ctrl, USED);
    while (pending > 0) {
      const len = this.ring.readUInt32LE(tail);
      if (len === 0) {
        pending -= this.ring.length - tail;
        tail = 0;
        continue;
      }
      this.runRecord(jobs, tail);
      tail += len;
      if (tail === this.ring.length) tail = 0;
      pending -= len;
    }
    Atomics.store(this.ctrl, USED, 0);
    this.ring = Buffer.alloc(0);
  }

  private runRecord(jobs: Jobs, at: number): void {
    const r = this.ring;
    const type = r[at + 4];
    const pathLen = r.readUInt16LE(at + 6);
    const dataLen = r.readUInt32LE(at + 8);
    const md5 = r[at + 16] === 0 ? '' : r.toString('latin1', at + 16, at + 48);
    const file = r.toString('utf8', at + HEADER, at + HEADER + pathLen);
    const s = at + HEADER + pathLen;
    if (type === JOB.INLINE) {
      // cannot happen: inline contents are only sent once the worker runs
      return;
    }
    if (type === JOB.DRAIN || type === JOB.QUIT) return;
    jobs.run(type, r[at + 5], file, md5, r.readUInt32LE(at + 12), r, s, s + dataLen, true);
  }

  private notify(force: boolean): void {
    if (this.unnotifiedRecords === 0) return;
    if (!force && this.unnotifiedBytes < NOTIFY_BYTES && this.unnotifiedRecords < NOTIFY_RECORDS) return;
    if (Atomics.load(this.ctrl, WORKER_WAITING) === 1 || force) Atomics.notify(this.ctrl, PUB);
    this.unnotifiedBytes = 0;
    this.unnotifiedRecords = 0;
  }

  /** Blocks until `n` more bytes fit in the ring; a worker that makes no progress for a minute is an error. */
  private reserve(n: number): void {
    const ctrl = this.ctrl;
    if (Atomics.load(ctrl, USED) + n > RING) {
      const t0 = timingsOn ? performance.now() : 0;
      this.reserveSlow(n);
      if (timingsOn) addTime('ringFullWait', t0);
    }
    Atomics.add(ctrl, USED, n);
  }

  private reserveSlow(n: number): void {
    const ctrl = this.ctrl;
    this.notify(true);
    this.waitReady();
    if (this.worker === null) return;
    let last = Atomics.load(ctrl, USED);
    let since = Date.now();
    for (;;) {
      Atomics.store(ctrl, MAIN_WAITING, 1);
      const cur = Atomics.load(ctrl, USED);
      if (cur + n <= RING) break;
      Atomics.wait(ctrl, USED, cur, 50);
      if (cur !== last) {
        last = cur;
        since = Date.now();
      } else if (Date.now() - since > STALL_MS) {
        Atomics.store(ctrl, MAIN_WAITING, 0);
        throw new CompilogError(
          'E_REPORT_WRITER_STALLED',
          `the report's writer thread made no progress for ${STALL_MS / 1000} s`,
          'rerun with COMPILOG_REPORT_SYNC_WRITES=1 to write from the main thread',
        );
      }
    }
    Atomics.store(ctrl, MAIN_WAITING, 0);
  }

  /**
   * Queues one record. `data` is copied before returning (it may be a view of a reused buffer);
   * `md5` is '' or 32 hex digits.
   */
  private record(
    type: number,
    act: number,
    file: string,
    data: string | Uint8Array,
    md5 = '',
    line = 0,
  ): void {
    if (this.worker === null) {
      const buf =
        typeof data === 'string'
          ? Buffer.from(data)
          : Buffer.isBuffer(data)
            ? data
            : Buffer.from(data.buffer, data.byteOffset, data.length);
      this.jobs!.run(type, act, file, md5, line, buf, 0, buf.length, false);
      return;
    }
    const pathLen = file === '' ? 0 : Buffer.byteLength(file);
    if (pathLen > 0xffff) {
      // no filesystem takes such a path; the record header has 16 bits for it
      this.mainErrors.push(`${file.slice(0, 200)}...: path too long (${pathLen} bytes)`);
      return;
    }
    if (typeof data === 'string') {
      // enough room right at the head for the longest encoding: encode once, straight into the ring
      // (no separate Buffer.byteLength pass), then reserve what it took
      const max = HEADER + pathLen + data.length * 3;
      const at = this.head;
      if (max <= INLINE_OVER && at + max <= RING && max <= RING - Atomics.load(this.ctrl, USED)) {
        const dataLen = this.ring.write(data, at + HEADER + pathLen, max - HEADER - pathLen, 'utf8');
        const total = align8(HEADER + pathLen + dataLen);
        Atomics.add(this.ctrl, USED, total);
        this.publish(at, total, 0, type, act, file, pathLen, dataLen, md5, line);
        return;
      }
    }
    const dataLen = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (HEADER + pathLen + dataLen > INLINE_OVER) {
      this.waitReady();
      if (this.worker === null) {
        this.record(type, act, file, data, md5, line);
        return;
      }
      const copy = typeof data === 'string' ? Buffer.from(data) : new Uint8Array(data);
      this.side!.postMessage({ type, act, file, md5, line, data: copy });
      this.record(JOB.INLINE, 0, '', '');
      return;
    }
    const total = align8(HEADER + pathLen + dataLen);
    const skip = this.head + total > RING ? RING - this.head : 0;
    this.reserve(skip + total);
    if (this.worker === null) {
      // the worker never came up: the ring was consumed here, run this job directly
      this.record(type, act, file, data, md5, line);
      return;
    }
    if (skip > 0) {
      this.ring.writeUInt32LE(0, this.head);
      this.head = 0;
    }
    const at = this.head;
    const s = at + HEADER + pathLen;
    if (typeof data === 'string') this.ring.write(data, s, dataLen, 'utf8');
    else this.ring.set(data, s);
    this.publish(at, total, skip, type, act, file, pathLen, dataLen, md5, line);
  }

  /** Writes the header and path of a record whose data is in place, and publishes it (and a skip before it). */
  private publish(
    at: number,
    total: number,
    skip: number,
    type: number,
    act: number,
    file: string,
    pathLen: number,
    dataLen: number,
    md5: string,
    line: number,
  ): void {
    const r = this.ring;
    r.writeUInt32LE(total, at);
    r[at + 4] = type;
    r[at + 5] = act;
    r.writeUInt16LE(pathLen, at + 6);
    r.writeUInt32LE(dataLen, at + 8);
    r.writeUInt32LE(line >>> 0, at + 12);
    if (md5.length === 32) r.write(md5, at + 16, 32, 'latin1');
    else r[at + 16] = 0;
    if (pathLen > 0) r.write(file, at + HEADER, pathLen, 'utf8');
    this.head = at + total === RING ? 0 : at + total;
    Atomics.add(this.ctrl, PUB, skip + total);
    this.unnotifiedBytes += skip + total;
    this.unnotifiedRecords++;
    this.notify(false);
  }

  /** Queues a file write. `content` may be a view of a reused buffer: it is copied before returning. */
  write(abs: string, content: string | Uint8Array): void {
    this.record(JOB.WRITE, 0, abs, content);
  }

  /**
   * A payload as it appears in the trace (its lines, each starting with a TAB): the writer removes the
   * TABs, checks the md5 (when `md5` is given; mismatching line numbers come back from `drain`), then
   * writes it to `abs` (`act` WRITE) or appends it to the open JSON array (ARRAY_ITEM), or nothing (NONE).
   */
  payload(region: Uint8Array, md5: string, line: number, act: number, abs = ''): void {
    if (this.worker !== null && Atomics.load(this.ctrl, USED) >= this.backlog) {
      // the writer is behind (it also does all the file I/O): do this payload's CPU work here, so both
      // cores stay busy instead of this thread waiting for room in the ring
      this.takeOver(region, md5, line, act, abs);
      return;
    }
    this.record(JOB.PAYLOAD, act, abs, region, md5, line);
  }

  private takeOver(region: Uint8Array, md5: string, line: number, act: number, abs: string): void {
    this.takenOver++;
    const buf = Buffer.isBuffer(region)
      ? region
      : Buffer.from(region.buffer, region.byteOffset, region.length);
    const bytes = act & ACT.STRIPPED ? buf : payloadBytes(buf, 0, buf.length);
    if (md5 !== '' && md5hex(bytes) !== md5) this.mainMd5Failures.push(line);
    const what = act & 15;
    if (what === ACT.PRETTY_JSON) {
      const text = prettyJsonPayload(bytes.toString('utf8'));
      this.madeHere += text.length;
      this.record(JOB.WRITE, 0, abs, text);
    } else if (what === ACT.ARRAY_ITEM) {
      try {
        JSON.parse(bytes.toString('utf8'));
      } catch {
        return; // invalid items are skipped, as the writer would
      }
      this.record(JOB.PAYLOAD, ACT.ARRAY_ITEM | ACT.STRIPPED | ACT.VALID, '', bytes, '', line);
    } else if (what === ACT.WRITE) {
      this.record(JOB.PAYLOAD, ACT.WRITE | ACT.STRIPPED, abs, bytes, '', line);
    }
  }

  /** Checks a payload's md5 off the main thread (the bytes are the payload itself). */
  verifyMd5(bytes: Uint8Array, md5: string, line: number): void {
    this.record(JOB.PAYLOAD, ACT.NONE | ACT.STRIPPED, '', bytes, md5, line);
  }

  /** A hard link when the input is on the same filesystem (no second copy of a big log), else a copy. */
  copy(from: string, abs: string): void {
    this.record(JOB.COPY, 0, abs, from);
  }

  /** Appends file `from` to `abs`, then deletes `from` (on the writer thread, after the jobs before it). */
  appendAndRemove(from: string, abs: string): void {
    this.record(JOB.APPEND, 0, abs, from);
  }

  /**
   * A JSON array file written item by item (chromium_events.json): each item is checked with JSON.parse
   * and skipped if invalid, off the main thread. The item count comes back from `drain`.
   */
  openJsonArray(abs: string): void {
    this.record(JOB.AOPEN, 0, abs, '');
  }

  appendJsonArrayItem(bytes: Uint8Array): void {
    this.record(JOB.PAYLOAD, ACT.ARRAY_ITEM | ACT.STRIPPED, '', bytes);
  }

  closeJsonArray(): void {
    this.record(JOB.ACLOSE, 0, '', '');
  }

  /** Waits until every queued job is done; returns the write errors and md5 failures since the last call. */
  async drain(): Promise<DrainResult> {
    const w = this.worker;
    let r: DrainResult & { timings: WriterTimings };
    if (w === null) {
      r = this.jobs!.results();
    } else {
      type Reply = DrainResult & { timings: WriterTimings };
      let onMessage: (r: Reply) => void = () => {};
      let onExit: (code: number) => void = () => {};
      const reply = new Promise<Reply>((resolve) => {
        onMessage = resolve;
        // a writer that died cannot answer: report it instead of waiting forever
        onExit = (code) =>
          resolve({
            errors: [`the report's writer thread exited (code ${code}) before finishing`],
            md5Failures: [],
            arrayItems: 0,
            timings: { strip: 0, md5: 0, validate: 0, json: 0, files: 0, arrays: 0, other: 0 },
          });
        w.once('message', onMessage);
        w.once('exit', onExit);
      }).finally(() => {
        w.off('message', onMessage);
        w.off('exit', onExit);
      });
      w.ref();
      this.record(JOB.DRAIN, 0, '', '');
      this.notify(true);
      this.waitReady();
      if (this.worker === null) {
        w.unref();
        return this.drain();
      }
      r = await reply;
      w.unref();
    }
    this.timings = r.timings;
    const made = (r.madeChars ?? 0) + this.madeHere;
    this.madeHere = 0;
    const out: DrainResult = {
      errors: this.mainErrors.splice(0).concat(r.errors),
      md5Failures: r.md5Failures.concat(this.mainMd5Failures.splice(0)).sort((a, b) => a - b),
      arrayItems: r.arrayItems,
    };
    if (made) out.madeChars = made;
    return out;
  }

  async close(): Promise<void> {
    await this.drain();
    const w = this.worker;
    if (w === null) return;
    this.record(JOB.QUIT, 0, '', '');
    this.notify(true);
    this.worker = null;
    await w.terminate();
  }
}
