/** Finds the user's lines that issued an op (the stack frames outside the runtime). */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callerFromSites } from '../../logging/index.js';
import type { SourceLocation } from './graph.js';

const RUNTIME_DIR = /[\\/](src|dist)[\\/]runtime[\\/]/;
/** compilog's own sources (src/ or dist/ of this package): never the user's code. */
const PACKAGE_CODE = ((): string[] => {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  return [join(root, 'src') + sep, join(root, 'dist') + sep];
})();
const FRAME = /^\s*at (?:(.*?) \()?(.*?):(\d+):\d+\)?$/;
const lines = new Map<string, readonly string[] | null>();

/** Frames captured first: the user's call is usually within this many frames of the recorder. */
const SHALLOW_DEPTH = 16;
const DEEP_DEPTH = 64;

/**
 * The innermost user frame of the current stack, for every recorded op. Formatting a stack (`new
 * Error().stack`) maps every frame through the source map when Node has them (tsx): ~30 µs per op, a
 * quarter of a compile. Instead the frames are captured raw (V8 CallSites, a few µs), compilog's own are
 * skipped by file name, and only the user's frame is resolved, once per position in the generated code.
 */
export function userSourceLocation(): SourceLocation | undefined {
  let raw = captureRawStack(SHALLOW_DEPTH);
  let site = raw.sites.find(isUserSite);
  if (site === undefined && raw.sites.length >= SHALLOW_DEPTH) {
    raw = captureRawStack(DEEP_DEPTH);
    site = raw.sites.find(isUserSite);
  }
  return site === undefined ? undefined : locationOf(site, raw.prepare);
}

const MAX_CACHED = 4096;
/** raw file name -> character position in it -> the resolved location. */
const locationBySite = new Map<string, Map<number, SourceLocation>>();

/** Is the frame in the user's code (not compilog's, Node's or a dependency's)? Decided once per script. */
function isUserSite(site: NodeJS.CallSite): boolean {
  return scriptOf(site).user;
}

function locationOf(site: NodeJS.CallSite, prepare: typeof Error.prepareStackTrace): SourceLocation {
  const name = site.getFileName() ?? site.getScriptNameOrSourceURL() ?? '';
  // The character offset is one lookup; line and column each search the line table.
  const position = (site as { getPosition?: () => number }).getPosition?.() ?? -1;
  let byPosition = locationBySite.get(name);
  if (byPosition === undefined) {
    if (locationBySite.size >= MAX_CACHED) locationBySite.clear();
    byPosition = new Map();
    locationBySite.set(name, byPosition);
  }
  let location = position < 0 ? undefined : byPosition.get(position);
  if (location === undefined) {
    location = resolveSite(site, prepare);
    if (position >= 0) {
      if (byPosition.size >= MAX_CACHED) byPosition.clear();
      byPosition.set(position, location);
    }
  }
  return location;
}

/**
 * The user frames of a V8 stack text, innermost first (at most `limit`): frames in the runtime, in Node's
 * internals and in node_modules are skipped, so the result is the user's code (and its callers).
 */
export function userFrames(stack: string | undefined, limit = Number.POSITIVE_INFINITY): SourceLocation[] {
  const out: SourceLocation[] = [];
  for (const frame of stack?.split('\n').slice(1) ?? []) {
    if (out.length >= limit) break;
    const m = FRAME.exec(frame);
    if (m === null) continue;
    const file = m[2].startsWith('file://') ? fileURLToPath(m[2]) : m[2];
    if (RUNTIME_DIR.test(file) || file.startsWith('node:') || file.includes('node_modules')) continue;
    if (PACKAGE_CODE.some((dir) => file.startsWith(dir))) continue;
    const line = Number(m[3]);
    const fn = (m[1] === undefined || m[1] === '<anonymous>' ? '<module>' : m[1])
      .replace(/^(async |Object\.|new )/, '')
      .replace(/^.*\.(?=[^.]+$)/, '');
    const code = sourceLine(file, line);
    out.push(code === undefined ? { file, line, fn } : { file, line, fn, code });
  }
  return out;
}

/** Line `line` (1-based) of `file`, trimmed; undefined when the file cannot be read. */
export function sourceLine(file: string, line: number): string | undefined {
  return sourceLines(file)?.[line - 1]?.trim();
}

/** Every line of `file` (cached); null when it cannot be read. */
export function sourceLines(file: string): readonly string[] | null {
  let text = lines.get(file);
  if (text === undefined) {
    try {
      text = readFileSync(file, 'utf8').split('\n');
    } catch {
      text = null;
    }
    lines.set(file, text);
  }
  return text;
}

/** A stack captured as raw V8 CallSites (no formatting, no source mapping: a few µs), resolved on demand. */
export interface RawStack {
  readonly sites: readonly NodeJS.CallSite[];
  /** The prepareStackTrace that was installed (a source-map formatter, for mapping later). */
  readonly prepare: typeof Error.prepareStackTrace;
}

const rawSites = (_: Error, sites: NodeJS.CallSite[]): NodeJS.CallSite[] => sites;

export function captureRawStack(depth = 40): RawStack {
  const limit = Error.stackTraceLimit;
  const prepare = Error.prepareStackTrace;
  const holder: { stack?: unknown } = {};
  try {
    Error.stackTraceLimit = depth;
    Error.prepareStackTrace = rawSites;
    Error.captureStackTrace(holder, captureRawStack);
    return { sites: Array.isArray(holder.stack) ? (holder.stack as NodeJS.CallSite[]) : [], prepare };
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

/** A script's path (file URLs converted) and whether it is user code: the same for every frame in it. */
interface ScriptInfo {
  readonly path: string;
  readonly user: boolean;
}
/** raw file name -> its ScriptInfo. */
const scripts = new Map<string, ScriptInfo>();

function scriptOf(site: NodeJS.CallSite): ScriptInfo {
  const file = site.getFileName() ?? site.getScriptNameOrSourceURL() ?? '';
  let info = scripts.get(file);
  if (info === undefined) {
    let path = file;
    if (file.startsWith('file://')) {
      try {
        path = fileURLToPath(file);
      } catch {
        // keep the URL
      }
    }
    info = { path, user: isUserFile(path) };
    if (scripts.size >= MAX_CACHED) scripts.clear();
    scripts.set(file, info);
  }
  return info;
}

function siteFile(site: NodeJS.CallSite): string {
  return scriptOf(site).path;
}

function isUserFile(file: string): boolean {
  if (file === '' || RUNTIME_DIR.test(file) || file.startsWith('node:') || file.includes('node_modules'))
    return false;
  return !PACKAGE_CODE.some((dir) => file.startsWith(dir));
}

/** The user's sites of a raw stack, innermost first (compilog's own frames and Node's are skipped). */
function userSites(raw: RawStack): NodeJS.CallSite[] {
  return raw.sites.filter(isUserSite);
}

/** The innermost user site's generated position: a cheap, stable identity of where user code was. */
export function rawSiteKey(raw: RawStack): string {
  const site = userSites(raw)[0];
  return site === undefined ? '' : `${siteFile(site)}:${site.getLineNumber()}:${site.getColumnNumber()}`;
}

/** The user frames of a raw stack, innermost first, mapped to their sources (what userFrames gives). */
export function rawUserFrames(raw: RawStack, limit = Number.POSITIVE_INFINITY): SourceLocation[] {
  return userSites(raw)
    .slice(0, limit)
    .map((site) => resolveSite(site, raw.prepare));
}

/** A user call site mapped to its source (source maps, the installed prepareStackTrace) with its line's text. */
function resolveSite(site: NodeJS.CallSite, prepare: typeof Error.prepareStackTrace): SourceLocation {
  const caller = callerFromSites([site], prepare);
  const fn = caller.funcName === '<anonymous>' ? '<module>' : caller.funcName.replace(/^.*\.(?=[^.]+$)/, '');
  const code = sourceLine(caller.pathname, caller.line);
  return code === undefined
    ? { file: caller.pathname, line: caller.line, fn }
    : { file: caller.pathname, line: caller.line, fn, code };
}
