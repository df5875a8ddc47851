/**
 * Python `logging.Formatter` %-style templates over record attributes (TORCH_LOGS_FORMAT and per-artifact
 * log formats): `%(levelname)s:%(name)s:%(message)s`, with flags, width, precision and the s/d/i/f/r/x
 * conversions. Unknown keys are rejected once, when the template is compiled (E_LOGS_FORMAT_KEY), instead of
 * Python's `--- Logging error ---` block on every record.
 */
import { basename, extname } from 'node:path';
import { pythonAsctime } from '../clock.js';
import { CompilogError } from '../errors.js';
import { levelName } from '../levels.js';
import type { LogRecord } from '../record.js';

/** Python's logging.BASIC_FORMAT, what `short` and `basic` mean. */
export const BASIC_FORMAT = '%(levelname)s:%(name)s:%(message)s';

const startedAt = Date.now();

type Getter = (r: LogRecord) => string | number;

const ATTRIBUTES: Readonly<Record<string, Getter>> = {
  name: (r) => r.name,
  levelname: (r) => levelName(r.level),
  levelno: (r) => r.level,
  message: (r) => r.message,
  msg: (r) => r.message,
  pathname: (r) => r.caller?.pathname ?? '<unknown>',
  filename: (r) => (r.caller === undefined ? '<unknown>' : basename(r.caller.pathname)),
  module: (r) =>
    r.caller === undefined ? '<unknown>' : basename(r.caller.pathname, extname(r.caller.pathname)),
  lineno: (r) => r.caller?.line ?? 0,
  funcName: (r) => r.caller?.funcName ?? '<unknown>',
  asctime: (r) => pythonAsctime(r.time),
  created: (r) => r.time / 1000,
  msecs: (r) => Math.floor(r.time % 1000),
  relativeCreated: (r) => r.time - startedAt,
  process: (r) => r.pid,
  processName: () => 'MainProcess',
  thread: () => 0,
  threadName: () => 'MainThread',
  artifact: (r) => r.artifact ?? '',
  traceid: (r) => (r.traceId === undefined ? '' : `[${r.traceId}]`),
  rank: (r) => (r.rank === undefined ? '' : r.rank),
};

/** Attributes that need the caller's stack frame (captured only when a template uses one). */
const CALLER_KEYS = new Set(['pathname', 'filename', 'module', 'lineno', 'funcName']);

export const TEMPLATE_KEYS: readonly string[] = Object.keys(ATTRIBUTES);

export interface CompiledTemplate {
  readonly source: string;
  readonly needsCaller: boolean;
  /** The formatted record (error stack appended as Python does), without a trailing newline. */
  render(record: LogRecord): string;
}

const SPEC = /%(?:%|\((\w*)\)([#0\- +]*)(\d+)?(?:\.(\d+))?([sdifrxXeEgG]))/g;

export function compileTemplate(source: string): CompiledTemplate {
  const fmt = source === '' ? '%(message)s' : source;
  const parts: Array<string | ((r: LogRecord) => string)> = [];
  let last = 0;
  let needsCaller = false;
  const unknown: string[] = [];
  for (const m of fmt.matchAll(SPEC)) {
    if (m.index > last) parts.push(fmt.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[0] === '%%') {
      parts.push('%');
      continue;
    }
    const key = m[1]!;
    const getter = ATTRIBUTES[key];
    if (getter === undefined || !Object.hasOwn(ATTRIBUTES, key)) {
      unknown.push(key);
      continue;
    }
    if (CALLER_KEYS.has(key)) needsCaller = true;
    parts.push(field(getter, m[2] ?? '', m[3], m[4], m[5]!));
  }
  if (last < fmt.length) parts.push(fmt.slice(last));
  if (unknown.length > 0) {
    throw new CompilogError(
      'E_LOGS_FORMAT_KEY',
      `TORCH_LOGS_FORMAT: formatting field not found in record: ${unknown.map((k) => `'${k}'`).join(', ')} (format ${JSON.stringify(source)})`,
      `Use record attributes: ${TEMPLATE_KEYS.join(', ')}; or 'short', 'basic', 'json'. Falling back to the default format.`,
    );
  }
  return {
    source,
    needsCaller,
    render(record: LogRecord): string {
      let out = '';
      for (const p of parts) out += typeof p === 'string' ? p : p(record);
      // Python appends the traceback after the formatted text (record.message never contains it).
      if (record.error !== undefined) out += `\n${record.error.stack ?? String(record.error)}`;
      return out;
    },
  };
}

function field(
  getter: Getter,
  flags: string,
  width: string | undefined,
  precision: string | undefined,
  conv: string,
): (r: LogRecord) => string {
  const w = width === undefined ? 0 : Number(width);
  const left = flags.includes('-');
  const zero = flags.includes('0') && !left;
  return (r) => {
    const v = getter(r);
    let s: string;
    switch (conv) {
      case 'd':
      case 'i':
        s = String(Math.trunc(Number(v)));
        break;
      case 'f':
      case 'e':
      case 'E':
      case 'g':
      case 'G': {
        const n = Number(v);
        const p = precision === undefined ? 6 : Number(precision);
        s = conv === 'f' ? n.toFixed(p) : conv.toLowerCase() === 'e' ? n.toExponential(p) : String(n);
        if (conv === 'E' || conv === 'G') s = s.toUpperCase();
        break;
      }
      case 'x':
      case 'X':
        s = Math.trunc(Number(v)).toString(16);
        if (conv === 'X') s = s.toUpperCase();
        break;
      case 'r':
        s = typeof v === 'string' ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : String(v);
        break;
      default:
        s = String(v);
        if (precision !== undefined) s = s.slice(0, Number(precision));
    }
    if (s.length >= w) return s;
    if (left) return s.padEnd(w);
    return zero && conv !== 's' ? s.padStart(w, '0') : s.padStart(w);
  };
}
