/**
 * The report's output directory: each file is handed to the writer as soon as it is produced (so nothing
 * accumulates in memory), folders created once, and paths from trace data kept inside the directory.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FileWriter } from './file-writer.js';
import { ACT } from './write-jobs.js';

/**
 * A relative path built from trace data (artifact names, md5s, dump file names) made safe: no absolute
 * paths, no `..`, no empty or `.` segments, no NUL. For well-formed traces it is the path tlparse uses.
 */
export function safeRelPath(p: string): string {
  const segs = p
    .replace(/\0/g, '')
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .map((s) => (s === '..' ? '%2E%2E' : s));
  return segs.length === 0 ? '_' : segs.join('/');
}

export class OutDir {
  private readonly made = new Set<string>();
  files = 0;
  bytes = 0;
  errors: string[] = [];

  constructor(
    readonly root: string,
    private readonly writer: FileWriter = new FileWriter(false),
  ) {
    mkdirSync(root, { recursive: true });
    this.made.add(root);
  }

  private ensureDir(abs: string): void {
    const d = dirname(abs);
    if (this.made.has(d)) return;
    mkdirSync(d, { recursive: true });
    this.made.add(d);
  }

  /** Queues `rel` (already made safe) for writing; write errors are collected by `drain`, never thrown. */
  write(rel: string, content: string | Uint8Array): void {
    this.writer.write(join(this.root, rel), content);
    this.files++;
    this.bytes += content.length;
  }

  /**
   * A payload handed over as its trace lines (`region`, TABs included): the writer strips the TABs, checks
   * the md5 when `md5` is not '' and writes the payload to `rel` (made safe already). `size` is the
   * payload's own size (PayloadRef.size).
   */
  payloadFile(
    rel: string,
    region: Uint8Array,
    md5: string,
    line: number,
    size: number,
    act: number = ACT.WRITE,
  ): void {
    this.writer.payload(region, md5, line, act, join(this.root, rel));
    this.files++;
    // a pretty-printed payload's size is counted when the writer reports back (drain)
    if (act === ACT.WRITE) this.bytes += size;
  }

  /** Only the md5 check of a payload given as its trace lines (see payloadFile). */
  payloadCheck(region: Uint8Array, md5: string, line: number): void {
    this.writer.payload(region, md5, line, ACT.NONE);
  }

  /** A payload (as its trace lines) appended to the open JSON array, after its md5 check. */
  payloadArrayItem(region: Uint8Array, md5: string, line: number, size: number): void {
    this.writer.payload(region, md5, line, ACT.ARRAY_ITEM);
    this.bytes += size + 2;
  }

  /** chromium_events.json: a JSON array written item by item, invalid items skipped (see FileWriter). */
  openJsonArray(rel: string): void {
    this.writer.openJsonArray(join(this.root, rel));
    this.files++;
  }

  closeJsonArray(): void {
    this.writer.closeJsonArray();
  }

  /** Queues appending the file at `fromAbs` to `rel`, then deleting it. */
  appendAndRemove(fromAbs: string, rel: string): void {
    this.writer.appendAndRemove(fromAbs, join(this.root, rel));
  }

  /** Waits for queued writes; their errors land in `errors`. */
  async drain(): Promise<{ md5Failures: number[]; arrayItems: number }> {
    const r = await this.writer.drain();
    this.errors.push(...r.errors);
    this.bytes += r.madeChars ?? 0;
    return r;
  }

  /** A file written in pieces (raw.jsonl, chromium_events.json), buffered in 1 MB batches. */
  stream(rel: string): StreamFile {
    const abs = join(this.root, rel);
    this.ensureDir(abs);
    this.files++;
    return new StreamFile(abs, (n) => {
      this.bytes += n;
    });
  }
}

export class StreamFile {
  private readonly fd: number;
  private buf = Buffer.allocUnsafe(1 << 20);
  private used = 0;

  constructor(
    readonly path: string,
    private readonly onBytes: (n: number) => void,
  ) {
    this.fd = openSync(path, 'w');
  }

  write(s: string): void {
    if (this.used + s.length * 3 > this.buf.length) this.flush();
    if (s.length * 3 > this.buf.length) {
      this.writeAll(Buffer.from(s));
      return;
    }
    this.used += this.buf.write(s, this.used, 'utf8');
  }

  /** Appends bytes (copied: `b` may be a view of a reused buffer). */
  writeBytes(b: Uint8Array): void {
    if (this.used + b.length > this.buf.length) this.flush();
    if (b.length > this.buf.length) {
      this.writeAll(b);
      return;
    }
    this.buf.set(b, this.used);
    this.used += b.length;
  }

  private writeAll(b: Uint8Array): void {
    let off = 0;
    while (off < b.length) off += writeSync(this.fd, b, off);
    this.onBytes(b.length);
  }

  flush(): void {
    if (this.used === 0) return;
    this.writeAll(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
