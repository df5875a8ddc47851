/**
 * Chrome trace events as `chromium_event` records, with PyTorch's payload shape (ChromiumEventLogger):
 * `{"name", "ts" (epoch microseconds, a float), "args": {..., "compile_id"}, "ph", "cat", "tid": 0, "pid": 0}`,
 * plus `"s": "p"` for instant events and `"dur"` for complete (`X`) events. tlparse copies the payloads into
 * chromium_events.json, which Perfetto and chrome://tracing open.
 */
import { currentTraceId } from '../../logging/index.js';
import { captureFrames, type SourceFrame } from './call-sites.js';
import { defaultClock } from './glog-prefix.js';
import { pyJsonDumps, pyJsonString, pythonFloatRepr, pythonNumber } from './py-json.js';
import { deferTextRecord, type TraceCompileId } from './trace-structured.js';
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

/** A compile's id as event args show it, and the args of an event without others; the same for all its events. */
interface IdTexts {
  readonly frameId: number | undefined;
  readonly frameCompileId: number | undefined;
  readonly compiledAutogradId: number | undefined;
  /** `0/1`. */
  readonly text: string;
  /** `"0/1"` (a JSON string). */
  readonly json: string;
  /** `{\n"compile_id": "0/1"\n}`. */
  readonly onlyId: string;
}

const NO_ID: IdTexts = {
  frameId: undefined,
  frameCompileId: undefined,
  compiledAutogradId: undefined,
  text: 'None',
  json: '"None"',
  onlyId: '{\n"compile_id": "None"\n}',
};
const idTextsByObject = new WeakMap<TraceCompileId, IdTexts>();

/** Built once per compile id object (and rebuilt if its fields changed). */
function idTextsOf(id: TraceCompileId | undefined): IdTexts {
  if (!id) return NO_ID;
  const known = idTextsByObject.get(id);
  if (
    known !== undefined &&
    known.frameId === id.frameId &&
    known.frameCompileId === id.frameCompileId &&
    known.compiledAutogradId === id.compiledAutogradId
  ) {
    return known;
  }
  const text = compileIdText(id);
  const json = pyJsonString(text);
  const texts: IdTexts = {
    frameId: id.frameId,
    frameCompileId: id.frameCompileId,
    compiledAutogradId: id.compiledAutogradId,
    text,
    json,
    onlyId: `{\n"compile_id": ${json}\n}`,
  };
  idTextsByObject.set(id, texts);
  return texts;
}

/** Writes one chromium_event record. */
export function chromiumEvent(event: ChromiumEvent): void {
  if (!traceFlags.trace) return;
  writeEvent(event.name, event.ph, event.ts, event.dur, event.category, event.args, event.compileId);
}

/** One chromium_event record, built with as little work as possible (a compile writes ~30). */
function writeEvent(
  name: string,
  ph: ChromiumPhase,
  ts: number | undefined,
  dur: number | undefined,
  category: string | undefined,
  args: Record<string, unknown> | undefined,
  compileId: TraceCompileId | undefined,
): void {
  // Everything the payload shows is taken now (the args as text); the record is built with the other queued
  // events. No named closure here: under a transpiler that keeps function names each would cost a
  // defineProperty call.
  const traceId = currentTraceId();
  const ids = idTextsOf(compileId ?? traceId?.compileId);
  const argsText = args === undefined ? ids.onlyId : eventArgsText(args, ids);
  const at = ts ?? nowMicros();
  deferTextRecord(
    'chromium_event',
    () => eventText(name, ph, at, dur, category, argsText),
    compileId,
    emitSite(),
    traceId,
  );
}

/**
 * `json.dumps({**args, "compile_id": id}, indent=0)`: written directly when every value is a string, number,
 * boolean, null or undefined (skipped), as events' args are; anything else goes through the general encoder.
 */
function eventArgsText(args: Record<string, unknown>, ids: IdTexts): string {
  if (Object.hasOwn(args, 'compile_id')) return generalArgsText(args, ids);
  let out = '{\n';
  for (const key of Object.keys(args)) {
    const value = args[key];
    let text: string;
    switch (typeof value) {
      case 'string':
        text = pyJsonString(value);
        break;
      case 'number':
        text = pythonNumber(value);
        break;
      case 'boolean':
        text = value ? 'true' : 'false';
        break;
      case 'undefined':
        continue;
      default:
        if (value !== null) return generalArgsText(args, ids);
        text = 'null';
    }
    out += `${pyJsonString(key)}: ${text},\n`;
  }
  return `${out}"compile_id": ${ids.json}\n}`;
}

function generalArgsText(args: Record<string, unknown>, ids: IdTexts): string {
  return pyJsonDumps({ ...args, compile_id: ids.text }, INDENT0);
}

/**
 * Where chromium_event lines say they come from: this module's emit line, whoever timed the work, as every
 * chromium_event line of a PyTorch trace names its event logger (`torch/_dynamo/utils.py:2126`). Captured once,
 * so events cost no stack capture.
 */
let chromiumSite: SourceFrame | undefined;
const UNKNOWN_SITE: SourceFrame = { filename: '<unknown>', line: 0, name: '<unknown>' };

function emitSite(): SourceFrame {
  chromiumSite ??= captureFrames(emitSite, 1)[0] ?? UNKNOWN_SITE;
  return chromiumSite;
}

/**
 * The payload `json.dumps(event, indent=0)` writes for a chromium event (the same text pyJsonDumps gives for the
 * dict), built directly: the general encoder costs several times more.
 */
export function chromiumPayloadText(event: ChromiumEvent, args: Record<string, unknown>, ts: number): string {
  return eventText(event.name, event.ph, ts, event.dur, event.category, pyJsonDumps(args, INDENT0));
}

function eventText(
  name: string,
  ph: ChromiumPhase,
  ts: number,
  dur: number | undefined,
  category: string | undefined,
  argsText: string,
): string {
  const head = `{\n"name": ${pyJsonString(name)},\n"ts": ${pythonFloatRepr(ts)},\n"args": ${argsText},\n"ph": "${ph}",\n"cat": ${category === undefined ? '"dynamo_timed"' : pyJsonString(category)},\n"tid": 0,\n"pid": 0`;
  if (ph === 'i') return `${head},\n"s": "p"\n}`;
  if (ph === 'X') return `${head},\n"dur": ${pythonFloatRepr(dur ?? 0)}\n}`;
  return `${head}\n}`;
}

const INDENT0 = { indent: 0 } as const;

/**
 * Runs `fn` between a `B` and an `E` event named `name` (PyTorch's dynamo_timed). The `E` event is written when
 * `fn` returns, throws, or (for a promise) settles. With tracing off it is just `fn()`.
 */
export function timed<T>(name: string, fn: () => T, options: ChromiumEventOptions = {}): T {
  if (!traceFlags.trace) return fn();
  const compileId = options.compileId ?? currentTraceId()?.compileId;
  const { category, args } = options;
  writeEvent(name, 'B', undefined, undefined, category, args, compileId);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    writeEvent(name, 'E', undefined, undefined, category, args, compileId);
    throw err;
  }
  if (result instanceof Promise) {
    return result.finally(() => writeEvent(name, 'E', undefined, undefined, category, args, compileId)) as T;
  }
  writeEvent(name, 'E', undefined, undefined, category, args, compileId);
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
  writeEvent(name, 'X', startMicros, durationMicros, options.category, options.args, options.compileId);
}
