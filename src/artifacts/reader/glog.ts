/**
 * The glog prefix of a trace line, as tlparse matches it:
 *   ([VIWEC])(\d\d)(\d\d) (\d\d):(\d\d):(\d\d).(\d{6}) (\d+)([^:]+):(\d+)\] (.)
 * The regex is not anchored, so text before the prefix is tolerated; the pathname keeps its leading space.
 * A hand-written byte matcher handles the common case (prefix at column 0) without decoding the line.
 */
import type { GlogPrefix } from './envelope.js';

const GLOG_RE =
  /([VIWEC])(\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2}).(\d{6}) (\d+)([^:\n]+):(\d+)\] ([^\n\r\u2028\u2029])/;

export interface GlogMatch {
  prefix: GlogPrefix;
  /** index where the envelope JSON starts (byte index for matchGlogBytes, char index for matchGlogText) */
  bodyStart: number;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function digits(b: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = b[at + i];
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/** Fast path: the prefix starts at byte `start`. Returns null if it does not match there. */
export function matchGlogBytes(b: Buffer, start: number, end: number): GlogMatch | null {
  if (end - start < 30) return null;
  const lv = b[start];
  if (lv !== 86 && lv !== 73 && lv !== 87 && lv !== 69 && lv !== 67) return null; // V I W E C
  const month = digits(b, start + 1, 2);
  const day = digits(b, start + 3, 2);
  if (month < 0 || day < 0 || b[start + 5] !== 32) return null;
  const hour = digits(b, start + 6, 2);
  const minute = digits(b, start + 9, 2);
  const second = digits(b, start + 12, 2);
  if (hour < 0 || minute < 0 || second < 0 || b[start + 8] !== 58 || b[start + 11] !== 58) return null;
  // b[start + 14] is any character (the regex has an unescaped '.'), but not a newline
  const micros = digits(b, start + 15, 6);
  if (micros < 0 || b[start + 21] !== 32) return null;
  let i = start + 22;
  let thread = 0;
  const threadStart = i;
  while (i < end && isDigit(b[i])) thread = thread * 10 + (b[i++] - 48);
  if (i === threadStart) return null;
  // pathname: [^:]+ then ':' digits '] ' one more char. The regex backtracks into the thread digits if
  // the pathname would be empty; PyTorch always writes ' path', so the slow path handles odd cases.
  const pathStart = i;
  const colon = b.indexOf(58, i);
  if (colon < 0 || colon >= end || colon === pathStart) return null;
  let j = colon + 1;
  let line = 0;
  const lineStart = j;
  while (j < end && isDigit(b[j])) line = line * 10 + (b[j++] - 48);
  if (j === lineStart || b[j] !== 93 || b[j + 1] !== 32 || j + 2 >= end) return null;
  return {
    prefix: {
      level: String.fromCharCode(lv),
      month,
      day,
      hour,
      minute,
      second,
      micros,
      thread,
      pathname: b.toString('utf8', pathStart, colon),
      line,
    },
    bodyStart: j + 2,
  };
}

/** Slow path: the unanchored regex on decoded text. */
export function matchGlogText(text: string): GlogMatch | null {
  const m = GLOG_RE.exec(text);
  if (m === null) return null;
  const n = (s: string) => Number.parseInt(s, 10);
  return {
    prefix: {
      level: m[1],
      month: n(m[2]),
      day: n(m[3]),
      hour: n(m[4]),
      minute: n(m[5]),
      second: n(m[6]),
      micros: n(m[7]),
      thread: Number(m[8]),
      pathname: m[9],
      line: Number(m[10]),
    },
    bodyStart: m.index + m[0].length - m[11].length,
  };
}
