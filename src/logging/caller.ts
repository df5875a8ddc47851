/**
 * The caller's file and line for the glog prefix (`path/to/file.ts:123]`), captured only when a record is
 * actually emitted, never on the disabled path.
 *
 * Cost, measured on our 2-vCPU VMs: a one-frame Error.captureStackTrace costs ~2 µs; letting V8 *format* the
 * stack costs more, and with source maps enabled (tsx, --enable-source-maps) Node's formatter maps every frame
 * on every call (~10 µs). So we read the raw CallSite (a temporary Error.prepareStackTrace, restored at once),
 * key a cache by the generated position, and map a position through its source map only once per call site.
 */
import { findSourceMap } from 'node:module';
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
/** file -> character position -> resolved caller. */
const cache = new Map<string, Map<number, CallerInfo>>();
const MAX_CACHE = 4096;

const rawCallSites = (_: Error, sites: NodeJS.CallSite[]): NodeJS.CallSite[] => sites;

/** The frame just outside `skip` (the function the user called). */
export function captureCaller(skip: SkipFrame): CallerInfo {
  const limit = Error.stackTraceLimit;
  const prepare = Error.prepareStackTrace;
  let sites: unknown;
  try {
    Error.stackTraceLimit = 1;
    Error.prepareStackTrace = rawCallSites;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, skip);
    sites = holder.stack;
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
  return callerFromSites(sites, prepare);
}

/** The CallerInfo of the first raw CallSite in `sites` (what a capture with the raw prepareStackTrace returns). */
export function callerFromSites(sites: unknown, prepare: Prepare = Error.prepareStackTrace): CallerInfo {
  if (!Array.isArray(sites) || sites.length === 0) return UNKNOWN;
  const site = sites[0] as NodeJS.CallSite & { getPosition?: () => number };
  const file = site.getFileName() ?? site.getScriptNameOrSourceURL() ?? '<anonymous>';
  // The character offset is one lookup; line and column each cost a line-table search, so they are computed
  // only on a cache miss.
  const position = typeof site.getPosition === 'function' ? site.getPosition() : -1;
  let byPosition = cache.get(file);
  if (byPosition === undefined) {
    if (cache.size >= MAX_CACHE) cache.clear();
    byPosition = new Map();
    cache.set(file, byPosition);
  }
  let info = position < 0 ? undefined : byPosition.get(position);
  if (info === undefined) {
    info = resolveSite(site, file, site.getLineNumber() ?? 0, site.getColumnNumber() ?? 0, prepare);
    if (position >= 0) {
      if (byPosition.size >= MAX_CACHE) byPosition.clear();
      byPosition.set(position, info);
    }
  }
  return info;
}

// "    at fn (file:///a/b.js:12:5)" or "    at file:///a/b.js:12:5" or "    at async fn (/a/b.js:12:5)"
const FRAME = /^\s*at (?:(.*?) \()?(.*):(\d+):\d+\)?$/;

type Prepare = typeof Error.prepareStackTrace;

/**
 * Maps a generated position to its source, once per call site: through Node's source map (tsx,
 * --enable-source-maps), else through an installed Error.prepareStackTrace (vitest, source-map-support)
 * asked to format this one frame, else the generated position is the real one.
 */
function resolveSite(
  site: NodeJS.CallSite,
  file: string,
  line: number,
  column: number,
  prepare: Prepare,
): CallerInfo {
  const fn = site.getFunctionName() ?? '<module>';
  try {
    const entry = findSourceMap(file)?.findEntry(line - 1, column - 1) as
      | { originalSource?: string; originalLine?: number }
      | undefined;
    if (entry?.originalSource !== undefined && entry.originalLine !== undefined) {
      return info(toPath(entry.originalSource), entry.originalLine + 1, fn);
    }
    if (typeof prepare === 'function') {
      const text = prepare(new Error(), [site]);
      const frame = typeof text === 'string' ? text.split('\n').find((l) => FRAME.test(l)) : undefined;
      const m = frame === undefined ? null : FRAME.exec(frame);
      if (m !== null) return info(toPath(m[2]!), Number(m[3]), fn);
    }
  } catch {
    // fall back to the generated position
  }
  return info(toPath(file), line, fn);
}

function info(pathname: string, line: number, funcName: string): CallerInfo {
  return { pathname, display: displayPath(pathname), line, funcName };
}

function toPath(file: string): string {
  if (!file.startsWith('file://')) return file;
  try {
    return fileURLToPath(file);
  } catch {
    return file;
  }
}

// src/logging/ and dist/logging/ both sit two levels below compilog's package root.
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The path the glog prefix shows, like PyTorch's sys.path-relative paths (`torch/_dynamo/convert_frame.py`):
 * relative to the working directory when the file is inside it; else, for an installed package, the part after
 * the last `node_modules/` (`compilog/dist/runtime/capture/instrument.js`); else, for compilog's own files,
 * `compilog/<path in the package>`; else the absolute path.
 */
export function displayPath(pathname: string, cwd: string = process.cwd()): string {
  if (!isAbsolute(pathname)) return pathname;
  const inCwd = inside(cwd, pathname);
  if (inCwd !== undefined) return inCwd;
  const modules = pathname.lastIndexOf(`${sep}node_modules${sep}`);
  if (modules >= 0) return toSlashes(pathname.slice(modules + `${sep}node_modules${sep}`.length));
  const inPackage = inside(PACKAGE_ROOT, pathname);
  if (inPackage !== undefined) return `compilog/${inPackage}`;
  return pathname;
}

function inside(dir: string, pathname: string): string | undefined {
  const rel = relative(dir, pathname);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) return undefined;
  return toSlashes(rel);
}

function toSlashes(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}
