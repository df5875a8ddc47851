/** Where a JavaScript function is defined (Python's co_firstlineno), found in its source file. */
import { sourceLines } from '../ir/source.js';

const DECLARATION = (name: string) =>
  new RegExp(
    `(function\\s*\\*?\\s*${name}\\b|\\b${name}\\s*[:=]\\s*(async\\s*)?(function\\b|\\(|[A-Za-z_$][\\w$]*\\s*=>)|^\\s*(async\\s+)?${name}\\s*\\()`,
  );

/**
 * The line where `name` is defined, searching up from a line inside it (JS does not expose a function's
 * first line as Python's co_firstlineno); the line itself when no declaration is found.
 */
export function definitionLine(file: string, inside: number, name: string): number {
  const lines = sourceLines(file);
  if (lines === null || name === '' || !/^[A-Za-z_$][\w$]*$/.test(name)) return inside;
  const pattern = DECLARATION(name);
  for (let l = inside; l >= 1 && l > inside - 200; l--) if (pattern.test(lines[l - 1] ?? '')) return l;
  return inside;
}
