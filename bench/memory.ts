/**
 * Memory over a long run of the included compiler: `npm run bench -- memory` (or `npx tsx bench/memory.ts`).
 *
 * Runs bench/support/memory-workload.ts (hundreds of compiles and calls of fresh functions: chains, graph breaks,
 * closed-over weights, automatic dynamic shapes, a function past its recompile limit, a dynamic function at ever
 * new sizes) in child processes with `--expose-gc`, once with no logging (the baseline) and then with TORCH_LOGS,
 * TORCH_TRACE and both. heapUsed is sampled after gc(); the figure that matters is the growth between the
 * middle and the end of the run, per 100 compiles (caches fill during the first half, then must stay flat).
 * Also checks that dropped compiled functions are collected. Prints a table, then one line of JSON.
 *
 *   MEMORY_ROUNDS=600 npx tsx bench/memory.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const WORKLOAD = resolve(import.meta.dirname, 'support/memory-workload.ts');
const LOGS = '+dynamo,graph_code,graph,guards,recompiles,graph_breaks,output_code,+inductor';

interface Sample {
  readonly round: number;
  readonly compiles: number;
  readonly heapUsed: number;
}

function runChild(args: readonly string[], env: Record<string, string>): unknown {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', WORKLOAD, ...args], {
    env: { ...process.env, TORCH_LOGS: '', TORCH_TRACE: '', ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`workload failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

export function main(): void {
  const rounds = Number(process.env.MEMORY_ROUNDS ?? 400);
  const every = Math.max(1, Math.floor(rounds / 8));
  const work = mkdtempSync(join(tmpdir(), 'compilog-bench-memory-'));
  const MB = 1024 * 1024;
  try {
    const cacheDir = join(work, 'cache');
    const configs: Record<string, Record<string, string>> = {
      'nothing enabled (baseline)': {},
      'TORCH_LOGS (to a file)': { TORCH_LOGS: LOGS, TORCH_LOGS_OUT: join(work, 'logs.txt') },
      TORCH_TRACE: { TORCH_TRACE: join(work, 'trace') },
      'TORCH_LOGS + TORCH_TRACE': {
        TORCH_LOGS: LOGS,
        TORCH_LOGS_OUT: join(work, 'logs2.txt'),
        TORCH_TRACE: join(work, 'trace2'),
      },
    };
    const rows: Record<string, unknown>[] = [];
    console.log(`memory over ${rounds} rounds (${every} rounds per sample), heapUsed after gc()`);
    console.log(
      `${'configuration'.padEnd(28)} ${'compiles'.padStart(8)} ${'start MB'.padStart(9)} ${'middle MB'.padStart(10)} ${'end MB'.padStart(8)} ${'KB/100 compiles (2nd half)'.padStart(27)}`,
    );
    for (const [name, env] of Object.entries(configs)) {
      const { samples } = runChild([String(rounds), String(every)], {
        ...env,
        COMPILOG_CACHE_DIR: cacheDir,
      }) as {
        samples: Sample[];
      };
      const first = samples[0];
      const mid = samples[Math.floor((samples.length - 1) / 2)];
      const last = samples[samples.length - 1];
      const perHundred = ((last.heapUsed - mid.heapUsed) / Math.max(1, last.compiles - mid.compiles)) * 100;
      console.log(
        `${name.padEnd(28)} ${String(last.compiles).padStart(8)} ${(first.heapUsed / MB).toFixed(2).padStart(9)} ${(mid.heapUsed / MB).toFixed(2).padStart(10)} ${(last.heapUsed / MB).toFixed(2).padStart(8)} ${(perHundred / 1024).toFixed(1).padStart(27)}`,
      );
      rows.push({
        config: name,
        compiles: last.compiles,
        startBytes: first.heapUsed,
        middleBytes: mid.heapUsed,
        endBytes: last.heapUsed,
        growthBytesPer100Compiles: Math.round(perHundred),
      });
    }
    const weak = runChild(['100', '1', 'weak'], { COMPILOG_CACHE_DIR: cacheDir }) as {
      dropped: number;
      collected: number;
    };
    console.log(
      `dropped compiled functions and their functions collected: ${weak.collected}/${weak.dropped}`,
    );
    console.log(JSON.stringify({ bench: 'memory', rounds, configs: rows, weak }));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
