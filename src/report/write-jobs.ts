/**
 * The write jobs of the report, as plain CommonJS source: the writer thread evaluates it, and the
 * synchronous fallback (no worker, or COMPILOG_REPORT_SYNC_WRITES=1) runs the very same code on the main
 * thread, so both paths behave identically.
 *
 * Jobs are binary records in a byte ring (see file-writer.ts for the layout). A payload job carries the
 * payload's raw lines as they appear in the trace (each starting with a TAB): the job strips the TABs,
 * checks the md5 and then writes the payload to a file or appends it to chromium_events.json, so each
 * payload crosses from the parser to the writer once and the parsing thread does no byte work on it.
 */

import { prettyJsonPayload, prettySorted, sortKeys } from './json-format.js';

/** Record types. */
export const JOB = {
  WRAP: 0,
  WRITE: 1,
  PAYLOAD: 2,
  COPY: 3,
  AOPEN: 4,
  ACLOSE: 5,
  DRAIN: 6,
  QUIT: 7,
  /** the record's body travels as a message on the side port (contents bigger than half the ring) */
  INLINE: 8,
  /** append the file named by the data to the record's file, then delete it */
  APPEND: 9,
} as const;

/** What a payload job does after the md5 check. */
export const ACT = {
  NONE: 0,
  WRITE: 1,
  ARRAY_ITEM: 2,
  /** write the payload pretty-printed with sorted keys if it is JSON, else unchanged (json artifacts) */
  PRETTY_JSON: 3,
  /** flag: the data is the payload itself (TABs already removed) */
  STRIPPED: 16,
  /** flag: an array item already checked to be JSON */
  VALID: 32,
} as const;

/** Record header: u32 length (padded to 8), u8 type, u8 act, u16 path bytes, u32 data bytes, u32 line, 32 md5 hex. */
export const HEADER = 48;

// The JSON formatting the report uses elsewhere, embedded from its one implementation (json-format.ts).
// `__name` covers transpilers that wrap functions to keep their names.
// A bundler may rename a function (`sortKeys2`) and its references alike, so each one is also bound to the
// name the job code below calls it by.
const embed = (fn: (...args: never[]) => unknown, name: string): string =>
  `${fn.toString()}\n${fn.name === name ? '' : `const ${name} = ${fn.name};\n`}`;
const JSON_FORMAT_SOURCE = `
const __name = (f) => f;
${embed(sortKeys, 'sortKeys')}${embed(prettySorted, 'prettySorted')}${embed(prettyJsonPayload, 'prettyJsonPayload')}`;

export const JOB_SOURCE = `
${JSON_FORMAT_SOURCE}
function createJobs(fs, path, crypto, timed) {
  const made = new Set();
  const errors = [];
  const md5Failures = [];
  const t = { strip: 0, md5: 0, validate: 0, json: 0, files: 0, arrays: 0, other: 0 };
  // characters of the files whose content is made here (pretty JSON), for the report's byte count
  let madeChars = 0;
  // per-job clocks only when COMPILOG_REPORT_TIMINGS asks for them (two calls per job otherwise)
  const now = timed ? () => performance.now() : () => 0;
  const md5hex = typeof crypto.hash === 'function'
    ? (b) => crypto.hash('md5', b, 'hex')
    : (b) => crypto.createHash('md5').update(b).digest('hex');
  let scratch = Buffer.allocUnsafe(1 << 16);
  let lastArrayCount = 0;
  // chromium_events.json: items are buffered and written in 1 MB pieces
  let arr = null;
  const ARR_BUF = 1 << 20;

  // the payload lines of region [s, e) of buf with their TABs removed, blank lines skipped, CRs stripped;
  // written at \`at\` of \`out\` (default: a scratch buffer; buf itself at s to strip in place), or a view of
  // buf for a one-line payload
  function strip(buf, s, e, out, at) {
    let nl = buf.indexOf(10, s);
    if (nl === -1 || nl >= e) nl = e;
    if (nl + 1 >= e) {
      let ce = nl;
      if (ce > s && buf[ce - 1] === 13) ce--;
      return buf.subarray(Math.min(s + 1, ce), ce);
    }
    if (out === undefined) {
      if (scratch.length < e - s) scratch = Buffer.allocUnsafe(Math.max(e - s, scratch.length * 2));
      out = scratch;
      at = 0;
    }
    // in place (out === buf, at === s: only for buffers the job owns, a ring record or a message's copy) the
    // lines move down with copyWithin, which allocates nothing; a copy to another buffer makes a view per line
    const inPlace = out === buf;
    let w = at;
    let first = true;
    let p = s;
    while (p < e) {
      let q = buf.indexOf(10, p);
      if (q === -1 || q >= e) q = e;
      let ce = q;
      if (ce > p && buf[ce - 1] === 13) ce--;
      if (ce > p) {
        if (!first) out[w++] = 10;
        first = false;
        if (ce > p + 1) {
          if (inPlace) {
            buf.copyWithin(w, p + 1, ce);
            w += ce - p - 1;
          } else w += buf.copy(out, w, p + 1, ce);
        }
      }
      p = q + 1;
    }
    return out.subarray(at, w);
  }

  function ensureDir(file) {
    const d = path.dirname(file);
    if (made.has(d)) return;
    fs.mkdirSync(d, { recursive: true });
    made.add(d);
  }

  function writeFile(file, bytes) {
    const t0 = now();
    try {
      ensureDir(file);
      fs.writeFileSync(file, bytes);
    } catch (e) {
      errors.push(file + ': ' + e.message);
    }
    t.files += now() - t0;
  }

  function arrFlush() {
    if (arr === null || arr.used === 0) return;
    let off = 0;
    while (off < arr.used) off += fs.writeSync(arr.fd, arr.buf, off, arr.used - off);
    arr.used = 0;
  }

  function arrPut(bytes) {
    if (arr.used + bytes.length > ARR_BUF) arrFlush();
    if (bytes.length > ARR_BUF) {
      let off = 0;
      while (off < bytes.length) off += fs.writeSync(arr.fd, bytes, off, bytes.length - off);
      return;
    }
    arr.used += bytes.copy(arr.buf, arr.used);
  }

  // appends file \`from\` to file \`to\` in 4 MB pieces
  function appendFile(from, to) {
    const src = fs.openSync(from, 'r');
    let dst = -1;
    try {
      dst = fs.openSync(to, 'a');
      const b = Buffer.allocUnsafe(4 << 20);
      for (;;) {
        const n = fs.readSync(src, b, 0, b.length, null);
        if (n === 0) break;
        let off = 0;
        while (off < n) off += fs.writeSync(dst, b, off, n - off);
      }
    } finally {
      fs.closeSync(src);
      if (dst !== -1) fs.closeSync(dst);
    }
  }

  const SEP_FIRST = Buffer.from('[\\n');
  const SEP = Buffer.from(',\\n');

  // an item (already in place when \`inPlace\`: stripped into the array buffer after room for a separator)
  function arrayItem(bytes, inPlace, valid) {
    if (arr === null) return;
    let t0 = now();
    let ok = true;
    if (!valid) try { JSON.parse(bytes.toString('utf8')); } catch { ok = false; }
    t.validate += now() - t0;
    if (!ok) return;
    t0 = now();
    try {
      if (inPlace) {
        (arr.count === 0 ? SEP_FIRST : SEP).copy(arr.buf, arr.used);
        arr.used += 2 + bytes.length;
      } else {
        arrPut(arr.count === 0 ? SEP_FIRST : SEP);
        arrPut(bytes);
      }
      arr.count++;
    } catch (e) {
      errors.push('json array: ' + e.message);
    }
    t.arrays += now() - t0;
  }

  // the array buffer with room for a separator and up to n bytes after it, or null
  function arrayRoom(n) {
    if (arr === null || n + 2 > ARR_BUF) return null;
    if (arr.used + n + 2 > ARR_BUF) arrFlush();
    return arr.buf;
  }

  function arrayOpen(file) {
    try {
      ensureDir(file);
      arr = { fd: fs.openSync(file, 'w'), count: 0, buf: Buffer.allocUnsafe(ARR_BUF), used: 0 };
    } catch (e) {
      errors.push(file + ': ' + e.message);
      arr = null;
    }
  }

  function arrayClose() {
    if (arr === null) return;
    try {
      arrPut(Buffer.from(arr.count === 0 ? '[]' : '\\n]'));
      arrFlush();
      fs.closeSync(arr.fd);
    } catch (e) {
      errors.push('json array: ' + e.message);
    }
    lastArrayCount = arr.count;
    arr = null;
  }

  // one job; bytes is the record body after the path (a view: use it before returning). \`owned\`: the
  // job may change buf[s, e) (a ring record or a copy), else it is the caller's and stays as it is.
  function run(type, act, file, md5, line, buf, s, e, owned) {
    if (type === ${JOB.PAYLOAD}) {
      let t0 = now();
      const what = act & 15;
      // a chromium item the job cannot strip in place is stripped straight into the array's write buffer
      const room = what === ${ACT.ARRAY_ITEM} && !owned && !(act & ${ACT.STRIPPED}) ? arrayRoom(e - s) : null;
      let bytes = act & ${ACT.STRIPPED} ? buf.subarray(s, e) : owned ? strip(buf, s, e, buf, s) : room !== null ? strip(buf, s, e, room, arr.used + 2) : strip(buf, s, e);
      const inPlace = room !== null && bytes.buffer === room.buffer && bytes.byteOffset === room.byteOffset + arr.used + 2;
      t.strip += now() - t0;
      if (md5 !== '') {
        t0 = now();
        if (md5hex(bytes) !== md5) md5Failures.push(line);
        t.md5 += now() - t0;
      }
      if (what === ${ACT.WRITE}) writeFile(file, bytes);
      else if (what === ${ACT.ARRAY_ITEM}) arrayItem(bytes, inPlace, (act & ${ACT.VALID}) !== 0);
      else if (what === ${ACT.PRETTY_JSON}) {
        t0 = now();
        const text = prettyJsonPayload(bytes.toString('utf8'));
        madeChars += text.length;
        t.json += now() - t0;
        writeFile(file, text);
      }
      return;
    }
    if (type === ${JOB.WRITE}) return writeFile(file, buf.subarray(s, e));
    const t0 = now();
    if (type === ${JOB.COPY}) {
      const from = buf.toString('utf8', s, e);
      try {
        ensureDir(file);
        try { fs.linkSync(from, file); } catch { fs.copyFileSync(from, file); }
      } catch (err) {
        errors.push(file + ': ' + err.message);
      }
    } else if (type === ${JOB.APPEND}) {
      const from = buf.toString('utf8', s, e);
      try {
        appendFile(from, file);
        fs.unlinkSync(from);
      } catch (err) {
        errors.push(file + ': ' + err.message);
      }
    } else if (type === ${JOB.AOPEN}) arrayOpen(file);
    else if (type === ${JOB.ACLOSE}) arrayClose();
    t.other += now() - t0;
  }

  function results() {
    const chars = madeChars;
    madeChars = 0;
    return { errors: errors.splice(0), md5Failures: md5Failures.splice(0), arrayItems: lastArrayCount, madeChars: chars, timings: { ...t } };
  }

  return { run, results };
}
`;
