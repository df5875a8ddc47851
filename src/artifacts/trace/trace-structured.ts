/**
 * traceStructured: one structured trace record, in PyTorch's exact format (torch._logging.trace_structured).
 * Envelope keys in PyTorch's order: `<name>`, `rank`, `stack`, `compiled_autograd_id`, `frame_id`,
 * `frame_compile_id`, `attempt`, `has_payload`. Metadata and payload may be thunks; they are only called when the
 * record is written. With tracing off a call costs one boolean test.
 */
import { CompilogError, currentRank, currentTraceId, type TraceId } from '../../logging/index.js';
import { captureFrames, captureStack, displayPath, type SourceFrame } from './call-sites.js';
import { addStructuredLoggingOverhead, addStructuredLoggingOverheadFor } from './overhead.js';
import { encodePayload, type PayloadEncoding } from './payload.js';
import { pyJsonDumps, pyJsonString } from './py-json.js';
import { activeSession, traceFailed, traceFlags } from './trace-switch.js';
import { traceWarning, warnOnce } from './warn.js';

/** A value or a function that computes it only when the record is written. */
export type Lazy<T> = T | (() => T);

/** An explicit compile id for a record; each part is written only when present. */
export interface TraceCompileId {
  frameId?: number;
  frameCompileId?: number;
  compiledAutogradId?: number;
}

export interface TraceStructuredOptions {
  /** Write neither rank, nor stack, nor compile ids (what `str` records use). */
  suppressContext?: boolean;
  /** Outside a compile (and without `compileId`), record the caller's stack. Default true. */
  expectTraceId?: boolean;
  /** The compile this record belongs to, when it is written outside that compile's context. */
  compileId?: TraceCompileId;
  /** Count the time spent toward the current compile's structured_logging_overhead_s. Default true. */
  recordLoggingOverhead?: boolean;
  /** How a non-string payload is written (default `auto`: PyTorch's rule by type); see PayloadEncoding. */
  payloadEncoding?: PayloadEncoding;
}

/** Event names PyTorch reserves (tlparse's raw.jsonl adds these keys), rejected as PyTorch does. */
export const RESERVED_TRACE_NAMES: ReadonlySet<string> = new Set([
  'rank',
  'compiled_autograd_id',
  'frame_id',
  'frame_compile_id',
  'attempt',
  'severity',
  'timestamp',
  'pathname',
  'thread',
]);

/**
 * A switch rather than RESERVED_TRACE_NAMES.has: when the call is inlined with a constant name, V8 folds the
 * comparison away, which keeps a disabled traceStructured as cheap as an empty call.
 */
function isReservedName(name: string): boolean {
  switch (name) {
    case 'rank':
    case 'compiled_autograd_id':
    case 'frame_id':
    case 'frame_compile_id':
    case 'attempt':
    case 'severity':
    case 'timestamp':
    case 'pathname':
    case 'thread':
      return true;
    default:
      return false;
  }
}

type Boundary = (...args: never[]) => unknown;
/** Where a record comes from: the public function the user called (its caller is found), or a known frame. */
export type CallSite = Boundary | SourceFrame;

function reservedName(name: string): CompilogError {
  return new CompilogError(
    'E_TRACE_RESERVED_NAME',
    `name '${name}' is reserved and cannot be used`,
    `choose another event name; reserved: ${[...RESERVED_TRACE_NAMES].join(', ')}`,
  );
}

/**
 * Writes one record to the structured trace (TORCH_TRACE / TORCH_DTRACE / enableTrace), or does nothing when no
 * trace is being written. `metadata` (default `{}`) becomes the envelope's first key; `payload` (string, list or
 * object; null/undefined for none) follows on TAB-prefixed lines. Throws only for a reserved `name`.
 */
export function traceStructured(
  name: string,
  metadata?: Lazy<unknown>,
  payload?: Lazy<unknown>,
  options?: TraceStructuredOptions,
): void {
  if (isReservedName(name)) throw reservedName(name);
  if (!traceFlags.trace) return;
  emitRecord(name, metadata, payload, options, traceStructured);
}

/** Like traceStructured, but written only under TORCH_DTRACE, and without a stack by default (expectTraceId false). */
export function dtraceStructured(
  name: string,
  metadata?: Lazy<unknown>,
  payload?: Lazy<unknown>,
  options?: TraceStructuredOptions,
): void {
  if (isReservedName(name)) throw reservedName(name);
  if (!traceFlags.dtrace) return;
  const session = activeSession();
  if (!session?.dtrace) return;
  emitRecord(name, metadata, payload, { expectTraceId: false, ...options }, dtraceStructured);
}

const force = <T>(value: Lazy<T>): T => (typeof value === 'function' ? (value as () => T)() : value);

/** `{}` (most records' metadata): written without the general encoder. */
function isEmptyPlainObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype)
    return false;
  for (const _ in value) return false;
  return true;
}

/**
 * A record with `{}` metadata and a payload text built later (TraceSession.defer): the same bytes as
 * `emitRecord(name, {}, text(), { expectTraceId: false, compileId }, site)` written at this moment. The compile
 * id, rank and line-prefix time are taken now; `text` must capture its own values. Chromium events use it
 * (passing the current trace id they already looked up).
 */
export function deferTextRecord(
  name: string,
  text: () => string,
  compileId: TraceCompileId | undefined,
  site: SourceFrame,
  traceId: TraceId | undefined = currentTraceId(),
): void {
  const session = activeSession();
  if (!session) return;
  const rank = currentRank();
  const at = session.prefix.now();
  session.defer(() => {
    const started = performance.now();
    const payload = text();
    const head = session.prefix.formatAtTail(at, session.siteTail(site));
    const envelope = deferredEnvelope(name, rank, traceId, compileId);
    const record = { head: `${head} ${envelope}`, payload };
    if (traceId) addStructuredLoggingOverheadFor(traceId.compileId, (performance.now() - started) / 1000);
    return record;
  }, rank);
}

/**
 * Builds the records queued by `deferTextRecord` now. A compiled run calls it when it ends, so that the
 * chromium events of its kernel launches are built as part of that run: otherwise the next record written
 * builds them, which in a synchronous loop is the next compile's first record.
 */
export function settleQueuedRecords(): void {
  activeSession()?.buildQueued();
}

/** The envelope of a deferred record up to `has_payload`; the same for every record of one compile attempt. */
interface CachedEnvelope {
  readonly name: string;
  readonly rank: number | undefined;
  readonly attempt: number;
  readonly compileId: TraceCompileId;
  readonly frameId: number | undefined;
  readonly frameCompileId: number | undefined;
  readonly compiledAutogradId: number | undefined;
  readonly text: string;
}
const envelopeByTraceId = new WeakMap<object, CachedEnvelope>();

function deferredEnvelope(
  name: string,
  rank: number | undefined,
  traceId: TraceId | undefined,
  compileId: TraceCompileId | undefined,
): string {
  if (!traceId) return envelopeText(name, rank, compileId, undefined);
  const cid: TraceCompileId = traceId.compileId;
  const known = envelopeByTraceId.get(traceId);
  if (
    known !== undefined &&
    known.name === name &&
    known.rank === rank &&
    known.attempt === traceId.attempt &&
    known.compileId === cid &&
    known.frameId === cid.frameId &&
    known.frameCompileId === cid.frameCompileId &&
    known.compiledAutogradId === cid.compiledAutogradId
  ) {
    return known.text;
  }
  const text = envelopeText(name, rank, cid, traceId.attempt);
  envelopeByTraceId.set(traceId, {
    name,
    rank,
    attempt: traceId.attempt,
    compileId: cid,
    frameId: cid.frameId,
    frameCompileId: cid.frameCompileId,
    compiledAutogradId: cid.compiledAutogradId,
    text,
  });
  return text;
}

function envelopeText(
  name: string,
  rank: number | undefined,
  cid: TraceCompileId | undefined,
  attempt: number | undefined,
): string {
  let envelope = `{${pyJsonString(name)}: {}`;
  if (rank !== undefined) envelope += `, "rank": ${rank}`;
  if (cid) {
    if (cid.compiledAutogradId !== undefined)
      envelope += `, "compiled_autograd_id": ${cid.compiledAutogradId}`;
    if (cid.frameId !== undefined) envelope += `, "frame_id": ${cid.frameId}`;
    if (cid.frameCompileId !== undefined) envelope += `, "frame_compile_id": ${cid.frameCompileId}`;
  }
  if (attempt !== undefined) envelope += `, "attempt": ${attempt}`;
  return envelope;
}

/**
 * The slow path, for helpers in this folder too: `site` is the public function the user called, so the line
 * prefix and the stack start at the user's code (or a frame captured earlier, for records written later).
 */
export function emitRecord(
  name: string,
  metadata: Lazy<unknown>,
  payload: Lazy<unknown>,
  options: TraceStructuredOptions | undefined,
  site: CallSite,
): void {
  const session = activeSession();
  if (!session) return;
  const started = performance.now();
  const traceId = currentTraceId();
  const rank = currentRank();
  // `str` records for this record's stack; written even if the record itself fails, as the ids are now taken.
  const pending: string[] = [];
  try {
    const suppress = options?.suppressContext === true;
    const explicitId = options?.compileId;
    const wantStack = !suppress && options?.expectTraceId !== false && !traceId && !explicitId;
    const boundary = typeof site === 'function' ? site : undefined;
    const stack = wantStack && boundary ? captureStack(boundary) : undefined;
    const caller: SourceFrame | undefined = boundary
      ? stack
        ? stack[stack.length - 1]
        : captureFrames(boundary, 1)[0]
      : (site as SourceFrame);
    const linePrefix = session.prefix.formatAtTail(
      session.prefix.now(),
      caller ? session.siteTail(caller) : session.prefix.tail('<unknown>', 0),
    );

    const meta = metadata === undefined ? undefined : force(metadata);
    let envelope = `{${pyJsonString(name)}: ${meta === undefined || isEmptyPlainObject(meta) ? '{}' : pyJsonDumps(meta)}`;
    if (!suppress) {
      if (rank !== undefined) envelope += `, "rank": ${rank}`;
      if (stack) {
        const frames = stack.map((f) => ({
          line: f.line,
          name: f.name,
          filename: session.intern(f.filename, linePrefix, pending),
          loc: f.loc,
        }));
        envelope += `, "stack": ${pyJsonDumps(frames)}`;
      } else {
        const cid = traceId ? traceId.compileId : explicitId;
        if (cid) {
          if (cid.compiledAutogradId !== undefined)
            envelope += `, "compiled_autograd_id": ${cid.compiledAutogradId}`;
          if (cid.frameId !== undefined) envelope += `, "frame_id": ${cid.frameId}`;
          if (cid.frameCompileId !== undefined) envelope += `, "frame_compile_id": ${cid.frameCompileId}`;
        }
        if (traceId) envelope += `, "attempt": ${traceId.attempt}`;
      }
    }
    const text = encodePayload(payload === undefined ? undefined : force(payload), options?.payloadEncoding);
    if (text === undefined) {
      pending.push(`${linePrefix} ${envelope}}\n`);
      if (!session.write(pending.length === 1 ? pending[0] : pending.join(''), rank)) traceFailed(session);
    } else {
      // The writer adds `has_payload` (the md5) and the payload's tab-prefixed lines, on its write thread.
      const written = session.writeRecord(pending.join(''), `${linePrefix} ${envelope}`, text, rank);
      pending.length = 0;
      if (!written) traceFailed(session);
    }
  } catch (err) {
    if (pending.length > 0 && !session.write(pending.join(''), rank)) traceFailed(session);
    warnOnce(
      `record:${name}`,
      traceWarning(
        'E_TRACE_RECORD',
        `the trace record '${name}' was dropped: building its metadata or payload failed (${(err as Error)?.message ?? String(err)})`,
        'make the metadata and payload plain JSON-like values (no cycles), and their thunks not throw',
      ),
    );
  } finally {
    if (options?.recordLoggingOverhead !== false && traceId) {
      addStructuredLoggingOverhead((performance.now() - started) / 1000);
    }
  }
}

/**
 * The `str` table id of `name` in the current trace, writing its `{"str": [name, id]}` record the first time
 * (PyTorch's intern_string). Use it for `filename` in stacks you build yourself (e.g. `dynamo_start`). Returns -1
 * when no trace is being written (ids belong to one trace file).
 */
export function internString(name: string): number {
  if (!traceFlags.trace) return -1;
  const session = activeSession();
  if (!session) return -1;
  // Only a new name writes a record (whose line prefix needs the caller).
  const known = session.internedId(name);
  if (known !== undefined) return known;
  const caller = captureFrames(internString, 1)[0];
  const linePrefix = session.prefix.format(
    caller ? displayPath(caller.filename, session.cwd) : '<unknown>',
    caller?.line ?? 0,
  );
  const pending: string[] = [];
  const id = session.intern(name, linePrefix, pending);
  if (pending.length > 0 && !session.write(pending.join(''), currentRank())) traceFailed(session);
  return id;
}

/** A stack frame for a `stack` you build yourself (user code being compiled, not the caller's JS stack). */
export interface UserFrame {
  filename: string;
  line: number;
  name: string;
  /** The source line; omitted from the frame when undefined (as PyTorch's dynamo_start does). */
  loc?: string | null;
}

/** Frames with interned file names, in PyTorch's key order (`line`, `name`, `filename`, `loc`). */
export function internStack(
  frames: readonly UserFrame[],
): Array<{ line: number; name: string; filename: number; loc?: string | null }> {
  return frames.map((f) => {
    const frame: { line: number; name: string; filename: number; loc?: string | null } = {
      line: f.line,
      name: f.name,
      filename: internString(f.filename),
    };
    if (f.loc !== undefined) frame.loc = f.loc;
    return frame;
  });
}
