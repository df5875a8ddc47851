/**
 * Whether a trace is being written, as two plain booleans that the hot path tests and nothing else.
 * Both start true meaning "not decided yet": the first call decides from TORCH_DTRACE / TORCH_TRACE (read once,
 * as PyTorch does at import), and from then on a disabled trace costs one field test per call.
 */
import { TraceSession, type TraceSessionOptions } from './trace-session.js';

export const traceFlags = {
  /** traceStructured writes (or is undecided). */
  trace: true,
  /** dtraceStructured writes (or is undecided). */
  dtrace: true,
};

let decided = false;
let session: TraceSession | undefined;

/** The session to write to, deciding from the environment on first use; undefined when tracing is off. */
export function activeSession(): TraceSession | undefined {
  if (!decided) decideFromEnv();
  return session;
}

function decideFromEnv(): void {
  decided = true;
  const dtraceDir = process.env.TORCH_DTRACE;
  const traceDir = process.env.TORCH_TRACE;
  if (dtraceDir) start(new TraceSession(dtraceDir, { dtrace: true }));
  else if (traceDir) start(new TraceSession(traceDir));
  else stop();
}

function start(next: TraceSession): void {
  session?.close();
  session = next;
  traceFlags.trace = true;
  traceFlags.dtrace = next.dtrace;
}

function stop(): void {
  session?.close();
  session = undefined;
  traceFlags.trace = false;
  traceFlags.dtrace = false;
}

/**
 * Starts writing a trace into `dir` (a new file, created on the first record), replacing any current trace.
 * The environment is not consulted afterwards.
 */
export function enableTrace(dir: string, options: TraceSessionOptions = {}): void {
  decided = true;
  start(new TraceSession(dir, options));
}

/** Stops tracing: flushes and closes the current file; later records cost one boolean test. */
export function disableTrace(): void {
  decided = true;
  stop();
}

/** Called when the trace cannot be written: off for the rest of the process (until enableTrace). */
export function traceFailed(failed: TraceSession): void {
  if (session === failed) stop();
}

/** True when traceStructured records are written (decides from the environment on first use). */
export function isTraceEnabled(): boolean {
  return activeSession() !== undefined;
}

/** The file the current trace writes to, once its first record created it. */
export function traceFilePath(): string | undefined {
  return session?.path;
}

/** Writes everything batched so far to the trace file now. */
export function flushTrace(): void {
  session?.flush();
}
