/**
 * The streaming core: bytes in, envelopes out. It scans for '\n' with Buffer.indexOf, parses only envelope
 * lines (glog prefix + JSON.parse), steps over payload lines by looking at their first byte, and checks
 * each payload's md5 on bytes. The caller owns the read buffer (see drive.ts); a record is handed out only
 * once its payload is complete, so the window always holds the whole current record.
 */

import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readCompileId } from './compile-id.js';
import {
  type BadLineCounts,
  COMMON_KEYS,
  type EnvelopeJson,
  emptyStats,
  KNOWN_KINDS,
  type KnownKind,
  type PayloadRef,
  type TraceEnvelope,
  type TraceProblem,
  type TraceStats,
} from './envelope.js';
import { matchGlogBytes, matchGlogText } from './glog.js';
import { payloadBytes } from './payload-bytes.js';
import { schemaError } from './schema.js';
import { resolveStack, type StringTable } from './stacks.js';

/** The payload of the envelope being handed out; only valid during the callback. */
export interface PayloadView {
  /** payload bytes (tabs removed); a view into a shared buffer */
  bytes(): Buffer;
  text(): string;
  /** the payload lines as they are in the trace (each starting with a TAB); a view into the read buffer */
  region(): Buffer;
}

export interface ParseCallbacks {
  onEnvelope(env: TraceEnvelope, payload: PayloadView | null): void;
  onProblem?(p: TraceProblem): void;
  onString?(index: number, value: string): void;
}

export interface LineParserOptions {
  /** check payload md5s (default true) */
  verifyMd5?: boolean;
}

const KNOWN_INDEX = new Map<string, number>(KNOWN_KINDS.map((k, i) => [k, i]));
const COMMON = new Set<string>(COMMON_KEYS);

interface Pending {
  env: TraceEnvelope;
  payStart: number;
  payEnd: number;
  lines: number;
  /** payload bytes so far (line contents after the TAB, plus the joining newlines) */
  size: number;
}

export class TraceLineParser {
  readonly stats: TraceStats = emptyStats();
  readonly strings: StringTable = new Map();
  /** stream offset of buf[0] */
  private base = 0;
  private pos = 0;
  private lineno = 0;
  private pending: Pending | null = null;
  private expectedRank: number | null | undefined = undefined;
  private readonly verify: boolean;
  private viewBuf: Buffer = Buffer.alloc(0);
  private viewStart = 0;
  private viewEnd = 0;
  private viewBytes: Buffer | null = null;
  private viewText: string | null = null;
  private readonly view: PayloadView = {
    bytes: () => {
      if (this.viewBytes === null) this.viewBytes = payloadBytes(this.viewBuf, this.viewStart, this.viewEnd);
      return this.viewBytes;
    },
    text: () => {
      if (this.viewText === null) this.viewText = this.view.bytes().toString('utf8');
      return this.viewText;
    },
    region: () => this.viewBuf.subarray(this.viewStart, this.viewEnd),
  };

  constructor(
    private readonly file: string,
    private readonly fileRank: number | null,
    readonly cb: ParseCallbacks,
    opts: LineParserOptions = {},
  ) {
    this.verify = opts.verifyMd5 !== false;
    this.stats.files = 1;
  }

  /** Offset in the current buffer before which everything has been handed out (the caller may drop it). */
  keepFrom(): number {
    return this.pending === null ? this.pos : this.pending.env.offset - this.base;
  }

  /** The caller moved the buffer's content `n` bytes down (dropping the first n bytes). */
  shift(n: number): void {
    this.base += n;
    this.pos -= n;
    if (this.pending !== null) {
      this.pending.payStart -= n;
      this.pending.payEnd -= n;
    }
  }

  /** Processes complete lines of buf[0, len); at eof, also the last unterminated line and the pending record. */
  process(buf: Buffer, len: number, eof: boolean): void {
    const view = buf.length === len ? buf : buf.subarray(0, len);
    let pos = this.pos;
    while (pos < len) {
      let nl = view.indexOf(10, pos);
      let next: number;
      if (nl === -1) {
        if (!eof) break;
        nl = len;
        next = len;
        this.bad('truncated', this.lineno + 1, this.base + pos, 'the trace ends in the middle of a line');
      } else {
        next = nl + 1;
      }
      this.lineno++;
      this.stats.lines++;
      let ce = nl;
      if (ce > pos && view[ce - 1] === 13) ce--;
      if (ce === pos) {
        this.stats.blankLines++;
        pos = next;
        continue;
      }
      const p = this.pending;
      if (p !== null) {
        if (view[pos] === 9) {
          this.stats.payloadLines++;
          p.payEnd = next;
          p.size += ce - pos - 1 + (p.lines > 0 ? 1 : 0);
          p.lines++;
          pos = next;
          continue;
        }
        this.finish(view, p);
      }
      this.envelopeLine(view, pos, ce, next);
      pos = next;
    }
    this.pos = pos;
    this.stats.bytes = this.base + pos;
    if (eof && this.pending !== null) this.finish(view, this.pending);
  }

  private bad(kind: keyof BadLineCounts, lineno: number, offset: number, message: string): void {
    this.stats.badLines[kind]++;
    this.cb.onProblem?.({ kind, file: this.file, lineno, offset, message });
  }

  private envelopeLine(buf: Buffer, start: number, end: number, next: number): void {
    const lineno = this.lineno;
    const offset = this.base + start;
    if (!isUtf8(buf.subarray(start, end))) {
      this.bad('invalidUtf8', lineno, offset, 'line is not valid UTF-8');
      return;
    }
    let body: string;
    let glog = matchGlogBytes(buf, start, end);
    if (glog !== null) {
      body = buf.toString('utf8', glog.bodyStart, end);
    } else {
      const text = buf.toString('utf8', start, end);
      glog = matchGlogText(text);
      if (glog === null) {
        this.bad('glog', lineno, offset, 'no glog prefix');
        return;
      }
      body = text.slice(glog.bodyStart);
    }
    let data: EnvelopeJson;
    try {
      data = JSON.parse(body);
    } catch (e) {
      this.bad('json', lineno, offset, `invalid JSON: ${(e as Error).message}`);
      return;
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      this.bad('json', lineno, offset, 'the envelope is not a JSON object');
      return;
    }
    let kinds: KnownKind[] = [];
    let unknownKeys: string[] | null = null;
    for (const key in data) {
      if (KNOWN_INDEX.has(key)) {
        if (data[key] !== null) kinds.push(key as KnownKind);
      } else if (!COMMON.has(key)) {
        if (unknownKeys === null) unknownKeys = [];
        unknownKeys.push(key);
      }
    }
    if (kinds.length > 1) kinds = kinds.sort((a, b) => KNOWN_INDEX.get(a)! - KNOWN_INDEX.get(b)!);
    const err = schemaError(data, kinds);
    if (err !== null) {
      this.bad('json', lineno, offset, err);
      return;
    }
    const stats = this.stats;
    if (unknownKeys !== null) {
      stats.unknown += unknownKeys.length;
      for (const k of unknownKeys) stats.unknownKeys[k] = (stats.unknownKeys[k] ?? 0) + 1;
    }
    if (data.str !== undefined && data.str !== null) {
      const [s, i] = data.str;
      this.strings.set(i, s);
      stats.strings++;
      this.cb.onString?.(i, s);
      return;
    }
    const rank = typeof data.rank === 'number' ? data.rank : null;
    let otherRank = false;
    if (this.expectedRank !== undefined) otherRank = rank !== this.expectedRank;
    else if (rank !== null) this.expectedRank = rank;
    if (rank !== null && !stats.ranks.includes(rank)) stats.ranks.push(rank);
    stats.envelopes++;
    if (otherRank) stats.otherRank++;
    else stats.ok++;
    const env: TraceEnvelope = {
      file: this.file,
      fileRank: this.fileRank,
      lineno,
      offset,
      glog: glog.prefix,
      data,
      kinds,
      unknownKeys: unknownKeys ?? [],
      kind: kinds[0] ?? unknownKeys?.[0] ?? null,
      compileId: readCompileId(data),
      rank,
      otherRank,
      payload: null,
      stack: data.stack ? resolveStack(data.stack, this.strings) : null,
    };
    if (typeof data.has_payload === 'string') {
      this.pending = { env, payStart: next, payEnd: next, lines: 0, size: 0 };
    } else {
      this.cb.onEnvelope(env, null);
    }
  }

  private finish(buf: Buffer, p: Pending): void {
    this.pending = null;
    const env = p.env;
    this.viewBuf = buf;
    this.viewStart = p.payStart;
    this.viewEnd = p.payEnd;
    this.viewBytes = null;
    this.viewText = null;
    const declared = env.data.has_payload as string;
    let md5Ok = true;
    if (this.verify) {
      const bytes = this.view.bytes();
      md5Ok = createHash('md5').update(bytes).digest('hex') === declared;
      if (!md5Ok) this.bad('md5', env.lineno, env.offset, `payload md5 differs from has_payload ${declared}`);
    }
    const ref: PayloadRef = {
      offset: this.base + p.payStart,
      length: p.payEnd - p.payStart,
      lines: p.lines,
      size: p.size,
      declaredMd5: declared,
      md5Ok,
    };
    env.payload = ref;
    this.cb.onEnvelope(env, this.view);
  }
}
