/**
 * The trace writer's costs.
 * 1. Tracing off: traceStructured with thunk metadata and payload vs an empty function taking the same
 *    arguments, in the same run (target: within 1.5x; the payload thunk must never run).
 * 2. Tracing on: records/s and MB/s to a file with a 1 KB payload, inside a compile (no stack capture) and outside
 *    (stack capture and str interning), vs a JSON.stringify + writeSync-per-record baseline.
 * Prints a table, then one JSON line with the figures.
 */
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  disableTrace,
  enableTrace,
  flushTrace,
  traceFilePath,
  traceStructured,
  withCompileId,
} from '../src/artifacts/index.js';

let payloadBuilds = 0;
let sink = 0;

// Not inlined into the loop's caller differently from traceStructured: both are module-level functions called
// with freshly created thunks, as real call sites do.
function emptyCall(_name: string, _metadata?: unknown, _payload?: unknown): void {}

function timeLoop(iterations: number, body: (i: number) => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) body(i);
  return Number(process.hrtime.bigint() - start) / iterations;
}

function offPath(iterations: number, rounds: number): { emptyNs: number; traceNs: number } {
  disableTrace();
  const empty: number[] = [];
  const trace: number[] = [];
  for (let r = 0; r < rounds; r++) {
    empty.push(
      timeLoop(iterations, (i) =>
        emptyCall(
          'bench_event',
          () => ({ i }),
          () => {
            payloadBuilds++;
            return 'x'.repeat(1024);
          },
        ),
      ),
    );
    trace.push(
      timeLoop(iterations, (i) =>
        traceStructured(
          'bench_event',
          () => ({ i }),
          () => {
            payloadBuilds++;
            return 'x'.repeat(1024);
          },
        ),
      ),
    );
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { emptyNs: median(empty), traceNs: median(trace) };
}

const PAYLOAD = `${'0123456789abcdef'.repeat(63)}\nlast line of the payload\n`.slice(0, 1024);

function onPath(
  records: number,
  insideCompile: boolean,
): { recordsPerSec: number; mbPerSec: number; bytes: number } {
  const dir = mkdtempSync(join(tmpdir(), 'compilog-bench-trace-'));
  try {
    enableTrace(dir);
    const write = (): void => {
      for (let i = 0; i < records; i++)
        traceStructured(
          'bench_event',
          () => ({ i, kind: 'bench' }),
          () => PAYLOAD,
        );
      flushTrace();
    };
    const start = process.hrtime.bigint();
    if (insideCompile) withCompileId({ frameId: 0, frameCompileId: 0 }, write);
    else write();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const bytes = statSync(traceFilePath()!).size;
    disableTrace();
    return { recordsPerSec: records / seconds, mbPerSec: bytes / 1e6 / seconds, bytes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What a naive writer does: JSON.stringify the envelope, add the payload, one writeSync per record. */
function baseline(records: number): { recordsPerSec: number; mbPerSec: number; bytes: number } {
  const dir = mkdtempSync(join(tmpdir(), 'compilog-bench-base-'));
  try {
    const fd = openSync(join(dir, 'baseline.log'), 'w');
    const start = process.hrtime.bigint();
    let bytes = 0;
    for (let i = 0; i < records; i++) {
      const line = `V1126 12:00:00.000000 1 bench/trace.ts:1] ${JSON.stringify({ bench_event: { i, kind: 'bench' }, frame_id: 0, frame_compile_id: 0, attempt: 0 })}\n\t${PAYLOAD.replaceAll('\n', '\n\t')}\n`;
      bytes += writeSync(fd, line);
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    closeSync(fd);
    return { recordsPerSec: records / seconds, mbPerSec: bytes / 1e6 / seconds, bytes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function main(): void {
  const iterations = 5_000_000;
  const off = offPath(iterations, 7);
  const records = 50_000;
  onPath(2_000, true); // warm up
  const inside = onPath(records, true);
  const outside = onPath(records / 5, false);
  const base = baseline(records);
  const ratio = off.traceNs / off.emptyNs;

  const rows: Array<[string, string]> = [
    ['off: empty call (ns/call)', off.emptyNs.toFixed(2)],
    ['off: traceStructured (ns/call)', off.traceNs.toFixed(2)],
    ['off: ratio (target <= 1.5)', ratio.toFixed(2)],
    ['off: payload thunks run', String(payloadBuilds)],
    ['on, in a compile: records/s', inside.recordsPerSec.toFixed(0)],
    ['on, in a compile: MB/s', inside.mbPerSec.toFixed(1)],
    ['on, outside (stack): records/s', outside.recordsPerSec.toFixed(0)],
    ['on, outside (stack): MB/s', outside.mbPerSec.toFixed(1)],
    ['baseline stringify+writeSync: records/s', base.recordsPerSec.toFixed(0)],
    ['baseline stringify+writeSync: MB/s', base.mbPerSec.toFixed(1)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`trace writer (node ${process.version}, 1 KB payload, ${records} records)`);
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v.padStart(12)}`);
  sink += payloadBuilds;
  console.log(
    JSON.stringify({
      bench: 'trace',
      off_empty_ns: Number(off.emptyNs.toFixed(3)),
      off_trace_ns: Number(off.traceNs.toFixed(3)),
      off_ratio: Number(ratio.toFixed(3)),
      off_payload_builds: payloadBuilds,
      on_compile_records_per_s: Math.round(inside.recordsPerSec),
      on_compile_mb_per_s: Number(inside.mbPerSec.toFixed(2)),
      on_stack_records_per_s: Math.round(outside.recordsPerSec),
      on_stack_mb_per_s: Number(outside.mbPerSec.toFixed(2)),
      baseline_records_per_s: Math.round(base.recordsPerSec),
      baseline_mb_per_s: Number(base.mbPerSec.toFixed(2)),
      sink,
    }),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) main();
