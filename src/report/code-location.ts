/** Source locations from trace text, shortened for a table cell: `file.py:5 in f`, the full path kept for a tooltip. */

export interface CodeLocation {
  /** the path as logged (possibly cut at the front by PyTorch, e.g. `ome/user/progs/x.py`) */
  file: string;
  line: number | null;
  fn: string | null;
}

/** `file.py:5 in f`; a path PyTorch cut at the front keeps only its last, whole segment. */
export function shortLocation(loc: CodeLocation): string {
  const slash = loc.file.lastIndexOf('/');
  const base = slash >= 0 ? loc.file.slice(slash + 1) : loc.file;
  return `${base}${loc.line !== null ? `:${loc.line}` : ''}${loc.fn ? ` in ${loc.fn}` : ''}`;
}

/** `path:line` for a tooltip. */
export function fullLocation(loc: CodeLocation): string {
  return `${loc.file}${loc.line !== null ? `:${loc.line}` : ''}${loc.fn ? ` in ${loc.fn}` : ''}`;
}

const BREAK_AT = /^Graph break in user code at (.+):(\d+)\s*$/m;

/** The user frame of a `dynamo_graph_break_reason` payload ("Graph break in user code at /p/x.py:6"). */
export function graphBreakLocation(text: string): CodeLocation | null {
  const head = text.slice(0, 4096);
  const m = BREAK_AT.exec(head);
  if (m === null) return null;
  const loc: CodeLocation = { file: m[1], line: Number(m[2]), fn: null };
  // the function name comes from the same frame in the "User code traceback:" block, when there is one
  const tb = text.indexOf('User code traceback:');
  if (tb >= 0) {
    const end = text.indexOf('\nTraceback (most recent call last)', tb);
    const frame = lastUserFrame(text.slice(tb, end < 0 ? tb + 8192 : end));
    if (frame !== null && frame.file === loc.file && frame.line === loc.line) loc.fn = frame.fn;
  }
  return loc;
}

const USER_FRAME = /File "([^"]+)", line (\d+), in (\S+)/g;

/** The innermost frame of a `User stack trace:` / `User code traceback:` block, when the text has one. */
export function lastUserFrame(text: string): CodeLocation | null {
  let last: CodeLocation | null = null;
  USER_FRAME.lastIndex = 0;
  for (let m = USER_FRAME.exec(text); m !== null; m = USER_FRAME.exec(text))
    last = { file: m[1], line: Number(m[2]), fn: m[3] };
  return last;
}
