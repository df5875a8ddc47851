// sniffTraceFile: the look at a trace file before it is read (readable? gzip when named .gz? any record?).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sniffTraceFile, traceFileInfo } from '../../src/artifacts/index.js';
import { tmp } from '../report/support.js';
import { glogPrefix, traceText } from './trace-text.js';

const dir = tmp('compilog-sniff-');
let n = 0;
function sniff(content: Buffer | string, ext = '.log') {
  const p = join(dir, `t${n++}${ext}`);
  writeFileSync(p, content);
  return sniffTraceFile(traceFileInfo(p));
}

const trace = traceText([
  { meta: { dynamo_start: { stack: [] } }, payload: 'x'.repeat(200_000) },
  { meta: { str: ['a.py', 0] } },
]);

describe('sniffTraceFile', () => {
  it('a trace, plain or gzipped, even when its first record has a payload larger than a read', async () => {
    expect(await sniff(trace)).toEqual({ kind: 'trace' });
    expect(await sniff(gzipSync(trace), '.log.gz')).toEqual({ kind: 'trace' });
    // records after lines that are not records
    expect(await sniff(`garbage\n\n${trace}`)).toEqual({ kind: 'trace' });
  });

  it('empty: no bytes, or blank lines only', async () => {
    expect(await sniff('')).toEqual({ kind: 'empty' });
    expect(await sniff('\n\r\n\n')).toEqual({ kind: 'empty' });
    expect(await sniff('', '.log.gz')).toEqual({ kind: 'empty' });
    expect(await sniff(gzipSync(''), '.log.gz')).toEqual({ kind: 'empty' });
  });

  it('not a trace: counts its lines and bad lines', async () => {
    const s = await sniff(`# title\n\n${glogPrefix()} {not json\n`);
    expect(s.kind).toBe('not-a-trace');
    if (s.kind !== 'not-a-trace') return;
    expect(s.stats.lines - s.stats.blankLines).toBe(2);
    expect(s.stats.badLines).toMatchObject({ glog: 1, json: 1 });
  });

  it('bad gzip: not gzip at all, or broken before its first byte', async () => {
    expect(await sniff(trace, '.log.gz')).toMatchObject({ kind: 'bad-gzip', notGzip: true });
    const head = gzipSync(trace).subarray(0, 10);
    expect(await sniff(head, '.log.gz')).toMatchObject({ kind: 'bad-gzip', notGzip: false });
    expect(await sniff(Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9]), '.log.gz')).toMatchObject({
      kind: 'bad-gzip',
      notGzip: false,
    });
  });

  it('a cut gzip stream that gave lines is judged on what it gave', async () => {
    const gz = gzipSync(trace);
    expect(await sniff(gz.subarray(0, gz.length - 20), '.log.gz')).toEqual({ kind: 'trace' });
  });

  it('unreadable: a path that cannot be opened', async () => {
    const s = await sniffTraceFile({ ...traceFileInfo(dir), path: join(dir, 'missing.log'), gz: false });
    expect(s.kind).toBe('unreadable');
    if (s.kind === 'unreadable') expect(s.error.code).toBe('ENOENT');
  });

  it('agrees with a full scan on whether any record exists (any bytes)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constantFrom(trace, '\n', 'x\n', `${glogPrefix()} {}\n`), fc.string()), {
          maxLength: 4,
        }),
        async (parts) => {
          const text = parts.join('');
          const s = await sniff(text);
          const lines = text.split('\n').filter((l) => l.replace(/\r$/, '') !== '');
          if (text.includes('dynamo_start')) expect(s.kind).toBe('trace');
          else if (lines.length === 0) expect(s.kind).toBe('empty');
          else expect(s.kind).not.toBe('empty');
        },
      ),
      { numRuns: 60 },
    );
  });
});
