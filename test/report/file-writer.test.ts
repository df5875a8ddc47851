// The report's background writer: the worker really starts, and both it and the synchronous fallback
// write files, check md5s and build the JSON array the same way.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileWriter } from '../../src/report/file-writer.js';
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
