/**
 * The caller's file and line for the glog prefix (`path/to/file.ts:123]`), captured only when a record is
 * actually emitted. A stack capture costs about 2 µs on our VMs even with a one-frame limit, so it is done
 * once per emitted record, never on the disabled path, and the parsed frame is cached by its text.
 * The stack is read through V8's normal formatting, so `--enable-source-maps` (and tsx) map positions to
 * the TypeScript sources.
 */
import { isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SkipFrame } from './logger.js';

export interface CallerInfo {
  /** Absolute path (or `node:...` / `<anonymous>`), Python's `pathname`. */
  pathname: string;
  /** What the glog prefix shows: relative to the working directory when inside it, else absolute. */
  display: string;
  line: number;
  /** The calling function's name, `<module>` at top level (Python's funcName). */
  funcName: string;
}

const UNKNOWN: CallerInfo = { pathname: '<unknown>', display: '<unknown>', line: 0, funcName: '<unknown>' };
const cache = new Map<string, CallerInfo>();
const MAX_CACHE = 4096;

// "    at fn (file:///a/b.js:12:5)" or "    at file:///a/b.js:12:5" or "    at async fn (/a/b.js:12:5)"
const FRAME = /^\s*at (?:(.*?) \()?(.*):(\d+):\d+\)?$/;

/** The frame just outside `skip` (the function the user called). */
export function captureCaller(skip: SkipFrame): CallerInfo {
  const limit = Error.stackTraceLimit;
  const holder: { stack?: string } = {};
  try {
    Error.stackTraceLimit = 1;
    Error.captureStackTrace(holder, skip);
  } finally {
    Error.stackTraceLimit = limit;
  }
  const stack = holder.stack;
  if (typeof stack !== 'string') return UNKNOWN;
  const nl = stack.indexOf('\n');
  if (nl < 0) return UNKNOWN;
  const frame = stack.slice(nl + 1);
  const hit = cache.get(frame);
  if (hit !== undefined) return hit;
  const info = parseFrame(frame);
  if (cache.size >= MAX_CACHE) cache.clear();
  cache.set(frame, info);
  return info;
}

export function parseFrame(frame: string): CallerInfo {
  const m = FRAME.exec(frame);
  if (m === null) return UNKNOWN;
  let pathname = m[2]!;
  if (pathname.startsWith('file://')) {
    try {
      pathname = fileURLToPath(pathname);
    } catch {
      // keep the URL text
    }
  }
  const fn = m[1];
  const funcName = fn === undefined || fn === '' ? '<module>' : fn.replace(/^async /, '');
  return { pathname, display: displayPath(pathname), line: Number(m[3]), funcName };
}

/** Relative to the working directory when the file is inside it (like PyTorch's sys.path-relative paths). */
export function displayPath(pathname: string, cwd: string = process.cwd()): string {
  if (!isAbsolute(pathname)) return pathname;
  const rel = relative(cwd, pathname);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) return pathname;
  return sep === '/' ? rel : rel.split(sep).join('/');
}
