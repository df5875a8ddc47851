/**
 * One emitted log record, built only after the level check passed. Formatters read it; nothing keeps it.
 */
import type { CallerInfo } from './caller.js';
import type { LogFields } from './logger.js';

export interface LogRecord {
  /** Logger qname (artifact loggers: `<module>.__<artifact>`). */
  name: string;
  /** Python level number (10 DEBUG ... 50 CRITICAL). */
  level: number;
  /** The message text (thunk already called); an attached error's stack is NOT included. */
  message: string;
  /** Wall-clock time in epoch milliseconds, with a fractional part down to microseconds. */
  time: number;
  artifact: string | undefined;
  /** PyTorch's trace id string (`0/1`, `0/0_1`) when inside a compile. */
  traceId: string | undefined;
  /** The calling frame; undefined when the active format does not need it. */
  caller: CallerInfo | undefined;
  /** An Error passed as message, second argument or `fields.err`: its stack is appended in text formats. */
  error: Error | undefined;
  fields: LogFields | undefined;
  /** Process id (injectable for golden tests). */
  pid: number;
  /** Distributed rank when known (env RANK or setRank). */
  rank: number | undefined;
}
