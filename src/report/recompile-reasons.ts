/**
 * recompile_reasons, made readable. Each logged line names one earlier compiled version (cache entry) of the
 * frame and the first guard that rejected the new inputs: `0/2: n == 2   # <code>  # <file>:5 in f` plus an
 * optional "User stack trace:". The same guard failing for several entries is one distinct reason.
 */
import { type CodeLocation, lastUserFrame } from './code-location.js';

export interface RecompileReason {
  /** the guard or the check that failed (`n == 2`, `tensor 'x' size mismatch at index 1. expected 16, actual 32`) */
  guard: string;
  /** the user source line the guard came from, when logged */
  code: string | null;
  location: CodeLocation | null;
  /** earlier compiled versions (cache entries, e.g. `0/2`) that failed this way, newest first as logged */
  entries: string[];
  count: number;
}

const ENTRY = /^((?:!\d+\/)?\d+\/\d+(?:_\d+)?):\s/;
/**
 * `<guard><2+ blanks># <code>  # <file>:<line> in <fn>` (PyTorch's guard comment): the guard and what follows
 * its first `#` that has two blanks before it and one after, found in one pass (the regular expression
 * `^(.*?)\s{2,}#\s(.*)$` took seconds on a hostile line of blanks).
 */
function splitComment(line: string): [guard: string, comment: string] | null {
  for (let p = line.indexOf('#'); p >= 0; p = line.indexOf('#', p + 1)) {
    if (p < 2 || p + 1 >= line.length) continue;
    if (/\s/.test(line[p - 1]) && /\s/.test(line[p - 2]) && /\s/.test(line[p + 1]))
      return [line.slice(0, p - 2), line.slice(p + 2)];
  }
  return null;
}
/** the location PyTorch appends last: `<file>:<line> in <fn>` */
const LOC = /^(.+):(\d+)(?: in (.+))?$/;

function parseOne(raw: string): { entry: string | null; reason: Omit<RecompileReason, 'entries' | 'count'> } {
  const m = ENTRY.exec(raw);
  const entry = m === null ? null : m[1];
  const body = m === null ? raw : raw.slice(m[0].length);
  const nl = body.indexOf('\n');
  const first = (nl < 0 ? body : body.slice(0, nl)).trimEnd();
  const rest = nl < 0 ? '' : body.slice(nl + 1);
  let guard = first;
  let code: string | null = null;
  let location: CodeLocation | null = null;
  const c = splitComment(first);
  if (c !== null) {
    guard = c[0].trim();
    const cut = c[1].lastIndexOf('  # ');
    const t = cut < 0 ? null : LOC.exec(c[1].slice(cut + 4).trim());
    if (t !== null) {
      code = c[1].slice(0, cut).trim() || null;
      location = { file: t[1], line: Number(t[2]), fn: t[3] ?? null };
    } else code = c[1].trim() || null;
  }
  // the user stack has the whole path (the comment's is cut at the front)
  const user = rest === '' ? null : lastUserFrame(rest);
  if (user !== null && (location === null || user.file.endsWith(location.file))) location = user;
  return { entry, reason: { guard, code, location } };
}

/** Distinct failed guards of one compile's recompile_reasons, in first-logged order, with their entries. */
export function distinctRecompileReasons(lines: readonly string[]): RecompileReason[] {
  const map = new Map<string, RecompileReason>();
  for (const raw of lines) {
    const { entry, reason } = parseOne(raw);
    const key = `${reason.guard}\u0000${reason.code ?? ''}\u0000${reason.location?.file ?? ''}:${reason.location?.line ?? ''}`;
    let r = map.get(key);
    if (r === undefined) {
      r = { ...reason, entries: [], count: 0 };
      map.set(key, r);
    }
    r.count++;
    if (entry !== null) r.entries.push(entry);
  }
  return [...map.values()];
}
