/**
 * Where a trace record comes from: the caller's file and line (for the glog prefix) and, outside a compile, the
 * caller's whole stack (the envelope's `stack`, oldest frame first, as Python prints tracebacks). Uses V8's
 * structured CallSites, mapped through source maps when Node has them (tsx, --enable-source-maps), and reads the
 * source line (`loc`) from disk once per file. Only runs while a trace is being written.
 */
import { readFileSync } from 'node:fs';
import { findSourceMap, type SourceMap } from 'node:module';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { displayPath as logDisplayPath } from '../../logging/index.js';

export interface SourceFrame {
  /** Absolute path (or the raw name when it is not a file, e.g. `<eval>`). */
  filename: string;
  line: number;
  name: string;
}

type Boundary = (...args: never[]) => unknown;

const MAX_STACK_DEPTH = 64;

const rawCallSites = (_err: Error, callSites: NodeJS.CallSite[]): NodeJS.CallSite[] => callSites;

/** The frames above `boundary` (innermost first), skipping Node's own internals. */
export function captureFrames(boundary: Boundary, depth: number): SourceFrame[] {
  const previousPrepare = Error.prepareStackTrace;
  if (depth === 1) {
    // The usual case (a record's own line): one frame is cheaper to capture than three (V8 summarises each
    // frame it collects); a Node internal in that place falls through to the general capture.
    const only = rawSites(boundary, 1);
    const frame = only.length > 0 ? resolveSite(only[0], previousPrepare) : null;
    if (frame) return [frame];
  }
  // A couple more than asked for, because node: internals are dropped below.
  const sites = rawSites(boundary, Math.min(depth, MAX_STACK_DEPTH) + 2);
  const frames: SourceFrame[] = [];
  for (let i = 0; i < sites.length && frames.length < depth; i++) {
    const frame = resolveSite(sites[i], previousPrepare);
    if (frame) frames.push(frame);
  }
  return frames;
}

/** V8's raw CallSites above `boundary`, at most `limit`. */
function rawSites(boundary: Boundary, limit: number): NodeJS.CallSite[] {
  const holder: { stack?: unknown } = {};
  const previousPrepare = Error.prepareStackTrace;
  const previousLimit = Error.stackTraceLimit;
  try {
    Error.prepareStackTrace = rawCallSites;
    Error.stackTraceLimit = limit;
    Error.captureStackTrace(holder, boundary);
    // The stack is formatted lazily: read it while our prepareStackTrace is installed.
    return (holder.stack as NodeJS.CallSite[] | undefined) ?? [];
  } finally {
    Error.prepareStackTrace = previousPrepare;
    Error.stackTraceLimit = previousLimit;
  }
}

// Resolving a position (source maps, a runner's prepareStackTrace, file URLs) is costly; a raw position always
// resolves the same way, so each call site is resolved once. The cache is keyed by the script and the character
// offset in it (one lookup; a line or column number each costs a search of the script's line table).
const MAX_CACHED_SITES = 10_000;
const resolvedSites = new Map<string, Map<number, SourceFrame | null>>();
let cachedSites = 0;

function resolveSite(site: NodeJS.CallSite, prepare: typeof Error.prepareStackTrace): SourceFrame | null {
  const script = site.getScriptNameOrSourceURL() ?? site.getFileName() ?? '';
  const position = (site as { getPosition?: () => number }).getPosition?.() ?? -1;
  if (position < 0) return resolveUncached(site, prepare);
  let byPosition = resolvedSites.get(script);
  if (byPosition === undefined) {
    byPosition = new Map();
    resolvedSites.set(script, byPosition);
  }
  let frame = byPosition.get(position);
  if (frame === undefined) {
    frame = resolveUncached(site, prepare);
    if (++cachedSites > MAX_CACHED_SITES) {
      resolvedSites.clear();
      cachedSites = 0;
    } else byPosition.set(position, frame);
  }
  return frame;
}

function resolveUncached(site: NodeJS.CallSite, prepare: typeof Error.prepareStackTrace): SourceFrame | null {
  const mapped = prepare ? positionsFrom(prepare, [site])?.[0] : undefined;
  return toFrame(site, mapped) ?? null;
}

const AT_LINE = /^\s+at (?:.*? \()?(.+?):(\d+):\d+\)?$/;

/**
 * A test runner or source-map-support may own Error.prepareStackTrace to map positions to the original source
 * (vitest does). Let it format our call sites and read the mapped file:line back, one `at` line per site.
 */
function positionsFrom(
  prepare: NonNullable<typeof Error.prepareStackTrace>,
  sites: NodeJS.CallSite[],
): Array<{ file: string; line: number } | undefined> | undefined {
  try {
    const text: unknown = prepare(new Error(''), sites);
    if (typeof text !== 'string') return undefined;
    const lines = text.split('\n').filter((l) => /^\s+at /.test(l));
    if (lines.length !== sites.length) return undefined;
    return lines.map((l) => {
      const m = AT_LINE.exec(l);
      return m ? { file: m[1], line: Number(m[2]) } : undefined; // e.g. `at new Promise (<anonymous>)`
    });
  } catch {
    return undefined;
  }
}

/** The caller's stack for an envelope: oldest frame first, with the source line when it can be read. */
export function captureStack(boundary: Boundary): Array<SourceFrame & { loc: string | null }> {
  return captureFrames(boundary, MAX_STACK_DEPTH)
    .reverse()
    .map((frame) => ({ ...frame, loc: sourceLine(frame.filename, frame.line) }));
}

function toFrame(
  site: NodeJS.CallSite,
  mapped: { file: string; line: number } | undefined,
): SourceFrame | undefined {
  const rawName = site.getScriptNameOrSourceURL() ?? site.getFileName();
  if (!rawName || rawName.startsWith('node:')) return undefined;
  let filename = mapped?.file ?? rawName;
  let line = mapped?.line ?? site.getLineNumber() ?? 0;
  const map = mapped ? undefined : sourceMapFor(rawName);
  if (map) {
    const entry = map.findEntry(line - 1, (site.getColumnNumber() ?? 1) - 1) as {
      originalSource?: string;
      originalLine?: number;
    };
    if (entry.originalSource !== undefined && entry.originalLine !== undefined) {
      filename = entry.originalSource;
      line = entry.originalLine + 1;
    }
  }
  if (filename.startsWith('file://')) {
    try {
      filename = fileURLToPath(filename);
    } catch {
      // keep the URL
    }
  }
  return { filename, line, name: functionName(site) };
}

function functionName(site: NodeJS.CallSite): string {
  const fn = site.getFunctionName();
  if (fn) return fn;
  const method = site.getMethodName();
  if (method) return method;
  return '<anonymous>';
}

const sourceMaps = new Map<string, SourceMap | null>();

function sourceMapFor(file: string): SourceMap | undefined {
  if (!process.sourceMapsEnabled) return undefined;
  let map = sourceMaps.get(file);
  if (map === undefined) {
    try {
      map = findSourceMap(file) ?? null;
    } catch {
      map = null;
    }
    sourceMaps.set(file, map);
  }
  return map ?? undefined;
}

const MAX_CACHED_FILES = 256;
const MAX_LOC_LENGTH = 1000;
const sourceFiles = new Map<string, string[] | null>();

/** The source line, stripped as Python's linecache/traceback does, or null when the file cannot be read. */
export function sourceLine(filename: string, line: number): string | null {
  let lines = sourceFiles.get(filename);
  if (lines === undefined) {
    try {
      lines = isAbsolute(filename) ? readFileSync(filename, 'utf8').split('\n') : null;
    } catch {
      lines = null;
    }
    if (sourceFiles.size >= MAX_CACHED_FILES) sourceFiles.clear();
    sourceFiles.set(filename, lines);
  }
  const text = lines?.[line - 1];
  // A minified bundle's "line" is the whole file: not worth repeating in every envelope.
  return text === undefined || text.length > MAX_LOC_LENGTH ? null : text.trim();
}

const displayPaths = new Map<string, string>();

/** The path shown in the glog prefix: the logging layer's rule (cwd-relative, node_modules, compilog/...), cached. */
export function displayPath(filename: string, cwd: string): string {
  const key = `${cwd}\0${filename}`;
  let shown = displayPaths.get(key);
  if (shown === undefined) {
    shown = logDisplayPath(filename, cwd);
    displayPaths.set(key, shown);
  }
  return shown;
}
