/** Finds the user's line that issued an op (the first stack frame outside the runtime). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SourceLocation } from './graph.js';

const RUNTIME_DIR = /[\\/](src|dist)[\\/]runtime[\\/]/;
const FRAME = /^\s*at (?:(.*?) \()?(.*?):(\d+):\d+\)?$/;
const lines = new Map<string, readonly string[] | null>();

export function userSourceLocation(): SourceLocation | undefined {
  const stack = new Error().stack?.split('\n').slice(1) ?? [];
  for (const frame of stack) {
    const m = FRAME.exec(frame);
    if (m === null) continue;
    const file = m[2].startsWith('file://') ? fileURLToPath(m[2]) : m[2];
    if (RUNTIME_DIR.test(file) || file.startsWith('node:') || file.includes('node_modules')) continue;
    const line = Number(m[3]);
    const fn = (m[1] ?? '<module>').replace(/^(async |Object\.)/, '');
    const code = sourceLine(file, line);
    return code === undefined ? { file, line, fn } : { file, line, fn, code };
  }
  return undefined;
}

function sourceLine(file: string, line: number): string | undefined {
  let text = lines.get(file);
  if (text === undefined) {
    try {
      text = readFileSync(file, 'utf8').split('\n');
    } catch {
      text = null;
    }
    lines.set(file, text);
  }
  return text?.[line - 1]?.trim();
}
