// Helpers for the CLI tests: the built CLI (dist/cli.js) run as a user runs it, from a temporary directory.
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/cli.js');

/** An environment without the logging variables of whoever runs the tests. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('TORCH_') || k === 'RANK') delete env[k];
  return { ...env, ...extra };
}

export function tempDir(prefix = 'compilog-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeScript(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): CliResult {
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    env: opts.env ?? cleanEnv(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the CLI, waits until its stdout contains `ready`, calls `act(pid)`, and resolves with the outcome. */
export function cliUntil(
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; ready: string; act: (pid: number) => void },
): Promise<CliResult & { signal: NodeJS.Signals | null }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd,
      env: opts.env ?? cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let acted = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`timed out; stdout: ${stdout}; stderr: ${stderr}`));
    }, 30_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (!acted && stdout.includes(opts.ready)) {
        acted = true;
        opts.act(child.pid!);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}
