/**
 * The reader's public entry points: readTrace (async iteration over every envelope of a file or a
 * TORCH_TRACE directory, with stats), and readPayload (a payload read on demand from its byte range).
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { CHUNK, compact, countBrokenGzip } from './drive.js';
import { addStats, emptyStats, type TraceEnvelope, type TraceProblem, type TraceStats } from './envelope.js';
import { type ResolveOptions, resolveTraceInput, type TraceFileInfo } from './files.js';
import { TraceLineParser } from './line-parser.js';
import { payloadBytes } from './payload-bytes.js';
import type { StringTable } from './stacks.js';

export interface ReadTraceOptions extends ResolveOptions {
  /** check payload md5s (default true) */
  verifyMd5?: boolean;
  /** attach each payload's text to its envelope as `payloadText` (default false: use readPayload) */
  payloadText?: boolean;
  /** called for every bad line, with its line number */
  onProblem?: (p: TraceProblem) => void;
}

/** An envelope, optionally with its payload text. */
export interface ReadEnvelope extends TraceEnvelope {
  payloadText?: string;
}

export interface TraceReading extends AsyncIterable<ReadEnvelope> {
  /** the files that are (or will be) read, in order */
  readonly files: TraceFileInfo[];
  /** totals over the files read so far; complete once iteration ends */
  readonly stats: TraceStats;
  /** per-file stats and `str` tables, filled as each file completes */
  readonly perFile: Map<string, { stats: TraceStats; strings: StringTable }>;
}

/**
 * Reads a trace file or a TORCH_TRACE directory (all its trace files in rank order, or the newest with
 * `latest`). Never throws on bad content: problems are counted in `stats.badLines`. Throws CompilogError
 * E_TRACE_NOT_FOUND / E_TRACE_EMPTY_DIR / E_TRACE_UNREADABLE for a missing path, a directory without
 * traces, or a path that cannot be read (permissions).
 */
export function readTrace(path: string, options: ReadTraceOptions = {}): TraceReading {
  const input = resolveTraceInput(path, options);
  const stats = emptyStats();
  const perFile = new Map<string, { stats: TraceStats; strings: StringTable }>();
  async function* iterate(): AsyncGenerator<ReadEnvelope> {
    for (const file of input.files) {
      // pull-based: parse one read's worth, hand those envelopes out, then read on (memory stays bounded)
      const queue: ReadEnvelope[] = [];
      const parser = new TraceLineParser(
        file.path,
        file.rank,
        {
          onEnvelope(env, payload) {
            const out: ReadEnvelope = env;
            if (options.payloadText && payload !== null) out.payloadText = payload.text();
            queue.push(out);
          },
          onProblem: options.onProblem,
        },
        { verifyMd5: options.verifyMd5 },
      );
      for await (const _ of feed(file, parser)) {
        while (queue.length > 0) yield queue.shift()!;
      }
      while (queue.length > 0) yield queue.shift()!;
      perFile.set(file.path, { stats: parser.stats, strings: parser.strings });
      addStats(stats, parser.stats);
    }
  }
  return { files: input.files, stats, perFile, [Symbol.asyncIterator]: iterate };
}

/** Feeds a file to the parser one read at a time; yields after each read so the caller can drain. */
async function* feed(file: TraceFileInfo, p: TraceLineParser): AsyncGenerator<void> {
  let buf: Buffer = Buffer.allocUnsafe(CHUNK);
  let len = 0;
  const room = () => {
    if (len === buf.length || len > buf.length - (buf.length >> 3)) ({ buf, len } = compact(p, buf, len));
  };
  if (!file.gz) {
    const fd = openSync(file.path, 'r');
    try {
      for (;;) {
        room();
        const n = readSync(fd, buf, len, buf.length - len, null);
        len += n;
        p.process(buf, len, n === 0);
        yield;
        if (n === 0) return;
      }
    } finally {
      closeSync(fd);
    }
  }
  const stream = createReadStream(file.path).pipe(createGunzip());
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let off = 0;
      while (off < chunk.length) {
        room();
        const n = chunk.copy(buf, len, off);
        off += n;
        len += n;
        p.process(buf, len, false);
        yield;
      }
    }
  } catch (e) {
    countBrokenGzip(p, file.path, e);
  }
  p.process(buf, len, true);
  yield;
}

function gzRange(file: string, offset: number, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let pos = 0;
    const end = offset + length;
    const stream = createReadStream(file).pipe(createGunzip());
    stream.on('data', (chunk: Buffer) => {
      const s = Math.max(offset - pos, 0);
      const e = Math.min(end - pos, chunk.length);
      if (e > s) parts.push(Buffer.from(chunk.subarray(s, e)));
      pos += chunk.length;
      if (pos >= end) stream.destroy();
    });
    stream.on('close', () => resolve(Buffer.concat(parts)));
    stream.on('error', (e) => (pos >= end ? resolve(Buffer.concat(parts)) : reject(e)));
  });
}

/** The raw bytes of an envelope's payload lines, read from its file (a `.gz` file is re-inflated up to it). */
export async function readPayloadRegion(env: Pick<TraceEnvelope, 'file' | 'payload'>): Promise<Buffer> {
  if (env.payload === null) return Buffer.alloc(0);
  const { offset, length } = env.payload;
  if (env.file.endsWith('.gz')) return gzRange(env.file, offset, length);
  const buf = Buffer.allocUnsafe(length);
  const fd = openSync(env.file, 'r');
  try {
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** An envelope's payload text, read on demand from its byte range; '' when it has none. */
export async function readPayload(env: Pick<TraceEnvelope, 'file' | 'payload'>): Promise<string> {
  const region = await readPayloadRegion(env);
  return payloadBytes(region, 0, region.length).toString('utf8');
}
