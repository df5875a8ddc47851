/**
 * The result of parsing a TORCH_LOGS string (or of set_logs): which loggers get an explicit level and which
 * artifacts are explicitly on. Pure data; applying it to loggers is the state's job.
 */
export interface LogSettings {
  /** qualified logger name -> level (Python numbers: 10 DEBUG ... 50 CRITICAL, 0 NOTSET), first-insertion order. */
  qnames: Map<string, number>;
  /** explicitly enabled artifact names. */
  artifacts: Set<string>;
}

export function emptySettings(): LogSettings {
  return { qnames: new Map(), artifacts: new Set() };
}
