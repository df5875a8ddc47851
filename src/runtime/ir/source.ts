/** Finds the user's lines that issued an op (the stack frames outside the runtime). */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceLocation } from './graph.js';

const RUNTIME_DIR = /[\\/](src|dist)[\\/]runtime[\\/]/;
/** compilog's own sources (src/ or dist/ of this package): never the user's code. */
const PACKAGE_CODE = ((): string[] => {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  return [join(root, 'src') + sep, join(root, 'dist') + sep];
})();
const FRAME = /^\s*at (?:(.*?) \()?(.*?):(\d+):\d+\)?$/;
const lines = new Map<string, readonly string[] | null>();

/** The innermost user frame of the current stack. */
export function userSourceLocation(): SourceLocation | undefined {
  return userFrames(new Error().stack, 1)[0];
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
    const fn = (m[1] === undefined || m[1] === '<anonymous>' ? '<module>' : m[1]).replace(/^(async |Object\.|new )/, '').replace(/^.*\.(?=[^.]+$)/, '');
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

/** The current stack text, deeper than V8's default 10 frames (user code may sit under many runtime frames). */
export function deepStack(depth = 40): string | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = depth;
  try {
    return new Error().stack;
  } finally {
    Error.stackTraceLimit = limit;
  }
}
