// The report's background writer: the worker really starts, and both it and the synchronous fallback
// write files, check md5s and build the JSON array the same way.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileWriter } from '../../src/report/file-writer.js';
import { prettyJsonPayload } from '../../src/report/json-format.js';
import { ACT } from '../../src/report/write-jobs.js';
import { tmp } from './support.js';

describe.each([
  ['worker', true],
  ['sync', false],
])('FileWriter (%s)', (_name, threaded) => {
  it('writes files, checks md5s off the main path, and writes a JSON array of the valid items', async () => {
    const dir = tmp('compilog-writer-');
    const w = new FileWriter(threaded);
    expect(w.threaded).toBe(threaded);
    const big = Buffer.alloc(6 << 20, 0x61); // bigger than half the ring: handed over inline
    w.write(join(dir, 'a/one.txt'), 'héllo');
    w.write(join(dir, 'a/two.bin'), Buffer.from([1, 2, 3]));
    w.write(join(dir, 'big.txt'), big);
    for (let i = 0; i < 3000; i++) w.write(join(dir, `many/f${i % 50}.txt`), `file ${i}`);
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    w.verifyMd5(Buffer.from('payload'), md5('payload'), 10);
    w.verifyMd5(Buffer.from('payload'), md5('other'), 20);
    w.openJsonArray(join(dir, 'events.json'));
    w.appendJsonArrayItem(Buffer.from('{"a": 1}'));
    w.appendJsonArrayItem(Buffer.from('{"cut": '));
    w.appendJsonArrayItem(Buffer.from('{\n"b": 2\n}'));
    w.closeJsonArray();
    const r = await w.drain();
    await w.close();
    expect(r).toEqual({ errors: [], md5Failures: [20], arrayItems: 2 });
    expect(readFileSync(join(dir, 'a/one.txt'), 'utf8')).toBe('héllo');
    expect([...readFileSync(join(dir, 'a/two.bin'))]).toEqual([1, 2, 3]);
    expect(readFileSync(join(dir, 'big.txt')).equals(big)).toBe(true);
    expect(readFileSync(join(dir, 'many/f7.txt'), 'utf8')).toBe('file 2957');
    expect(JSON.parse(readFileSync(join(dir, 'events.json'), 'utf8'))).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('reports write errors instead of throwing', async () => {
    const dir = tmp('compilog-writer-');
    const w = new FileWriter(threaded);
    w.write(join(dir, 'x'), 'file');
    w.write(join(dir, 'x/under-a-file.txt'), 'cannot');
    const r = await w.drain();
    await w.close();
    expect(r.errors.length).toBe(1);
    expect(r.errors[0]).toContain('under-a-file.txt');
  });
});

/** A payload as the trace holds it: each line behind a TAB. */
const traceLines = (payload: string, eol = '\n') =>
  Buffer.from(
    `${payload
      .split('\n')
      .map((l) => `\t${l}`)
      .join(eol)}${eol}`,
  );

describe.each([
  ['worker', true, undefined],
  ['sync', false, undefined],
  // the main thread takes every payload over, as it does when the writer falls behind
  ['worker, main thread taking over', true, 0],
])('FileWriter payload jobs (%s)', (_name, threaded, backlog) => {
  it('strips TABs, checks md5s, writes files, array items and pretty JSON from trace lines', async () => {
    const dir = tmp('compilog-writer-');
    const w = new FileWriter(threaded, backlog);
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    const code = 'def f(x):\n    return x + 1\n\n# done';
    const codeLines = traceLines(code);
    w.payload(codeLines, md5(code), 1, ACT.WRITE, join(dir, 'p/code.txt'));
    // the caller's bytes stay as they were (a job strips in place only what it owns: a ring record, a copy)
    expect(codeLines.equals(traceLines(code))).toBe(true);
    // CRLF line ends and a blank line inside the payload region (tlparse drops both)
    const crlf = Buffer.concat([traceLines('a\nb', '\r\n'), Buffer.from('\n'), traceLines('c')]);
    w.payload(crlf, md5('a\nb\nc'), 2, ACT.WRITE, join(dir, 'p/crlf.txt'));
    w.payload(traceLines('x'), md5('not x'), 3, ACT.WRITE, join(dir, 'p/bad-md5.txt'));
    w.payload(
      traceLines('{"b": 1, "a": [2, {"d": 0, "c": 1}]}'),
      '',
      4,
      ACT.PRETTY_JSON,
      join(dir, 'p/j.json'),
    );
    w.payload(traceLines('not json {'), '', 5, ACT.PRETTY_JSON, join(dir, 'p/raw.json'));
    w.payload(traceLines('y'), 'x'.repeat(32), 6, ACT.NONE);
    w.openJsonArray(join(dir, 'events.json'));
    const event = '{\n"name": "e",\n"ts": 1\n}';
    for (let i = 0; i < 2000; i++) w.payload(traceLines(event), md5(event), 100 + i, ACT.ARRAY_ITEM);
    w.payload(traceLines('{"cut": '), '', 9000, ACT.ARRAY_ITEM);
    w.payload(traceLines('{"one": "line"}'), md5('{"one": "line"}'), 9001, ACT.ARRAY_ITEM);
    w.closeJsonArray();
    // bigger than half the ring: travels beside it
    const huge = 'z'.repeat(9 << 20);
    w.payload(traceLines(huge), md5(huge), 9002, ACT.WRITE, join(dir, 'huge.txt'));
    const r = await w.drain();
    await w.close();
    expect(r.errors).toEqual([]);
    expect(r.md5Failures).toEqual([3, 6]);
    expect(r.arrayItems).toBe(2001);
    expect(readFileSync(join(dir, 'p/code.txt'), 'utf8')).toBe(code);
    expect(readFileSync(join(dir, 'p/crlf.txt'), 'utf8')).toBe('a\nb\nc');
    expect(readFileSync(join(dir, 'p/bad-md5.txt'), 'utf8')).toBe('x');
    expect(readFileSync(join(dir, 'p/j.json'), 'utf8')).toBe(
      prettyJsonPayload('{"b": 1, "a": [2, {"d": 0, "c": 1}]}'),
    );
    expect(readFileSync(join(dir, 'p/raw.json'), 'utf8')).toBe('not json {');
    const events = readFileSync(join(dir, 'events.json'), 'utf8');
    expect(events.startsWith('[\n{\n"name": "e",\n"ts": 1\n},\n{')).toBe(true);
    const parsed = JSON.parse(events) as unknown[];
    expect(parsed.length).toBe(2001);
    expect(parsed.at(-1)).toEqual({ one: 'line' });
    expect(readFileSync(join(dir, 'huge.txt'), 'utf8') === huge).toBe(true);
    expect(w.takenOver > 0).toBe(backlog === 0);
  });

  it('keeps many small and large writes in order through the ring (wrap-around, full ring)', async () => {
    const dir = tmp('compilog-writer-');
    const w = new FileWriter(threaded, backlog);
    const sizes = [10, 3000, 700_000, 5 << 20, 1, 200_000];
    const expected = new Map<string, string>();
    for (let i = 0; i < 60; i++) {
      const s = String.fromCharCode(97 + (i % 26)).repeat(sizes[i % sizes.length]);
      const f = join(dir, `d${i % 7}/f${i}.txt`);
      w.write(f, i % 2 === 0 ? s : Buffer.from(s));
      expected.set(f, s);
    }
    // the same path written twice: the later content wins, as it would when writing in order
    w.write(join(dir, 'd0/f0.txt'), 'last');
    expected.set(join(dir, 'd0/f0.txt'), 'last');
    expect((await w.drain()).errors).toEqual([]);
    await w.close();
    for (const [f, s] of expected) expect(readFileSync(f, 'utf8') === s, f).toBe(true);
  });
});

describe('FileWriter whose worker never starts', () => {
  it('runs the queued jobs on the calling thread and carries on synchronously', async () => {
    const dir = tmp('compilog-writer-');
    const w = new FileWriter(true, undefined, { source: 'throw new Error("no writer today")', ms: 300 });
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    w.write(join(dir, 'a/first.txt'), 'queued before the writer was given up');
    w.payload(traceLines('p\nq'), md5('p\nq'), 7, ACT.WRITE, join(dir, 'a/payload.txt'));
    w.payload(traceLines('r'), md5('not r'), 8, ACT.NONE);
    // more than the ring holds: the main thread has to wait for the writer, gives up on it after 300 ms
    // and runs everything queued itself
    for (let i = 0; i < 12; i++) w.write(join(dir, `b/big${i}.txt`), Buffer.alloc(1 << 20, 97 + i));
    w.write(join(dir, 'a/last.txt'), 'after');
    const r = await w.drain();
    expect(w.threaded).toBe(false);
    await w.close();
    expect(r).toEqual({ errors: [], md5Failures: [8], arrayItems: 0 });
    expect(readFileSync(join(dir, 'a/first.txt'), 'utf8')).toBe('queued before the writer was given up');
    expect(readFileSync(join(dir, 'a/payload.txt'), 'utf8')).toBe('p\nq');
    for (let i = 0; i < 12; i++) expect(readFileSync(join(dir, `b/big${i}.txt`))[5]).toBe(97 + i);
    expect(readFileSync(join(dir, 'a/last.txt'), 'utf8')).toBe('after');
  });
});
