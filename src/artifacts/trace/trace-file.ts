/**
 * The trace file, created on the first record (PyTorch's LazyTraceHandler): `<dir>/dedicated_log_torch_trace_
 * [rank_<N>_]<8 random chars>.log`, created exclusively (a new name on collision), written whole records at a time
 * through a BatchedWriter that is flushed on exit, on an uncaught exception and on SIGTERM. If the directory or the
 * file cannot be written, one warning goes to stderr and the caller disables tracing; nothing is thrown.
 */
import { randomInt } from 'node:crypto';
import { mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BatchedWriter } from '../../logging/index.js';

const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789_'; // Python tempfile's alphabet
const MAX_NAME_ATTEMPTS = 100;

export function randomNameSuffix(): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += NAME_CHARS[randomInt(NAME_CHARS.length)];
  return s;
}

export function traceFileName(rank: number | undefined, suffix: string): string {
  const rankPart = rank === undefined ? '' : `rank_${rank}_`;
  return `dedicated_log_torch_trace_${rankPart}${suffix}.log`;
}

export class TraceFileError extends Error {
  constructor(
    readonly dir: string,
    readonly reason: Error,
  ) {
    super(reason.message);
  }
}

/** Creates the directory and a fresh trace file in it. Throws TraceFileError (the caller turns it into a warning). */
export function createTraceFile(
  dir: string,
  rank: number | undefined,
  onError?: (error: Error) => void,
): { path: string; writer: BatchedWriter } {
  const absDir = resolve(dir);
  try {
    mkdirSync(absDir, { recursive: true });
  } catch (err) {
    throw new TraceFileError(absDir, err as Error);
  }
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
    const path = join(absDir, traceFileName(rank, randomNameSuffix()));
    try {
      const fd = openSync(path, 'wx', 0o644);
      return { path, writer: new BatchedWriter(fd, { ownsFd: true, offThread: true, onError }) };
    } catch (err) {
      lastError = err as Error;
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') break;
    }
  }
  throw new TraceFileError(absDir, lastError ?? new Error('no free file name'));
}
