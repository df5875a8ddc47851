/**
 * Time for log records, with real microseconds: the monotonic high-resolution clock anchored at process
 * start (performance.timeOrigin). PyTorch on CPython 3.12 prints whole milliseconds (`.736000`); we print the
 * microseconds we have (`.736412`). Both match PyTorch's own test regex.
 */
import { performance } from 'node:perf_hooks';

const origin = performance.timeOrigin;

export function preciseNow(): number {
  return origin + performance.now();
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

let cachedSecond = Number.NaN;
let cachedText = '';

/** glog's `MMDD HH:MM:SS` in local time; the string is cached per second (most lines share it). */
export function glogSecond(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const d = new Date(second * 1000);
    cachedText = `${pad2(d.getMonth() + 1)}${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
    cachedSecond = second;
  }
  return cachedText;
}

/** The 6-digit fraction of the second (microseconds). */
export function micros6(ms: number): string {
  // Round, not floor: 736.412 ms is 736411.99... in binary floating point.
  const us = Math.min(999999, Math.round((ms - Math.floor(ms / 1000) * 1000) * 1000));
  return us >= 100000 ? `${us}` : `${us}`.padStart(6, '0');
}

/** Python logging's default `asctime`: `2026-11-26 13:17:42,123` (local time). */
export function pythonAsctime(ms: number): string {
  const d = new Date(Math.floor(ms));
  const msPart = `${d.getMilliseconds()}`.padStart(3, '0');
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())},${msPart}`;
}
