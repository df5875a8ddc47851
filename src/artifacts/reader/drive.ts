/**
 * Feeding a trace file to the line parser: large fs.readSync reads into one growing window for plain
 * files (fully synchronous), zlib streaming for `.gz`. Byte offsets always refer to the decompressed stream.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { TraceStats } from './envelope.js';
import type { TraceFileInfo } from './files.js';
import { type LineParserOptions, type ParseCallbacks, TraceLineParser } from './line-parser.js';
import type { StringTable } from './stacks.js';

export const CHUNK = 4 << 20;

export interface ScanResult {
  stats: TraceStats;
  strings: StringTable;
}

/** Makes room after the kept part of the window; grows it when one record fills most of it. */
export function compact(p: TraceLineParser, buf: Buffer, len: number): { buf: Buffer; len: number } {
  const keep = p.keepFrom();
  const rest = len - keep;
  let out = buf;
  if (rest > buf.length / 2) out = Buffer.allocUnsafe(buf.length * 2);
  if (rest > 0) buf.copy(out, 0, keep, len);
  p.shift(keep);
  return { buf: out, len: rest };
}

/** Reads a plain (not gzipped) trace file synchronously. */
export function scanTraceFileSync(
  file: TraceFileInfo,
  cb: ParseCallbacks,
  opts: LineParserOptions = {},
): ScanResult {
  const p = new TraceLineParser(file.path, file.rank, cb, opts);
  const fd = openSync(file.path, 'r');
  try {
    let buf: Buffer = Buffer.allocUnsafe(CHUNK);
    let len = 0;
    for (;;) {
      if (len === buf.length) ({ buf, len } = compact(p, buf, len));
      const n = readSync(fd, buf, len, buf.length - len, null);
      len += n;
      const eof = n === 0;
      p.process(buf, len, eof);
      if (eof) break;
      if (len > buf.length - (buf.length >> 3)) ({ buf, len } = compact(p, buf, len));
    }
  } finally {
    closeSync(fd);
  }
  return { stats: p.stats, strings: p.strings };
}

/** Reads a trace file, gunzipping `.gz` files on the fly. */
export async function scanTraceFile(
  file: TraceFileInfo,
  cb: ParseCallbacks,
  opts: LineParserOptions = {},
): Promise<ScanResult> {
  if (!file.gz) return scanTraceFileSync(file, cb, opts);
  const p = new TraceLineParser(file.path, file.rank, cb, opts);
  const st: ParseBuffer = { buf: Buffer.allocUnsafe(CHUNK), len: 0 };
  const stream = createReadStream(file.path).pipe(createGunzip());
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) feedChunk(p, st, chunk);
  } catch (e) {
    // a corrupt or cut gzip stream ends the trace where it breaks: count it, keep what was read
    p.process(st.buf, st.len, true);
    countBrokenGzip(p, file.path, e);
    return { stats: p.stats, strings: p.strings };
  }
  p.process(st.buf, st.len, true);
  return { stats: p.stats, strings: p.strings };
}

/** The parser's buffer and how much of it holds bytes. */
export interface ParseBuffer {
  buf: Buffer;
  len: number;
}

/**
 * Appends a chunk of a stream (a decompressed .gz) to the parser's buffer piece by piece, parsing the complete
 * lines after each piece and dropping what the parser is done with. Stops early, returning true, when `stop`
 * says so after a parse.
 */
export function feedChunk(p: TraceLineParser, st: ParseBuffer, chunk: Buffer, stop?: () => boolean): boolean {
  let off = 0;
  while (off < chunk.length) {
    if (st.len === st.buf.length) Object.assign(st, compact(p, st.buf, st.len));
    const n = chunk.copy(st.buf, st.len, off);
    off += n;
    st.len += n;
    p.process(st.buf, st.len, false);
    if (stop?.()) return true;
    if (st.len > st.buf.length - (st.buf.length >> 3)) Object.assign(st, compact(p, st.buf, st.len));
  }
  return false;
}

/** A gzip stream that broke: one truncated line, and the problem reported. */
export function countBrokenGzip(p: TraceLineParser, path: string, e: unknown): void {
  p.stats.badLines.truncated++;
  p.cb.onProblem?.({
    kind: 'truncated',
    file: path,
    lineno: p.stats.lines,
    offset: p.stats.bytes,
    message: `gzip stream broken: ${(e as Error).message}`,
  });
}
