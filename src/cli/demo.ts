/**
 * `compilog demo` (what `npm start` runs): compiles and runs examples/transformer-block.ts with readable logs
 * and a structured trace, then writes the tlparse-compatible report of that trace and says where it all is.
 *
 *   1. run the example like `compilog run` does, with TORCH_LOGS = --logs, else $TORCH_LOGS, else
 *      DEFAULT_DEMO_LOGS, and TORCH_TRACE = <traces>/<timestamp>/ (a fresh directory per run)
 *   2. report the trace into <reports>/<timestamp>/ (index.html, compile_directory.json, ...)
 *   3. print the trace file, the report's index.html and one line of counts
 *
 * Exit codes: 0 done; 2 bad TORCH_LOGS (nothing run); the example's exit code when it failed; 1 when no trace
 * was written or the report failed.
 */

import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Argv, CommandModule } from 'yargs';
import { CompilogError, isCompilogError } from '../logging/index.js';
import { writeReport } from '../report/index.js';
import { countText, reportCounts } from './counts.js';
import { COMPILER_REGISTRY } from './logs-check.js';
import { childEnvironment, preflightLogs, printError } from './run.js';
import { resolveScript, runScript } from './script-child.js';
import { traceFilesIn } from './trace-files.js';

/**
 * What the demo shows unless told otherwise: each stage's INFO summary lines, graph breaks, recompiles and
 * performance hints. Readable in a terminal; the trace keeps everything else.
 */
export const DEFAULT_DEMO_LOGS = 'dynamo,aot,inductor,guards,graph_breaks,recompiles,perf_hints';

/** Three forwards each, eager and compiled: enough to show the first compile and the cache hits. */
const DEMO_EXAMPLE_ARGS = ['--runs', '3'];

/** src/cli/ and dist/cli/ both sit two levels below the package root, next to examples/. */
const DEMO_EXAMPLE = fileURLToPath(new URL('../../examples/transformer-block.ts', import.meta.url));

interface DemoArgs {
  logs?: string;
  traces: string;
  reports: string;
}

export interface DemoResult {
  traceDir: string;
  traceFiles: string[];
  reportDir: string;
  compiles: number;
  artifacts: number;
  failures: number;
  badLines: number;
}

/** A directory name from the time, sortable and safe on every file system: 2026-11-26T13-50-12-345Z. */
export function runStamp(date = new Date()): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') ? `./${rel}` : path;
}

async function demo(args: DemoArgs): Promise<DemoResult | undefined> {
  if (!existsSync(DEMO_EXAMPLE)) {
    throw new CompilogError(
      'E_DEMO_EXAMPLE_MISSING',
      `The demo's example is missing: ${DEMO_EXAMPLE}`,
      'Run the demo from a clone of compilog (npm install && npm start); the examples ship with the sources.',
    );
  }
  const example = resolveScript(DEMO_EXAMPLE);
  const stamp = runStamp();
  const traceDir = resolve(args.traces, stamp);
  const reportDir = resolve(args.reports, stamp);
  const logs = args.logs ?? process.env.TORCH_LOGS ?? DEFAULT_DEMO_LOGS;
  const env = childEnvironment({ logs, trace: traceDir, check: true });
  const source =
    args.logs !== undefined
      ? '--logs'
      : process.env.TORCH_LOGS !== undefined
        ? 'from the environment'
        : 'default';
  if (!(await preflightLogs(env, COMPILER_REGISTRY, source))) return undefined;

  const out = process.stdout;
  out.write(`compilog demo: ${display(example.path)}\n`);
  out.write(
    `  TORCH_LOGS=${logs}${source === 'default' ? ' (set TORCH_LOGS or --logs to change it)' : ''}\n`,
  );
  out.write(`  TORCH_TRACE=${display(traceDir)}\n\n`);

  const outcome = await runScript(example, DEMO_EXAMPLE_ARGS, env);
  if (outcome.exitCode !== 0) {
    process.stderr.write(
      `E_DEMO_RUN_FAILED: ${display(example.path)} ${outcome.signal !== null ? `was killed by ${outcome.signal}` : `exited with code ${outcome.code}`}; no report written.\n`,
    );
    process.exitCode = outcome.exitCode;
    return undefined;
  }
  const traceFiles = traceFilesIn(traceDir);
  if (traceFiles.length === 0) {
    throw new CompilogError(
      'E_DEMO_NO_TRACE',
      `The example ran but wrote no trace file into ${display(traceDir)}.`,
      'The compiler emits trace records only when it compiles; check that TORCH_TRACE reaches the script.',
    );
  }
  let summary: Awaited<ReturnType<typeof writeReport>>;
  try {
    summary = await writeReport(traceDir, {
      out: reportDir,
      commandLine: `compilog report ${display(traceDir)} --out ${display(reportDir)}`,
    });
  } catch (err) {
    if (!isCompilogError(err)) throw err;
    throw new CompilogError(
      'E_DEMO_REPORT',
      `The report of ${display(traceDir)} failed: ${err.code}: ${err.message}`,
      err.hint,
    );
  }
  const badLines = Object.values(summary.bad_lines).reduce((n: number, c) => n + (c as number), 0);
  return {
    traceDir,
    traceFiles,
    reportDir,
    compiles: summary.compiles,
    artifacts: summary.artifacts,
    failures: summary.failures,
    badLines,
  };
}

function printResult(r: DemoResult): void {
  const out = process.stdout;
  out.write('\ncompilog demo: done\n');
  for (const f of r.traceFiles) out.write(`  trace:   ${display(f)}\n`);
  out.write(`  report:  ${display(join(r.reportDir, 'index.html'))}\n`);
  out.write(`  open:    ${pathToFileURL(join(r.reportDir, 'index.html')).href}\n`);
  out.write(
    `  summary: ${reportCounts(r.compiles, r.artifacts, r.failures)}` +
      `${r.badLines > 0 ? `, ${countText(r.badLines, 'bad trace line')}` : ''}\n`,
  );
  out.write(
    `Open the report in a browser; report any trace again with: npx compilog report ${display(r.traceDir)}\n`,
  );
}

export const demoCommand: CommandModule<object, DemoArgs> = {
  command: 'demo',
  describe: 'compile and run examples/transformer-block.ts with logs and a trace, then write its report',
  builder: (y) =>
    y
      .option('logs', {
        type: 'string',
        describe: `TORCH_LOGS for the example (default: $TORCH_LOGS, else "${DEFAULT_DEMO_LOGS}")`,
      })
      .option('traces', {
        type: 'string',
        default: 'compilog-traces',
        describe: 'directory for traces (each run writes a new timestamped subdirectory)',
      })
      .option('reports', {
        type: 'string',
        default: 'compilog-report',
        describe: 'directory for reports (each run writes a new timestamped subdirectory)',
      }) as Argv<DemoArgs>,
  handler: async (args) => {
    try {
      const result = await demo(args);
      if (result !== undefined) printResult(result);
    } catch (err) {
      if (isCompilogError(err)) {
        printError(err);
        process.exitCode = err.code === 'E_RUN_NOT_FOUND' || err.code.startsWith('E_LOGS') ? 2 : 1;
        return;
      }
      process.stderr.write(`E_INTERNAL: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 3;
    }
  },
};
