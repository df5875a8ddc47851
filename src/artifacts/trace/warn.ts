/**
 * Tracing problems are reported, never thrown: one line on stderr per distinct problem, with the error code, what
 * went wrong and what to do. The host program carries on.
 */
import { writeSync } from 'node:fs';
import { CompilogError } from '../../logging/index.js';

const warned = new Set<string>();

export function warnOnce(key: string, error: CompilogError): void {
  if (warned.has(key)) return;
  warned.add(key);
  const hint = error.hint === undefined ? '' : `\n  hint: ${error.hint}`;
  try {
    writeSync(2, `compilog: warning ${error.code}: ${error.message}${hint}\n`);
  } catch {
    // stderr is gone: nothing more we can do, and nothing to throw into the host program.
  }
}

export function traceWarning(code: string, message: string, hint?: string): CompilogError {
  return new CompilogError(code, message, hint);
}
