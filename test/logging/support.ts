// Shared helpers for the logging tests: paths to ../shared fixtures and running TypeScript child processes.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';

export const REPO = resolve(import.meta.dirname, '../..');
export const SHARED = resolve(REPO, '../shared');
/** Node flags that run TypeScript in-process (no wrapper process, so exit codes and signals are the script's). */
export const TSX_FLAGS = ['--import', pathToFileURL(resolve(REPO, 'node_modules/tsx/dist/loader.mjs')).href];

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node --import tsx <script> ...args` with `env` added to a clean copy of the environment (no TORCH_* leaks). */
export function runTs(
  script: string,
  args: string[],
  env: Record<string, string>,
  options: { stdio?: 'pipe'; cwd?: string } = {},
): Promise<ChildResult> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('TORCH_') && k !== 'RANK' && k !== 'FORCE_COLOR') base[k] = v;
  }
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...TSX_FLAGS, script, ...args], {
      cwd: options.cwd ?? REPO,
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

/** Runs `tasks` with at most `limit` in flight (the machine has 2 cores shared by everyone). */
export async function withConcurrency<T>(limit: number, tasks: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** The environment for a child process: this one's, without TORCH_* and COMPILOG_* settings, plus `extra`. */
export function cleanChildEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('TORCH_') && !k.startsWith('COMPILOG_')) env[k] = v;
  return { ...env, ...extra };
}

/**
 * Every `line i` for i in 0..n-1 (a glog line ending `] line i`, or a json record ending `"msg":"line i"}`) is
 * present once, in order; other lines (a crash report) are ignored. For the children of test/logging/fixtures/
 * write-lines.ts.
 */
export function expectAllLines(text: string, n: number): void {
  const numbers = text
    .split('\n')
    .map((l) => /\] line (\d+)$/.exec(l) ?? /"msg":"line (\d+)"\}$/.exec(l))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]));
  expect(numbers.length).toBe(n);
  for (let i = 0; i < n; i++) if (numbers[i] !== i) expect(numbers[i], `line at position ${i}`).toBe(i);
}
