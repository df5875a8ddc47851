/**
 * One worker thread per process that performs the write system calls of batched writers, and the per-line work of
 * glog lines and trace payloads (frames.ts: prefixing every line, the payload's md5 and tabs), so that handing over
 * a full batch costs the logging thread a memory copy (a write costs ~20 µs per 64 KB to a file, milliseconds
 * when stderr is a pipe whose reader is slow). Batches go through a queue of fixed-size slots in shared memory,
 * written by this thread and drained in order by the worker; nothing is ever posted as a message.
 *
 * Ordering and durability: a writer's batches are written in the order they were queued, and `drainWrites()` waits
 * until every queued batch is written, so a writer's flush() still means "written" (the exit, uncaught-exception
 * and signal hooks call it). While the worker is inside a write (a pipe whose reader is slow), waiting for it is
 * what a synchronous write would have done: it is never interrupted. If the thread cannot be started, has died, or
 * sits idle without taking queued work for 5 s, this thread writes what it left, in order, and writers go
 * back to synchronous writes.
 */
import { writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { expandFrames, md5Hex } from './frames.js';

const SLOTS = 16;
/** Bytes per slot; a larger batch is queued as several slots, in order. */
export const SLOT_BYTES = 128 * 1024;

// Control words (Int32): queued and written slot counts (they wrap; only their difference matters), and a
// switch tests use to hold the worker before its next slot.
const HEAD = 0;
const TAIL = 1;
const PAUSED = 2;
/** 1 while the worker is inside the writes of a slot. */
const BUSY = 3;
/**
 * 0 until the worker starts, then 1; 2 if this thread needed a drain before the worker had started (a short
 * process ending, ~25 ms after the thread was created): it then writes everything itself and the worker, when it
 * starts, does nothing. Whoever changes it from 0 first owns the queue.
 */
const STATE = 4;
const NOT_STARTED = 0;
const ABANDONED = 2;
/** Per slot: [byte length, writer id]. */
const SLOT_META = 5;
/** Per writer id: the error code index of its first failed write (0: none). */
const MAX_WRITERS = 64;
const ERRORS = SLOT_META + 2 * SLOTS;
const FDS = ERRORS + MAX_WRITERS;
const CONTROL_WORDS = FDS + MAX_WRITERS;

/** Error codes the worker reports by index (anything else is EIO). */
const ERROR_CODES = ['', 'EIO', 'ENOSPC', 'EPIPE', 'EBADF', 'EDQUOT', 'EFBIG', 'EACCES', 'EINVAL', 'EAGAIN'];

/**
 * Queued work not taken for this long (the worker not inside a write): it is considered dead.
 * COMPILOG_WRITE_THREAD_STALL_MS overrides it.
 */
const DEFAULT_STALL_MS = 5000;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const expandFrames = ${expandFrames.toString()};
const md5 = (bytes) => createHash('md5').update(bytes).digest('hex');
const ctl = new Int32Array(workerData.control);
const data = new Uint8Array(workerData.data);
const [HEAD, TAIL, SLOT_META, ERRORS, FDS, SLOTS, SLOT_BYTES, PAUSED, BUSY, STATE] = workerData.layout;
const CODES = workerData.codes;
const pause = new Int32Array(new SharedArrayBuffer(4));
// The logging thread may already have taken the queue over (it could not wait for this thread to start).
if (Atomics.compareExchange(ctl, STATE, 0, 1) === 0) for (;;) {
  const tail = Atomics.load(ctl, TAIL);
  if (Atomics.load(ctl, HEAD) === tail) { Atomics.wait(ctl, HEAD, tail); continue; }
  if (Atomics.load(ctl, PAUSED) !== 0) { Atomics.wait(ctl, PAUSED, 1); continue; }
  const slot = ((tail % SLOTS) + SLOTS) % SLOTS;
  const length = ctl[SLOT_META + 2 * slot];
  const id = ctl[SLOT_META + 2 * slot + 1];
  Atomics.store(ctl, BUSY, 1);
  if (ctl[ERRORS + id] === 0) {
    let buf = expandFrames(data.subarray(slot * SLOT_BYTES, slot * SLOT_BYTES + length), md5);
    while (buf.length > 0) {
      try {
        buf = buf.subarray(writeSync(ctl[FDS + id], buf));
      } catch (err) {
        // A non-blocking pipe whose reader is behind: wait for it, as a blocking write would.
        if (err.code === 'EAGAIN' || err.code === 'EBUSY') { Atomics.wait(pause, 0, 0, 2); continue; }
        const i = CODES.indexOf(err.code);
        Atomics.store(ctl, ERRORS + id, i > 0 ? i : 1);
        break;
      }
    }
  }
  Atomics.store(ctl, BUSY, 0);
  Atomics.store(ctl, TAIL, (tail + 1) | 0);
  Atomics.notify(ctl, TAIL);
}
`;

interface Thread {
  readonly worker: Worker;
  readonly stallMs: number;
  readonly control: Int32Array;
  readonly data: Uint8Array;
  nextId: number;
  readonly freeIds: number[];
  dead: boolean;
}

let thread: Thread | undefined;
/** Decided on first use: COMPILOG_WRITE_THREAD=0, or a thread that could not be started. */
let unavailable: boolean | undefined;

/** Whether batches can be handed to the write thread (started on first use). */
export function writeThreadAvailable(): boolean {
  unavailable ??= process.env.COMPILOG_WRITE_THREAD === '0';
  if (unavailable) return false;
  if (thread === undefined) start();
  return thread !== undefined && !thread.dead;
}

function start(): void {
  try {
    const controlBuffer = new SharedArrayBuffer(CONTROL_WORDS * 4);
    const dataBuffer = new SharedArrayBuffer(SLOTS * SLOT_BYTES);
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        control: controlBuffer,
        data: dataBuffer,
        layout: [HEAD, TAIL, SLOT_META, ERRORS, FDS, SLOTS, SLOT_BYTES, PAUSED, BUSY, STATE],
        codes: ERROR_CODES,
      },
    });
    worker.unref();
    const stall = Number(process.env.COMPILOG_WRITE_THREAD_STALL_MS);
    const t: Thread = {
      worker,
      stallMs: Number.isFinite(stall) && stall > 0 ? stall : DEFAULT_STALL_MS,
      control: new Int32Array(controlBuffer),
      data: new Uint8Array(dataBuffer),
      nextId: 0,
      freeIds: [],
      dead: false,
    };
    const fail = (): void => {
      t.dead = true;
    };
    worker.on('error', fail);
    worker.on('exit', fail);
    thread = t;
  } catch {
    unavailable = true;
  }
}

/** A writer's handle on the thread: its id and descriptor, registered once. Undefined when no id is left. */
export function registerWriter(fd: number): number | undefined {
  if (!writeThreadAvailable()) return undefined;
  const t = thread!;
  const id = t.freeIds.pop() ?? (t.nextId < MAX_WRITERS ? t.nextId++ : undefined);
  if (id === undefined) return undefined;
  Atomics.store(t.control, FDS + id, fd);
  Atomics.store(t.control, ERRORS + id, 0);
  return id;
}

/**
 * Queues a batch of frames (frames.ts; at most SLOT_BYTES) for writer `id`, waiting for a free slot when the
 * thread is behind (back-pressure, as a synchronous write would block). Returns false if the thread is gone (what
 * it left has then been written here): the caller expands and writes the batch itself.
 */
export function queueBatch(id: number, frames: Uint8Array): boolean {
  const t = thread;
  if (t === undefined) return false;
  if (t.dead) {
    // What the thread left is written first, so the caller's synchronous write comes after it.
    takeOver(t);
    return false;
  }
  if (frames.length > SLOT_BYTES)
    throw new RangeError(`a batch of ${frames.length} bytes does not fit a slot`);
  const ctl = t.control;
  const head = Atomics.load(ctl, HEAD);
  if (!waitFor(t, () => ((head - Atomics.load(ctl, TAIL)) | 0) < SLOTS)) return false;
  const slot = slotIndex(head);
  t.data.set(frames, slot * SLOT_BYTES);
  ctl[SLOT_META + 2 * slot] = frames.length;
  ctl[SLOT_META + 2 * slot + 1] = id;
  Atomics.store(ctl, HEAD, (head + 1) | 0);
  Atomics.notify(ctl, HEAD);
  return true;
}

/** Waits until everything queued so far is written (by the thread, or here if it died). */
export function drainWrites(): void {
  const t = thread;
  if (t === undefined) return;
  const ctl = t.control;
  const head = Atomics.load(ctl, HEAD);
  waitFor(t, () => ((head - Atomics.load(ctl, TAIL)) | 0) <= 0);
}

/** Gives `id` back once everything it queued is written (its descriptor may then be closed and reused). */
export function releaseWriter(id: number): void {
  drainWrites();
  thread?.freeIds.push(id);
}

/** The error of writer `id`'s first failed write, if any. */
export function writeError(id: number): Error | undefined {
  const t = thread;
  if (t === undefined) return undefined;
  const index = Atomics.load(t.control, ERRORS + id);
  if (index === 0) return undefined;
  const code = ERROR_CODES[index] ?? 'EIO';
  return Object.assign(new Error(`${code}: write failed`), { code });
}

const slotIndex = (count: number): number => ((count % SLOTS) + SLOTS) % SLOTS;

/**
 * Waits (blocking this thread, woken on each written slot) until `done()`. If the worker has exited, or takes no
 * queued work for `stallMs` while not inside a write, it is declared dead and the slots it had not written are
 * written here, in order. A worker blocked inside a write is waited for, however long (as a synchronous write
 * would block): taking its slot over could write those bytes twice.
 */
function waitFor(t: Thread, done: () => boolean): boolean {
  const ctl = t.control;
  let lastTail = Atomics.load(ctl, TAIL);
  let stalledSince = 0;
  for (;;) {
    if (done()) return true;
    if (t.dead) break;
    // Not started yet: rather than wait for it to boot, write the queue here (the worker then stays idle).
    if (Atomics.compareExchange(ctl, STATE, NOT_STARTED, ABANDONED) === NOT_STARTED) break;
    Atomics.wait(ctl, TAIL, lastTail, 50);
    const tail = Atomics.load(ctl, TAIL);
    if (tail !== lastTail) {
      lastTail = tail;
      stalledSince = 0;
      continue;
    }
    if (Atomics.load(ctl, BUSY) !== 0) {
      stalledSince = 0;
      continue;
    }
    stalledSince ||= performance.now();
    if (performance.now() - stalledSince >= t.stallMs) break;
  }
  takeOver(t);
  return false;
}

/** The thread is gone: write what it had not, on this thread, and stop queueing. */
function takeOver(t: Thread): void {
  t.dead = true;
  const ctl = t.control;
  const head = Atomics.load(ctl, HEAD);
  for (let n = Atomics.load(ctl, TAIL); n !== head; n = (n + 1) | 0) {
    const slot = slotIndex(n);
    const id = ctl[SLOT_META + 2 * slot + 1];
    if (ctl[ERRORS + id] !== 0) continue;
    const frames = t.data.subarray(slot * SLOT_BYTES, slot * SLOT_BYTES + ctl[SLOT_META + 2 * slot]);
    const error = writeAllSync(ctl[FDS + id], expandFrames(frames, md5Hex));
    if (error !== undefined) ctl[ERRORS + id] = Math.max(1, ERROR_CODES.indexOf(error));
  }
  Atomics.store(ctl, TAIL, head);
}

/** Writes all of `bytes` to `fd`; returns the error code if that failed. */
export function writeAllSync(fd: number, bytes: Uint8Array): string | undefined {
  let buf = bytes;
  let spins = 0;
  while (buf.length > 0) {
    try {
      buf = buf.subarray(writeSync(fd, buf));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      // A non-blocking pipe (stderr to a slow reader) says EAGAIN: wait a little and retry, as sonic-boom does.
      if ((code === 'EAGAIN' || code === 'EBUSY') && spins++ < 1000) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        continue;
      }
      return code;
    }
  }
  return undefined;
}

/** Tests: starts the thread if needed and waits until the worker runs (so a first drain does not abandon it). */
export async function writeThreadRunningForTests(): Promise<void> {
  if (!writeThreadAvailable()) throw new Error('the write thread is not available');
  for (let waited = 0; writeThreadStateForTests() === 'not-started'; waited += 5) {
    if (waited > 10_000) throw new Error('the write thread did not start');
    await new Promise((r) => setTimeout(r, 5));
  }
  if (writeThreadStateForTests() === 'abandoned')
    throw new Error('the write thread was abandoned before it started');
}

/** Tests: whether the worker has started, is running, or was abandoned because a drain came first. */
export function writeThreadStateForTests(): 'none' | 'not-started' | 'running' | 'abandoned' {
  if (thread === undefined) return 'none';
  const state = Atomics.load(thread.control, STATE);
  return state === NOT_STARTED ? 'not-started' : state === ABANDONED ? 'abandoned' : 'running';
}

/** Tests: holds the worker before its next slot, so that what is queued stays unwritten. */
export function pauseWriteThreadForTests(): void {
  if (thread !== undefined) Atomics.store(thread.control, PAUSED, 1);
}

/** Tests: ends the write thread as if it had died (writers then write what it left, and go on synchronously). */
export async function stopWriteThreadForTests(): Promise<void> {
  const t = thread;
  if (t === undefined) return;
  await t.worker.terminate();
  t.dead = true;
}
