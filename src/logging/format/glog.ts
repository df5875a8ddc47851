/**
 * PyTorch's default line (TorchLogsFormatter), byte for byte:
 *   [rank0]:V1126 12:28:44.736000 595 path/to/file.ts:123] [0/1] [__recompiles] message
 * One output line per message line, each with the full prefix; an attached Error's stack follows as more lines.
 */
import { glogSecond, micros6 } from '../clock.js';
import { shortLevel } from '../levels.js';
import type { LogRecord } from '../record.js';
import { expandLinesText } from '../sinks/frames.js';

/** The prefix up to and including `]`, then the trace id and artifact markers (no trailing space). */
export function glogPrefix(r: LogRecord): string {
  const rank = r.rank === undefined ? '' : `[rank${r.rank}]:`;
  const where = r.caller === undefined ? '<unknown>:0' : `${r.caller.display}:${r.caller.line}`;
  const trace = r.traceId === undefined ? '' : ` [${r.traceId}]`;
  const artifact = r.artifact === undefined ? '' : ` [__${r.artifact}]`;
  return `${rank}${shortLevel(r.level)}${glogSecond(r.time)}.${micros6(r.time)} ${r.pid} ${where}]${trace}${artifact}`;
}

/** The message body: the message, then the error's stack (Python appends the traceback the same way). */
export function messageBody(r: LogRecord): string {
  if (r.error === undefined) return r.message;
  const stack = r.error.stack ?? String(r.error);
  return r.message === '' ? stack : `${r.message}\n${stack}`;
}

/** Prefixes every line of `body` with `prefix` + a space; the result ends with a newline. */
export function prefixLines(prefix: string, body: string): string {
  return expandLinesText(`${prefix} `, body);
}
