/** Resolving stack frames against a trace's `str` table, and tlparse's frame clean-ups. */
import type { RawFrame, ResolvedFrame } from './envelope.js';

export type StringTable = Map<number, string>;

export function resolveFrame(f: RawFrame, table: StringTable): ResolvedFrame {
  const file =
    typeof f.uninterned_filename === 'string'
      ? f.uninterned_filename
      : (table.get(f.filename) ?? '(unknown)');
  return { file, line: f.line, name: f.name, loc: typeof f.loc === 'string' ? f.loc : null };
}

export function resolveStack(
  stack: RawFrame[] | null | undefined,
  table: StringTable,
): ResolvedFrame[] | null {
  if (!Array.isArray(stack)) return null;
  return stack.map((f) => resolveFrame(f, table));
}

/** Drops Meta build-path prefixes the way tlparse does (`#link-tree/` and the `-seed-nspid` folder). */
export function simplifyFilename(file: string): string {
  const lt = file.indexOf('#link-tree/');
  if (lt >= 0) return file.slice(lt + '#link-tree/'.length).split('#link-tree/')[0];
  if (!file.includes('-seed-nspid')) return file;
  const m = /[^/]+-seed-nspid[^/]+\//.exec(file);
  return m === null ? file : file.slice(m.index + m[0].length);
}

const CONVERT_FRAME = 'torch/_dynamo/convert_frame.py';
const WRAPPER_SUFFIXES = [
  ['catch_errors', '_convert_frame', '_convert_frame_assert'],
  ['__call__', '__call__', '__call__'],
];

/** Removes the trailing convert_frame.py wrapper frames tlparse strips from dynamo_start stacks. */
export function removeConvertFrameSuffixes(frames: ResolvedFrame[]): ResolvedFrame[] {
  let out = frames;
  const len = frames.length;
  for (const names of WRAPPER_SUFFIXES) {
    if (len < names.length || out.length !== len) continue;
    const tail = out.slice(len - names.length);
    if (tail.every((f, i) => simplifyFilename(f.file) === CONVERT_FRAME && f.name === names[i])) {
      out = out.slice(0, len - names.length);
    }
  }
  return out;
}
