// A drain that comes before the write thread has started (a short process ending ~25 ms after its first log
// lines) does not wait for the thread to boot: this thread writes the queue itself, and the worker, when it
// starts, writes nothing. Its own file, so that the thread is fresh.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { BatchedWriter } from '../../src/logging/index.js';
import { writeThreadStateForTests } from '../../src/logging/sinks/write-thread.js';

it('a flush right after the thread is created writes everything here, once, and the late worker stays idle', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'compilog-write-thread-abandon-')), 'early.txt');
  const writer = BatchedWriter.appendToFile(path, { offThread: true, highWaterMark: 64 });
  let expected = '';
  const write = (line: string): void => {
    writer.write(line);
    expected += line;
  };
  for (let i = 0; i < 50; i++) write(`early ${i}\n`);
  expect(writeThreadStateForTests()).toBe('not-started');
  writer.flush();
  expect(readFileSync(path, 'utf8')).toBe(expected);
  // Booting a worker takes ~25 ms here; the flush took the queue over (0.3 ms) instead of waiting for it.
  expect(writeThreadStateForTests()).toBe('abandoned');
  // Give the worker time to start and find the queue taken: it must not write anything.
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < 50; i++) write(`later ${i}\n`);
  await new Promise((r) => setTimeout(r, 50));
  writer.close();
  expect(readFileSync(path, 'utf8')).toBe(expected);
});
