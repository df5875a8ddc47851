/**
 * The glog-style prefix of a trace line: `V<MMDD HH:MM:SS>.<microseconds> <pid> <path>:<line>]`, in local time, with
 * no rank and no trace id (PyTorch's TorchLogsFormatter with trace=True). The date part is cached per second.
 */

/** Returns epoch milliseconds, possibly fractional (microseconds after the point). */
export type TraceClock = () => number;

/** Wall-clock time with microseconds: the monotonic clock anchored at the process's time origin. */
export const defaultClock: TraceClock = () => performance.timeOrigin + performance.now();

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

export class GlogPrefix {
  private cachedSecond = Number.NaN;
  private cachedDate = '';

  constructor(
    private readonly clock: TraceClock,
    private readonly pid: number,
  ) {}

  /** Now, on this prefix's clock (epoch milliseconds with a fraction). */
  now(): number {
    return this.clock();
  }

  /** `V1126 12:32:00.229000 936 path/to/file.ts:20]` for the current time. */
  format(path: string, line: number): string {
    return this.formatAt(this.clock(), path, line);
  }

  /** The same for a time taken earlier (a record built after the moment it describes). */
  formatAt(ms: number, path: string, line: number): string {
    return this.formatAtTail(ms, this.tail(path, line));
  }

  /** The part after the time, ` <pid> <path>:<line>]`: the same for every record from one place. */
  tail(path: string, line: number): string {
    return ` ${this.pid} ${path}:${line}]`;
  }

  /** The prefix for a time and a `tail()` built earlier. */
  formatAtTail(ms: number, tail: string): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.cachedSecond) {
      const d = new Date(second * 1000);
      this.cachedSecond = second;
      this.cachedDate = `${pad2(d.getMonth() + 1)}${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
    }
    const micros = Math.min(999_999, Math.floor((ms - second * 1000) * 1000));
    return `V${this.cachedDate}.${micros >= 100_000 ? micros : String(micros).padStart(6, '0')}${tail}`;
  }
}
