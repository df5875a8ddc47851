// The write thread (src/logging/sinks/write-thread.ts): batches handed to it arrive whole and in order, flush()
// still means "written", nothing is lost at abrupt exits when stderr is a pipe, a failing destination is reported
// once and never throws, and if the thread dies the writers finish its work themselves.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchedWriter } from '../../src/logging/index.js';
import {
  pauseWriteThreadForTests,
  SLOT_BYTES,
  stopWriteThreadForTests,
  writeThreadRunningForTests,
} from '../../src/logging/sinks/write-thread.js';
import { cleanChildEnv, expectAllLines, REPO, TSX_FLAGS } from './support.js';

const SCRIPT = resolve(REPO, 'test/logging/fixtures/write-lines.ts');
const N = 100_000;

/** Runs write-lines.ts with stderr as a pipe the parent reads (the case the thread exists for). */
async function runPiped(
  mode: string,
  extra: Record<string, string> = {},
  readerPauseMs = 0,
): Promise<{ code: number | null; signal: string | null; err: string }> {
  const child = spawn(process.execPath, [...TSX_FLAGS, SCRIPT, mode, String(N)], {
    cwd: REPO,
    env: cleanChildEnv({ TORCH_LOGS: 'app', ...extra }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  child.stderr.on('data', (c: Buffer) => chunks.push(c));
  if (readerPauseMs > 0) {
    // A reader that stops for a while (a pager, a stalled consumer): the pipe fills and the writes block.
    child.stderr.pause();
    setTimeout(() => child.stderr.resume(), readerPauseMs);
  }
  const [code, signal] = await new Promise<[number | null, string | null]>((r) =>
    child.on('close', (c, s) => r([c, s])),
  );
  return { code, signal, err: Buffer.concat(chunks).toString('utf8') };
}

describe('write thread: stderr as a pipe', () => {
  it.each([
    ['exit', 0, null],
    ['throw', 1, null],
    ['sigterm', null, 'SIGTERM'],
  ])('%s: all 100k lines arrive through the pipe, in order', async (mode, code, signal) => {
    const r = await runPiped(mode);
    expect(r.code).toBe(code);
    expect(r.signal).toBe(signal);
    expectAllLines(r.err, N);
    if (mode === 'throw') expect(r.err).toContain('uncaught after the loop');
  });

  it('a reader that stops for longer than the stall limit: the blocked thread is waited for, no line twice', async () => {
    const r = await runPiped('exit', { COMPILOG_WRITE_THREAD_STALL_MS: '200' }, 1500);
    expect(r.code).toBe(0);
    expectAllLines(r.err, N);
  });

  it('COMPILOG_WRITE_THREAD=0 writes synchronously and gives the same lines', async () => {
    const r = await runPiped('exit', { COMPILOG_WRITE_THREAD: '0' });
    expect(r.code).toBe(0);
    expectAllLines(r.err, N);
  });

  it('a TORCH_LOGS_OUT that fails to write (/dev/full) is reported once, and stderr still gets every line', async () => {
    const r = await runPiped('exit', { TORCH_LOGS_OUT: '/dev/full' });
    expect(r.code).toBe(0);
    expectAllLines(r.err, N);
    const reports = r.err.split('\n').filter((l) => l.startsWith('compilog [E_LOGS_OUT_WRITE]'));
    expect(reports).toHaveLength(1);
    expect(r.err).toContain('TORCH_LOGS_OUT: writing "/dev/full" failed (ENOSPC');
  });
});

describe('write thread: in process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'compilog-write-thread-'));
  // A drain before the worker has started makes this thread write everything itself; these tests are about the
  // worker, so it runs first.
  beforeAll(writeThreadRunningForTests);

  it('property: interleaved writes to several files arrive whole, in order, byte for byte', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'grapheme', maxLength: 50 }),
      fc.integer({ min: 1, max: 3 * SLOT_BYTES }).map((n) => 'x'.repeat(n)),
    );
    let round = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), text), { maxLength: 40 }), (ops) => {
        round++;
        const paths = [0, 1, 2].map((i) => join(dir, `p${round}-${i}.txt`));
        const writers = paths.map((p) =>
          BatchedWriter.appendToFile(p, { offThread: true, highWaterMark: 4096 }),
        );
        const expected = ['', '', ''];
        for (const [i, t] of ops) {
          writers[i]!.write(t);
          expected[i] += t;
        }
        // One writer flushed early: its bytes are on disk at once, while the others may still be queued.
        writers[1]!.flush();
        expect(readFileSync(paths[1]!, 'utf8')).toBe(expected[1]);
        for (const w of writers) w.close();
        for (let i = 0; i < 3; i++) expect(readFileSync(paths[i]!, 'utf8')).toBe(expected[i]);
      }),
      { numRuns: 40 },
    );
  });

  it('property: glog lines and trace records expanded by the thread are the bytes the synchronous writer writes', () => {
    // Heads are line prefixes (short, any characters, `$` included); bodies are anything, sometimes larger than
    // a slot of the thread's queue (then written in pieces, never splitting a surrogate pair).
    const head = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('$$ ', '[$&] ', 'V1 /tmp/$x/a.ts:1] '),
    );
    const body = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc
        .array(fc.oneof(fc.constant('\n'), fc.string({ unit: 'grapheme', maxLength: 8 })), { maxLength: 20 })
        .map((p) => p.join('')),
      fc.integer({ min: SLOT_BYTES / 16, max: SLOT_BYTES / 2 }).map((n) => '😀\nab'.repeat(n / 5)),
    );
    const op = fc.tuple(fc.constantFrom('raw', 'lines', 'record'), head, body);
    let round = 0;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        round++;
        const threaded = join(dir, `framed-${round}.txt`);
        const direct = join(dir, `direct-${round}.txt`);
        const a = BatchedWriter.appendToFile(threaded, { offThread: true, highWaterMark: 2048 });
        const b = BatchedWriter.appendToFile(direct, { offThread: false, highWaterMark: 2048 });
        for (const [kind, x, y] of ops) {
          for (const w of [a, b]) {
            if (kind === 'raw') w.write(y);
            else if (kind === 'lines') w.writeLines(x, y);
            else w.writeRecord(x, y);
          }
        }
        a.close();
        b.close();
        expect(readFileSync(threaded).equals(readFileSync(direct))).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('a trace record: has_payload is the md5 of the payload and every payload line starts with a tab', () => {
    const path = join(dir, 'record.txt');
    const w = BatchedWriter.appendToFile(path, { offThread: true });
    w.writeRecord('I1126 00:00:00.000000 1 x.ts:1] {"r": {}', 'line 1\nligne é 2\n');
    w.writeLines('V1126 00:00:00.000000 1 x.ts:2] ', 'a\nb');
    w.close();
    const md5 = createHash('md5').update('line 1\nligne é 2\n', 'utf8').digest('hex');
    expect(readFileSync(path, 'utf8')).toBe(
      `I1126 00:00:00.000000 1 x.ts:1] {"r": {}, "has_payload": "${md5}"}\n\tline 1\n\tligne é 2\n\t\n` +
        'V1126 00:00:00.000000 1 x.ts:2] a\nV1126 00:00:00.000000 1 x.ts:2] b\n',
    );
  });

  it('a failing destination sets lastError and calls onError once; writing never throws', () => {
    const errors: Error[] = [];
    const writer = BatchedWriter.appendToFile('/dev/full', {
      offThread: true,
      highWaterMark: 1024,
      onError: (e) => errors.push(e),
    });
    for (let i = 0; i < 200; i++) writer.write(`record ${i} ${'y'.repeat(100)}\n`);
    writer.flush();
    expect(writer.lastError).toMatchObject({ code: 'ENOSPC' });
    for (let i = 0; i < 50; i++) writer.write('more\n');
    writer.close();
    expect(errors).toHaveLength(1);
    expect((errors[0] as NodeJS.ErrnoException).code).toBe('ENOSPC');
  });

  it('if the thread dies, writers write what it left and go on synchronously: nothing lost, nothing reordered', async () => {
    const path = join(dir, 'dies.txt');
    const writer = BatchedWriter.appendToFile(path, { offThread: true, highWaterMark: 1024 });
    let expected = '';
    const write = (line: string): void => {
      writer.write(line);
      expected += line;
    };
    for (let i = 0; i < 200; i++) write(`written by the thread ${i}\n`);
    writer.flush();
    expect(readFileSync(path, 'utf8')).toBe(expected);
    // Held before its next slot, the thread leaves these batches queued and unwritten when it dies.
    pauseWriteThreadForTests();
    for (let i = 0; i < 200; i++) write(`queued, then left behind ${i}\n`);
    await new Promise((r) => setImmediate(r));
    expect(readFileSync(path, 'utf8').length).toBeLessThan(expected.length);
    await stopWriteThreadForTests();
    for (let i = 0; i < 2000; i++) write(`after ${i}\n`);
    writer.close();
    expect(readFileSync(path, 'utf8')).toBe(expected);
  });
});
