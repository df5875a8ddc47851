/**
 * Where the report's time goes, for the benchmark and for anyone profiling a slow report:
 * COMPILOG_REPORT_TIMINGS=1 makes `compilog report` print one JSON line to stderr with wall-clock
 * milliseconds per phase on the main thread, the writer thread's per-job times, and each thread's CPU
 * seconds. Off by default: then every probe is one boolean test.
 */
import { readFileSync } from 'node:fs';

export const timingsOn = process.env.COMPILOG_REPORT_TIMINGS === '1';

const acc: Record<string, number> = {};

/** Adds the time since `t0` (a performance.now() value) to phase `name`. */
export function addTime(name: string, t0: number): void {
  acc[name] = (acc[name] ?? 0) + (performance.now() - t0);
}

/** Milliseconds per phase so far (a copy). */
export function phaseTimes(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(acc)) out[k] = Math.round(v);
  return out;
}

/** CPU seconds (user + system) of the calling thread, from /proc; undefined where there is no /proc. */
export function threadCpuSeconds(): number | undefined {
  try {
    const s = readFileSync('/proc/thread-self/stat', 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
}
