/**
 * Batches handed to the write thread are sequences of frames, so that the thread, not the logging thread, does the
 * per-line work of the two formats that have it:
 *  - RAW: bytes written as they are;
 *  - LINES (a glog record): `head` before every line of `body`, then a newline, i.e.
 *    `${head}${body.replaceAll('\n', `\n${head}`)}\n`;
 *  - RECORD (a TORCH_TRACE envelope with a payload): `${head}, "has_payload": "${md5(payload)}"}`, then a tab before
 *    every line of the payload, then a newline.
 * Each frame is a 12-byte header (kind, byte length of its first part, of its second part; little-endian uint32)
 * and the two parts' UTF-8 bytes. A newline byte never occurs inside a multi-byte UTF-8 sequence, so the lines can
 * be found in the bytes. `expandLinesText` and `expandRecordText` are the same rules on strings (for writers that
 * write at once), and a property test holds the two forms equal.
 */
import * as crypto from 'node:crypto';

export const FRAME_RAW = 0;
export const FRAME_LINES = 1;
export const FRAME_RECORD = 2;
export const FRAME_HEADER_BYTES = 12;

export function expandLinesText(head: string, body: string): string {
  if (body.indexOf('\n') < 0) return `${head}${body}\n`;
  // One native replaceAll builds a flat string (a loop of += builds a rope, flattened again on write). A `$` in
  // the head (a path such as /tmp/$x/) would be a replacement pattern: then a function supplies it literally.
  const next = `\n${head}`;
  const lines = head.includes('$') ? body.replaceAll('\n', () => next) : body.replaceAll('\n', next);
  return `${head}${lines}\n`;
}

export function expandRecordText(head: string, payload: string): string {
  return `${head}, "has_payload": "${md5Hex(payload)}"}\n\t${payload.replaceAll('\n', '\n\t')}\n`;
}

// crypto.hash (Node >= 20.12) is a one-shot digest, much cheaper than a Hash object for small inputs.
const oneShot = (
  crypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: 'hex') => string }
).hash;

/** md5 of a text's UTF-8 bytes (or of bytes), in hex: a trace record's `has_payload`. */
export function md5Hex(data: string | Uint8Array): string {
  return oneShot ? oneShot('md5', data, 'hex') : crypto.createHash('md5').update(data).digest('hex');
}

/**
 * The bytes a batch of frames stands for. Self-contained (it also runs on the write thread, from its source
 * text): `md5` is passed in, and nothing outside this function is referenced. That is also why the two passes
 * read the frame headers inline rather than through a helper: a transpiler that keeps function names (tsx) wraps
 * inner functions in a call the worker would not have.
 */
export function expandFrames(src: Uint8Array, md5: (bytes: Uint8Array) => string): Uint8Array {
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  // `, "has_payload": "` (18 bytes), 32 hex digits, `"}`, a newline and a tab.
  const TAIL = 18 + 32 + 4;
  // First pass: the output size (each line break of a LINES body repeats its head; of a RECORD payload adds a tab).
  let size = 0;
  for (let at = 0; at < src.length; ) {
    const kind = view.getUint32(at, true);
    const a = view.getUint32(at + 4, true);
    const b = view.getUint32(at + 8, true);
    const start = at + 12;
    if (kind === 0) size += a;
    else {
      let breaks = 0;
      for (let i = start + a; i < start + a + b; i++) if (src[i] === 10) breaks++;
      size += kind === 1 ? a + b + breaks * a + 1 : a + TAIL + b + breaks + 1;
    }
    at = start + a + b;
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (let at = 0; at < src.length; ) {
    const kind = view.getUint32(at, true);
    const a = view.getUint32(at + 4, true);
    const b = view.getUint32(at + 8, true);
    const start = at + 12;
    const head = src.subarray(start, start + a);
    const body = src.subarray(start + a, start + a + b);
    at = start + a + b;
    if (kind === 0) {
      out.set(head, o);
      o += a;
      continue;
    }
    if (kind === 1) {
      out.set(head, o);
      o += a;
    } else {
      out.set(head, o);
      o += a;
      const tail = `, "has_payload": "${md5(body)}"}\n\t`;
      for (let i = 0; i < tail.length; i++) out[o++] = tail.charCodeAt(i);
    }
    let from = 0;
    for (let i = 0; i < body.length; i++) {
      if (body[i] !== 10) continue;
      out.set(body.subarray(from, i + 1), o);
      o += i + 1 - from;
      from = i + 1;
      if (kind === 1) {
        out.set(head, o);
        o += a;
      } else out[o++] = 9;
    }
    out.set(body.subarray(from), o);
    o += body.length - from;
    out[o++] = 10;
  }
  return out;
}
