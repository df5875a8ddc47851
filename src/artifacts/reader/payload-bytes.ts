/**
 * Turning the payload lines of a trace back into the payload: drop the leading TAB of each line, skip blank
 * lines (tlparse drops them before parsing), strip a trailing CR, join with \n. Works on bytes, so the md5
 * can be checked without building a string.
 */

let scratch = Buffer.allocUnsafe(1 << 16);

/**
 * Payload bytes of the region [start, end) of `buf` (payload lines, each starting with a TAB).
 * The result may be a view of `buf` or of a shared scratch buffer: use it before the next call.
 */
export function payloadBytes(buf: Buffer, start: number, end: number): Buffer {
  let nl = buf.indexOf(10, start);
  if (nl === -1 || nl >= end) nl = end;
  // one line, no blank lines: the payload is a view
  if (nl + 1 >= end) {
    let ce = nl;
    if (ce > start && buf[ce - 1] === 13) ce--;
    return buf.subarray(Math.min(start + 1, ce), ce);
  }
  if (scratch.length < end - start) scratch = Buffer.allocUnsafe(Math.max(end - start, scratch.length * 2));
  let w = 0;
  let first = true;
  let p = start;
  while (p < end) {
    let e = buf.indexOf(10, p);
    if (e === -1 || e >= end) e = end;
    let ce = e;
    if (ce > p && buf[ce - 1] === 13) ce--;
    if (ce > p) {
      if (!first) scratch[w++] = 10;
      first = false;
      const s = p + 1;
      if (ce > s) w += buf.copy(scratch, w, s, ce);
    }
    p = e + 1;
  }
  return scratch.subarray(0, w);
}
