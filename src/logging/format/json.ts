/**
 * Our addition to TORCH_LOGS_FORMAT: `json`, one pino NDJSON object per record, written by pino itself.
 * Each compilog logger gets a pino child once (its bindings, `name` and `artifact`, serialised once, as pino
 * does); per record we add only what varies: the compile id, the OpenTelemetry trace and span ids when a
 * provider is set, the caller, and the user's fields. pino's own level filtering is off (level `trace`):
 * compilog's settings already decided.
 */
import { hostname } from 'node:os';
import type { Logger as PinoLogger } from 'pino';
import { pino } from '../lazy-deps.js';
import { CRITICAL, DEBUG, ERROR, INFO, WARNING } from '../levels.js';
import type { LoggerCore } from '../logger.js';
import type { LogRecord } from '../record.js';

export interface SpanContext {
  traceId: string;
  spanId: string;
}
export type SpanContextProvider = () => SpanContext | undefined;

export interface JsonFormatOptions {
  /** Where pino writes each line (the fan-out to stderr and TORCH_LOGS_OUT). */
  stream: { write(line: string): void };
  pid: number;
  hostname?: string;
  spanContext: () => SpanContextProvider | undefined;
  /** Include `caller` ("file:line"); costs a stack capture per record. */
  caller: boolean;
}

interface ChildCache {
  owner: JsonFormat;
  child: PinoLogger;
}

export class JsonFormat {
  private readonly root: PinoLogger;
  private time = 0;
  readonly needsCaller: boolean;

  constructor(private readonly options: JsonFormatOptions) {
    this.needsCaller = options.caller;
    this.root = pino().pino(
      {
        level: 'trace',
        base: { pid: options.pid, hostname: options.hostname ?? hostname() },
        // The record's own time, so json and glog lines of one record agree (and tests can fix the clock).
        timestamp: () => `,"time":${Math.floor(this.time)}`,
      },
      options.stream,
    );
  }

  write(logger: LoggerCore, r: LogRecord): void {
    this.time = r.time;
    const child = this.childOf(logger);
    // Only what varies per record; nothing is allocated for a plain message outside a compile.
    let obj: Record<string, unknown> | undefined;
    const span = this.options.spanContext()?.();
    if (r.traceId !== undefined || span !== undefined || r.rank !== undefined || r.caller !== undefined) {
      obj = {};
      if (r.traceId !== undefined) obj.compile_id = r.traceId;
      if (span !== undefined) {
        obj.trace_id = span.traceId;
        obj.span_id = span.spanId;
      }
      if (r.rank !== undefined) obj.rank = r.rank;
      if (r.caller !== undefined) obj.caller = `${r.caller.display}:${r.caller.line}`;
    }
    if (r.fields !== undefined) obj = obj === undefined ? r.fields : Object.assign(obj, r.fields);
    if (r.error !== undefined && obj?.err !== r.error) obj = { ...obj, err: r.error };
    const method = pinoMethod(r.level);
    if (obj === undefined) child[method](r.message);
    else child[method](obj, r.message);
  }

  private childOf(logger: LoggerCore): PinoLogger {
    const cache = logger.formatterCache as ChildCache | undefined;
    if (cache !== undefined && cache.owner === this) return cache.child;
    const bindings: Record<string, unknown> = { name: logger.name };
    if (logger.artifact !== undefined) bindings.artifact = logger.artifact;
    const child = this.root.child(bindings);
    logger.formatterCache = { owner: this, child } satisfies ChildCache;
    return child;
  }
}

function pinoMethod(level: number): 'debug' | 'info' | 'warn' | 'error' | 'fatal' {
  if (level <= DEBUG) return 'debug';
  if (level <= INFO) return 'info';
  if (level <= WARNING) return 'warn';
  if (level < CRITICAL && level <= ERROR) return 'error';
  return 'fatal';
}
