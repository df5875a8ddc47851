/**
 * Running a user's script in a child `node`, as `compilog run` and `compilog demo` do: TypeScript through
 * tsx's loader (no build step), stdio shared with this process, SIGINT/SIGTERM/SIGHUP passed on to the child,
 * and the child's fate turned into an exit code (its code, or 128+n when signal n killed it, like a shell).
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { extname, resolve } from 'node:path';
import { CompilogError } from '../logging/index.js';

const TS_EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx'];
const JS_EXTENSIONS = ['.js', '.mjs', '.cjs'];

export interface ScriptFile {
  /** absolute path */
  path: string;
  typescript: boolean;
}

/** Checks that `script` is a file node (or tsx) can run. Throws E_RUN_NOT_FOUND / E_RUN_EXTENSION. */
export function resolveScript(script: string): ScriptFile {
  const path = resolve(script);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new CompilogError(
      'E_RUN_NOT_FOUND',
      `Script not found: ${script}${existsSync(path) ? ' (it is a directory)' : ''}`,
      `Give the path of a .ts or .js file, relative to the current directory (${process.cwd()}).`,
    );
  }
  const ext = extname(path).toLowerCase();
  if (!TS_EXTENSIONS.includes(ext) && !JS_EXTENSIONS.includes(ext)) {
    throw new CompilogError(
      'E_RUN_EXTENSION',
      `Cannot run ${script}: unsupported extension '${ext || '(none)'}'.`,
      `compilog run takes TypeScript (${TS_EXTENSIONS.join(' ')}) or JavaScript (${JS_EXTENSIONS.join(' ')}) files.`,
    );
  }
  return { path, typescript: TS_EXTENSIONS.includes(ext) };
}

/**
 * The file URL of tsx's loader (registers its ESM and CommonJS hooks), resolved from compilog's own install,
 * so TypeScript scripts run from any directory and from an installed package.
 */
export function tsxLoaderUrl(): string {
  try {
    return import.meta.resolve('tsx');
  } catch (err) {
    throw new CompilogError(
      'E_RUN_TSX_MISSING',
      `Cannot find tsx, needed to run TypeScript: ${(err as Error).message}`,
      'Reinstall compilog (tsx is one of its dependencies), or run a .js file.',
    );
  }
}

/** The node arguments that run `script` with `args`. */
export function nodeArguments(script: ScriptFile, args: readonly string[]): string[] {
  const loader = script.typescript ? ['--import', tsxLoaderUrl()] : [];
  return [...loader, script.path, ...args];
}

export interface ChildOutcome {
  /** the exit code this process should end with: the child's, or 128+n for signal n */
  exitCode: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs `script` in a child node with `env`, sharing stdin/stdout/stderr. While it runs, SIGINT, SIGTERM and
 * SIGHUP sent to this process are passed to the child (which decides whether to exit) instead of ending us.
 */
export function runScript(
  script: ScriptFile,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<ChildOutcome> {
  return new Promise((resolveOutcome, reject) => {
    const child = spawn(process.execPath, nodeArguments(script, args), { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals): void => {
      // As `npm run` does. A terminal's Ctrl-C reaches the whole process group, so the child also gets it
      // directly: a child without a handler is already exiting; one with a handler sees SIGINT twice.
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    for (const s of FORWARDED_SIGNALS) process.on(s, forward);
    const cleanup = (): void => {
      for (const s of FORWARDED_SIGNALS) process.off(s, forward);
    };
    child.once('error', (err) => {
      cleanup();
      reject(
        new CompilogError(
          'E_RUN_SPAWN',
          `Could not start ${process.execPath} for ${script.path}: ${err.message}`,
          'Check that node is installed and executable.',
        ),
      );
    });
    child.once('exit', (code, signal) => {
      cleanup();
      resolveOutcome({ exitCode: exitCodeOf(code, signal), code, signal });
    });
  });
}

/** A shell's convention: the exit code, or 128 + the signal's number when a signal ended the process. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal !== null) return 128 + (constants.signals[signal] ?? 0);
  return code ?? 1;
}
