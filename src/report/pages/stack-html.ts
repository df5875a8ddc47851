/** Stacks and the stack trie as HTML (frames escaped; eval_with_key frames link to their dump_file page). */
import type { RawFrame, ResolvedFrame, StringTable } from '../../artifacts/index.js';
import { resolveFrame, simplifyFilename } from '../../artifacts/index.js';
import { escapeHtml } from '../escape.js';
import type { StackNode } from '../model.js';

export function frameHtml(f: ResolvedFrame): string {
  const file = simplifyFilename(f.file);
  const m = /<eval_with_key>\.([0-9]+)/.exec(f.file);
  if (m !== null) {
    return `<a href="dump_file/eval_with_key_${m[1]}.html#L${f.line}">${escapeHtml(file)}:${f.line}</a> in ${escapeHtml(f.name)}`;
  }
  const loc = f.loc ? `<br>&nbsp;&nbsp;&nbsp;&nbsp;${escapeHtml(f.loc)}` : '';
  return `${escapeHtml(file)}:${f.line} in ${escapeHtml(f.name)}${loc}`;
}

/** A single stack as a flat list, oldest frame first. */
export function stackHtml(frames: ResolvedFrame[] | null, caption: string, open = false): string {
  if (frames === null || frames.length === 0) return '';
  return stackDetails(frames.map((f) => `<li>${frameHtml(f)}</li>`).join(''), caption, open);
}

/** A stack's `<li>` items in a collapsible list. */
function stackDetails(items: string, caption: string, open: boolean): string {
  return `<details${open ? ' open' : ''}><summary>${escapeHtml(caption)}</summary><div class="stack-trie"><ul>${items}</ul></div></details>`;
}

/**
 * The HTML of raw trace frames, memoised per string table: the metrics pages render the same framework
 * frames thousands of times (every guard and symbol carries its stacks). Entries are found by the frame's
 * (file index, line) and used only if the resolved file, name and loc are the same too, so a `str` entry
 * defined later or a hostile trace reusing a location for another name never gets a stale rendering.
 */
interface FrameEntry {
  file: string;
  name: unknown;
  loc: unknown;
  html: string;
}

const frameCache = new WeakMap<StringTable, Map<number | string, FrameEntry>>();
const FRAME_CACHE_MAX = 50_000;

function rawFrameHtml(f: RawFrame, table: StringTable, cache: Map<number | string, FrameEntry>): string {
  const interned = typeof f.uninterned_filename !== 'string';
  const file = interned ? (table.get(f.filename) ?? '(unknown)') : (f.uninterned_filename as string);
  const key =
    interned &&
    Number.isSafeInteger(f.filename) &&
    Number.isSafeInteger(f.line) &&
    f.line >= 0 &&
    f.line < 1e7
      ? f.filename * 1e7 + f.line
      : `${file}\u0000${f.line}`;
  const hit = cache.get(key);
  if (hit !== undefined && hit.file === file && hit.name === f.name && hit.loc === f.loc) return hit.html;
  const html = `<li>${frameHtml(resolveFrame(f, table))}</li>`;
  if (cache.size >= FRAME_CACHE_MAX) cache.clear();
  cache.set(key, { file, name: f.name, loc: f.loc, html });
  return html;
}

/** `stackHtml` of a raw trace stack (frames with `str` table indexes), without building resolved frames. */
export function rawStackHtml(stack: unknown, table: StringTable, caption: string): string {
  if (!Array.isArray(stack) || stack.length === 0) return '';
  let cache = frameCache.get(table);
  if (cache === undefined) {
    cache = new Map();
    frameCache.set(table, cache);
  }
  let items = '';
  for (const f of stack) items += rawFrameHtml(f as RawFrame, table, cache);
  return stackDetails(items, caption, false);
}

/** The trie: a node with several children opens a nested list; `terminal` renders the compile-id links. */
export function trieHtml(root: StackNode, terminal: (node: StackNode) => string): string {
  const walk = (node: StackNode): string => {
    let s = '';
    for (const child of node.children.values()) {
      const star = terminal(child);
      const f = child.frame === null ? '' : frameHtml(child.frame);
      if (node.children.size > 1) s += `<li>${star}${f}<ul>${walk(child)}</ul></li>`;
      else s += `<li>${star}${f}</li>${walk(child)}`;
    }
    return s;
  };
  return `<div class="stack-trie"><ul>${walk(root)}</ul></div>`;
}
