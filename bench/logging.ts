/**
 * Logging benchmark: `npm run bench -- logging` (or `npx tsx bench/logging.ts`).
 *   (a) a disabled `log.debug(() => payload)` and (b) a disabled artifact call `art(() => payload)` against an
 *       empty function call in the same run (the payload thunk must never run);
 *   (c) 1M enabled lines in the json format against raw pino (pino.destination, its default) to the same file;
 *   (d) 1M enabled lines in the glog text format (caller file:line included) against raw pino.
 * Prints a table, then one line of JSON with the figures.
 */
import { unlinkSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  BatchedWriter,
  flushLogs,
  getArtifactLogger,
  getLogger,
  initLogs,
  registerArtifact,
  registerLog,
  resetLogging,
} from '../src/logging/index.js';

const DISABLED_ITERATIONS = 30_000_000;
const REPS = 5;
const LINES = 1_000_000;
const CHUNK = 1000;

type Loop = () => number;

/** Best time per iteration (ns) over REPS runs of `loop`. */
function bestNs(loop: Loop, iterations: number): { ns: number; sink: number } {
  let best = Number.POSITIVE_INFINITY;
  let sink = 0;
  for (let r = 0; r < REPS; r++) {
    const t0 = process.hrtime.bigint();
    sink += loop();
    const dt = Number(process.hrtime.bigint() - t0) / iterations;
    if (dt < best) best = dt;
  }
  return { ns: best, sink };
}

function empty(_message: unknown): void {}

function disabledCases(): Record<string, number> & { payloadsBuilt: number } {
  resetLogging({ overrides: { env: {}, stderr: { write() {}, flush() {} } } });
  registerLog('bench', ['bench']);
  registerArtifact('bench_artifact', { description: 'benchmark artifact' });
  const log = getLogger('bench.sub');
  const art = getArtifactLogger('bench.sub', 'bench_artifact');
  initLogs();
  let built = 0;
  const thunk = (): string => {
    built++;
    return `payload ${built}`;
  };
  const n = DISABLED_ITERATIONS;
  // One function per case keeps each call site monomorphic; `acc` keeps V8 from deleting the loop.
  const loops: Record<string, Loop> = {
    emptyCall: () => {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        acc = (acc + i) | 0;
        empty(thunk);
      }
      return acc;
    },
    disabledDebug: () => {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        acc = (acc + i) | 0;
        log.debug(thunk);
      }
      return acc;
    },
    disabledArtifactCall: () => {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        acc = (acc + i) | 0;
        art(thunk);
      }
      return acc;
    },
    disabledArtifactDebug: () => {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        acc = (acc + i) | 0;
        art.debug(thunk);
      }
      return acc;
    },
  };
  const out: Record<string, number> = {};
  let sink = 0;
  // Warm up every loop first, then measure (so tiering does not favour the first case).
  for (const loop of Object.values(loops)) sink += loop();
  for (const [name, loop] of Object.entries(loops)) {
    const r = bestNs(loop, n);
    out[name] = r.ns;
    sink += r.sink;
  }
  if (sink === 42) console.log('');
  return { ...out, payloadsBuilt: built };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Raw pino with its default destination (synchronous SonicBoom), or its buffered async mode (minLength 4 KiB). */
async function rawPino(path: string, buffered = false): Promise<number> {
  const dest = buffered
    ? pino.destination({ dest: path, sync: false, minLength: 4096 })
    : pino.destination(path);
  if (buffered) await new Promise((r) => dest.once('ready', r));
  const log = pino({ level: 'debug' }, dest);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < LINES; i += CHUNK) {
    for (let j = 0; j < CHUNK; j++) log.debug('hello world');
    await tick();
  }
  dest.flushSync();
  const ns = Number(process.hrtime.bigint() - t0) / LINES;
  dest.end();
  return ns;
}

async function ours(path: string, format: string | undefined, captureCaller = true): Promise<number> {
  const writer = BatchedWriter.appendToFile(path);
  const env: Record<string, string> = { TORCH_LOGS: '+bench' };
  if (format !== undefined) env.TORCH_LOGS_FORMAT = format;
  resetLogging({ overrides: { env, stderr: writer, captureCaller } });
  registerLog('bench', ['bench']);
  const log = getLogger('bench.sub');
  initLogs();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < LINES; i += CHUNK) {
    for (let j = 0; j < CHUNK; j++) log.debug('hello world');
    await tick();
  }
  flushLogs();
  const ns = Number(process.hrtime.bigint() - t0) / LINES;
  writer.close();
  return ns;
}

interface Enabled {
  pino: number;
  pinoBuffered: number;
  json: number;
  glog: number;
  glogNoCaller: number;
}

async function enabledCases(dest: string): Promise<Enabled> {
  const file = dest === 'file' ? join(tmpdir(), `compilog-bench-${process.pid}.log`) : '/dev/null';
  const run = async (fn: (p: string) => Promise<number>): Promise<number> => {
    const ns = await fn(file);
    if (file !== '/dev/null') unlinkSync(file);
    return ns;
  };
  // Interleave and keep the best of two: the machine is shared, ratios within one run are what count.
  const best = {
    pino: Number.POSITIVE_INFINITY,
    pinoBuffered: Number.POSITIVE_INFINITY,
    json: Number.POSITIVE_INFINITY,
    glog: Number.POSITIVE_INFINITY,
    glogNoCaller: Number.POSITIVE_INFINITY,
  };
  for (let r = 0; r < 2; r++) {
    best.pino = Math.min(best.pino, await run((p) => rawPino(p)));
    best.pinoBuffered = Math.min(best.pinoBuffered, await run((p) => rawPino(p, true)));
    best.json = Math.min(best.json, await run((p) => ours(p, 'json')));
    best.glog = Math.min(best.glog, await run((p) => ours(p, undefined)));
    best.glogNoCaller = Math.min(best.glogNoCaller, await run((p) => ours(p, undefined, false)));
  }
  return best;
}

export async function main(): Promise<void> {
  const disabled = disabledCases();
  const enabledFile = await enabledCases('file');
  const enabledNull = await enabledCases('devnull');
  const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
  const rows: Array<[string, string, string, string]> = [
    ['case', 'ns per call/line', 'baseline ns', 'ratio (ours/baseline or speed vs pino)'],
    [
      '(a) disabled log.debug(thunk)',
      f(disabled.disabledDebug!),
      f(disabled.emptyCall!),
      `${ratio(disabled.disabledDebug!, disabled.emptyCall!)}x cost`,
    ],
    [
      '(b) disabled art(thunk)',
      f(disabled.disabledArtifactCall!),
      f(disabled.emptyCall!),
      `${ratio(disabled.disabledArtifactCall!, disabled.emptyCall!)}x cost`,
    ],
    [
      '(b) disabled art.debug(thunk)',
      f(disabled.disabledArtifactDebug!),
      f(disabled.emptyCall!),
      `${ratio(disabled.disabledArtifactDebug!, disabled.emptyCall!)}x cost`,
    ],
  ];
  for (const [label, e] of [
    ['file', enabledFile],
    ['/dev/null', enabledNull],
  ] as const) {
    rows.push([
      `(c) 1M json lines -> ${label}`,
      f(e.json),
      f(e.pino),
      `${ratio(e.pino, e.json)}x pino speed`,
    ]);
    rows.push([
      `(c) same json vs pino buffered (sync:false, minLength 4 KiB) -> ${label}`,
      f(e.json),
      f(e.pinoBuffered),
      `${ratio(e.pinoBuffered, e.json)}x buffered pino speed`,
    ]);
    rows.push([
      `(d) 1M glog lines -> ${label}`,
      f(e.glog),
      f(e.pino),
      `${ratio(e.pino, e.glog)}x pino speed`,
    ]);
    rows.push([
      `(d') glog, caller capture off -> ${label}`,
      f(e.glogNoCaller),
      f(e.pino),
      `${ratio(e.pino, e.glogNoCaller)}x pino speed`,
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
  console.log(`payload thunks called on disabled paths: ${disabled.payloadsBuilt}`);
  const figures = {
    bench: 'logging',
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    disabled_ns: {
      empty_call: r2(disabled.emptyCall!),
      debug_thunk: r2(disabled.disabledDebug!),
      artifact_call_thunk: r2(disabled.disabledArtifactCall!),
      artifact_debug_thunk: r2(disabled.disabledArtifactDebug!),
    },
    disabled_payloads_built: disabled.payloadsBuilt,
    enabled_ns_per_line: {
      file: {
        pino: r2(enabledFile.pino),
        pino_buffered: r2(enabledFile.pinoBuffered),
        json: r2(enabledFile.json),
        glog: r2(enabledFile.glog),
        glog_no_caller: r2(enabledFile.glogNoCaller),
      },
      dev_null: {
        pino: r2(enabledNull.pino),
        pino_buffered: r2(enabledNull.pinoBuffered),
        json: r2(enabledNull.json),
        glog: r2(enabledNull.glog),
        glog_no_caller: r2(enabledNull.glogNoCaller),
      },
    },
    speed_vs_pino: {
      json_file: ratio(enabledFile.pino, enabledFile.json),
      glog_file: ratio(enabledFile.pino, enabledFile.glog),
      json_dev_null: ratio(enabledNull.pino, enabledNull.json),
      json_file_vs_buffered_pino: ratio(enabledFile.pinoBuffered, enabledFile.json),
      glog_file_vs_buffered_pino: ratio(enabledFile.pinoBuffered, enabledFile.glog),
      glog_dev_null: ratio(enabledNull.pino, enabledNull.glog),
      glog_no_caller_file: ratio(enabledFile.pino, enabledFile.glogNoCaller),
      glog_no_caller_dev_null: ratio(enabledNull.pino, enabledNull.glogNoCaller),
    },
  };
  console.log(JSON.stringify(figures));
}

function f(ns: number): string {
  return ns < 10 ? ns.toFixed(2) : ns.toFixed(0);
}
function r2(n: number): number {
  return Math.round(n * 100) / 100;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
