/**
 * Chrome trace events as `chromium_event` records, with PyTorch's payload shape (ChromiumEventLogger):
 * `{"name", "ts" (epoch microseconds, a float), "args": {..., "compile_id"}, "ph", "cat", "tid": 0, "pid": 0}`,
 * plus `"s": "p"` for instant events and `"dur"` for complete (`X`) events. tlparse copies the payloads into
 * chromium_events.json, which Perfetto and chrome://tracing open.
 */
import { currentTraceId } from '../../logging/index.js';
import { captureFrames, type SourceFrame } from './call-sites.js';
import { defaultClock } from './glog-prefix.js';
import { pyJsonDumps, pyJsonString, pythonFloatRepr } from './py-json.js';
import { type CallSite, emitRecord, type TraceCompileId } from './trace-structured.js';
import { traceFlags } from './trace-switch.js';

export type ChromiumPhase = 'B' | 'E' | 'X' | 'i';

export interface ChromiumEventOptions {
  /** The event category (`cat`). Default `dynamo_timed`, as PyTorch. */
  category?: string;
  /** Extra args; `compile_id` is added last (the current compile, or `None` outside one, as PyTorch writes it). */
  args?: Record<string, unknown>;
  /** The compile to attribute the event to, instead of the current one. */
  compileId?: TraceCompileId;
}

export interface ChromiumEvent extends ChromiumEventOptions {
  name: string;
  ph: ChromiumPhase;
  /** Epoch microseconds; default now. */
  ts?: number;
  /** Duration in microseconds, for `X` events. */
  dur?: number;
}

/** Now, in epoch microseconds with a fraction. */
export const nowMicros = (): number => defaultClock() * 1000;

function compileIdText(id: TraceCompileId | undefined): string {
  if (!id) return 'None';
  const ca = id.compiledAutogradId === undefined ? '' : `!${id.compiledAutogradId}`;
  if (id.frameId === undefined && id.frameCompileId === undefined) return ca || 'None';
  const base = `${id.frameId ?? 'None'}/${id.frameCompileId ?? 'None'}`;
  return ca ? `${ca}/${base}` : base;
}

/** Writes one chromium_event record. */
export function chromiumEvent(event: ChromiumEvent): void {
  if (!traceFlags.trace) return;
  emitChromium(event);
}

function emitChromium(event: ChromiumEvent): void {
  const build = (): string => {
    const args: Record<string, unknown> = { ...event.args };
    args.compile_id = compileIdText(event.compileId ?? currentTraceId()?.compileId);
    return chromiumPayloadText(event, args, event.ts ?? nowMicros());
  };
  emitRecord('chromium_event', {}, build, { expectTraceId: false, compileId: event.compileId }, emitSite());
}

/**
 * Where chromium_event lines say they come from: this module's emit line, whoever timed the work, as every
 * chromium_event line of a PyTorch trace names its event logger (`torch/_dynamo/utils.py:2126`). Captured once,
 * so events cost no stack capture (a compile writes ~20).
 */
let chromiumSite: SourceFrame | undefined;

function emitSite(): CallSite {
  chromiumSite ??= captureFrames(emitSite, 1)[0];
  return chromiumSite ?? chromiumEvent;
}

/**
 * The payload `json.dumps(event, indent=0)` writes for a chromium event (the same text pyJsonDumps gives for the
 * dict), built directly: a compile writes ~20 of these, and the general encoder costs several times more.
 */
export function chromiumPayloadText(event: ChromiumEvent, args: Record<string, unknown>, ts: number): string {
  let text = `{\n"name": ${pyJsonString(event.name)},\n"ts": ${pythonFloatRepr(ts)},\n"args": ${pyJsonDumps(args, INDENT0)},\n"ph": ${pyJsonString(event.ph)},\n"cat": ${pyJsonString(event.category ?? 'dynamo_timed')},\n"tid": 0,\n"pid": 0`;
  if (event.ph === 'i') text += ',\n"s": "p"';
  if (event.ph === 'X') text += `,\n"dur": ${pythonFloatRepr(event.dur ?? 0)}`;
  return `${text}\n}`;
}

const INDENT0 = { indent: 0 } as const;

/**
 * Runs `fn` between a `B` and an `E` event named `name` (PyTorch's dynamo_timed). The `E` event is written when
 * `fn` returns, throws, or (for a promise) settles. With tracing off it is just `fn()`.
 */
export function timed<T>(name: string, fn: () => T, options: ChromiumEventOptions = {}): T {
  if (!traceFlags.trace) return fn();
  const compileId = options.compileId ?? currentTraceId()?.compileId;
  const base = { ...options, name, compileId };
  emitChromium({ ...base, ph: 'B' });
  const end = (): void => emitChromium({ ...base, ph: 'E' });
  let result: T;
  try {
    result = fn();
  } catch (err) {
    end();
    throw err;
  }
  if (result instanceof Promise) {
    return result.finally(end) as T;
  }
  end();
  return result;
}

/** Writes a complete (`X`) event for work that started at `startMicros` and lasted `durationMicros`. */
export function completeEvent(
  name: string,
  startMicros: number,
  durationMicros: number,
  options: ChromiumEventOptions = {},
): void {
  if (!traceFlags.trace) return;
  emitChromium({ ...options, name, ph: 'X', ts: startMicros, dur: durationMicros });
}
