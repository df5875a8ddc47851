// Builds TORCH_TRACE text for tests, in PyTorch's format: glog prefix, JSON envelope, TAB-indented payload.
import { createHash } from 'node:crypto';

export interface Rec {
  meta: Record<string, unknown>;
  payload?: string;
  /** write this md5 instead of the right one */
  md5?: string;
}

export function glogPrefix(line = 1, path = 'torch/_dynamo/utils.py'): string {
  return `V1126 12:28:44.736000 595 ${path}:${line}]`;
}

export function traceText(recs: Rec[]): string {
  let s = '';
  recs.forEach((r, i) => {
    const meta = { ...r.meta };
    if (r.payload !== undefined)
      meta.has_payload = r.md5 ?? createHash('md5').update(r.payload).digest('hex');
    s += `${glogPrefix(i + 1)} ${JSON.stringify(meta)}\n`;
    if (r.payload !== undefined)
      s += r.payload
        .split('\n')
        .map((l) => `\t${l}\n`)
        .join('');
  });
  return s;
}

export const cid = (frame: number, fc: number, attempt = 0) => ({
  frame_id: frame,
  frame_compile_id: fc,
  attempt,
});
