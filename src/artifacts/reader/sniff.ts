/**
 * A quick look at a trace file before it is read for real: can it be read, is it gzip when named `.gz`,
 * and does it hold at least one trace record (a glog line with a JSON envelope)? Reads only until the
 * first record, which for a real trace is its first line; only a file without any record is read to the end.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { compact, feedChunk, type ParseBuffer } from './drive.js';
import type { TraceStats } from './envelope.js';
import type { TraceFileInfo } from './files.js';
import { TraceLineParser } from './line-parser.js';

// a read is small: the first record of a real trace is on its first line
const STEP = 8 << 10;

export type TraceSniff =
  /** at least one record: a trace (its bad lines, if any, are the scan's to count) */
  | { kind: 'trace' }
  /** no bytes, or only blank lines */
  | { kind: 'empty' }
  /** lines, but not one record; `stats` counts them and their bad lines */
  | { kind: 'not-a-trace'; stats: TraceStats }
  /** the file cannot be opened or read */
  | { kind: 'unreadable'; error: NodeJS.ErrnoException }
  /** named .gz but not gzip, or gzip data broken before its first byte */
  | { kind: 'bad-gzip'; notGzip: boolean; reason: string };

const hasRecord = (s: TraceStats) => s.envelopes + s.strings > 0;

function verdict(p: TraceLineParser): TraceSniff {
  if (hasRecord(p.stats)) return { kind: 'trace' };
  if (p.stats.lines === p.stats.blankLines) return { kind: 'empty' };
  return { kind: 'not-a-trace', stats: p.stats };
}

/** Looks at `file` (see the top of this file). Never throws for a file that exists. */
export async function sniffTraceFile(file: TraceFileInfo): Promise<TraceSniff> {
  const p = new TraceLineParser(file.path, file.rank, { onEnvelope: () => {} }, { verifyMd5: false });
  let fd: number;
  try {
    fd = openSync(file.path, 'r');
  } catch (e) {
    return { kind: 'unreadable', error: e as NodeJS.ErrnoException };
  }
  let buf: Buffer = Buffer.allocUnsafe(STEP);
  let len = 0;
  try {
    if (file.gz) {
      const n = readSync(fd, buf, 0, 2, 0);
      if (n === 0) return { kind: 'empty' };
      if (n < 2 || buf[0] !== 0x1f || buf[1] !== 0x8b)
        return {
          kind: 'bad-gzip',
          notGzip: true,
          reason: 'it does not start with the gzip magic bytes 1f 8b',
        };
    } else {
      for (;;) {
        if (len === buf.length) ({ buf, len } = compact(p, buf, len));
        const n = readSync(fd, buf, len, buf.length - len, null);
        len += n;
        p.process(buf, len, n === 0);
        if (n === 0 || hasRecord(p.stats)) return verdict(p);
        if (len > buf.length - (buf.length >> 3)) ({ buf, len } = compact(p, buf, len));
      }
    }
  } catch (e) {
    return { kind: 'unreadable', error: e as NodeJS.ErrnoException };
  } finally {
    closeSync(fd);
  }
  let inflated = 0;
  const stream = createReadStream(file.path).pipe(createGunzip());
  const st: ParseBuffer = { buf, len };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      inflated += chunk.length;
      if (feedChunk(p, st, chunk, () => hasRecord(p.stats))) {
        stream.destroy();
        return { kind: 'trace' };
      }
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EIO')
      return { kind: 'unreadable', error: err };
    // a cut stream keeps what it gave (the scan reports the cut); one that gave nothing is unusable
    if (inflated === 0) return { kind: 'bad-gzip', notGzip: false, reason: err.message };
  }
  p.process(st.buf, st.len, true);
  return verdict(p);
}
