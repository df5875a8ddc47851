/**
 * `compilog run [options] <script.ts|.js> [args...]`: runs a script in a child node with the logging settings of
 * the environment (TORCH_LOGS, TORCH_LOGS_FORMAT, TORCH_LOGS_OUT, TORCH_TRACE, ...) or of the options, which
 * set those variables for the child. TypeScript runs through tsx: no build step.
 *
 * TORCH_LOGS is checked first (against the included compiler's registry unless --registry says otherwise), so
 * a typo fails at once with PyTorch's message and a did-you-mean; `help` / `+help` print the help text and do
 * not start the script.
 *
 * `--report <dir>` writes the report of the run's trace when the script has ended (one command instead of
 * run, then report).
 *
 * Exit codes: the script's own; 128+n when signal n ended it; 0 after printing help; 2 when nothing was
 * started (bad TORCH_LOGS, script not found, unsupported extension, bad options, a --report directory in the
 * way), or when the script succeeded but its report could not be written.
 */
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { CompilogError, isCompilogError } from '../logging/index.js';
import { reportCounts } from './counts.js';
import { COMPILER_REGISTRY, checkTorchLogs, formatLogsError, loadCheckRegistry } from './logs-check.js';
import { type RunOptions, splitRunArgs } from './run-args.js';
import { resolveScript, runScript } from './script-child.js';
import { traceFilesIn } from './trace-files.js';

/** The child's environment: ours, with the variables the options set. */
export function childEnvironment(
  options: RunOptions,
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env = { ...base };
  if (options.logs !== undefined) env.TORCH_LOGS = options.logs;
  if (options.trace !== undefined) env.TORCH_TRACE = options.trace;
  if (options.format !== undefined) env.TORCH_LOGS_FORMAT = options.format;
  if (options.out !== undefined) env.TORCH_LOGS_OUT = options.out;
  return env;
}

export function printError(err: CompilogError): void {
  process.stderr.write(`${err.code}: ${err.message}${err.hint === undefined ? '' : `\n${err.hint}`}\n`);
}

/**
 * Checks TORCH_LOGS in `env` before a child starts. Returns true to go on; otherwise it has printed the help
 * text (exit code 0) or the error (exit code 2) and set process.exitCode.
 */
export async function preflightLogs(
  env: NodeJS.ProcessEnv,
  registryName: string,
  source: string,
  ownNamesHint = false,
): Promise<boolean> {
  const value = env.TORCH_LOGS;
  if (value === undefined) return true;
  const check = checkTorchLogs(value, await loadCheckRegistry(registryName));
  if (check.kind === 'ok') return true;
  if (check.kind === 'help') {
    process.stdout.write(check.text);
    process.exitCode = 0;
    return false;
  }
  process.stderr.write(formatLogsError(check.error, source));
  if (check.error.code === 'E_LOGS_UNKNOWN_NAME' && registryName === COMPILER_REGISTRY && ownNamesHint) {
    process.stderr.write(
      "compilog run: the check used the included compiler's names; for a script that registers its own " +
        'subsystems, pass --registry <file.json> or --no-check.\n',
    );
  }
  process.exitCode = 2;
  return false;
}

/** After a run with --trace: where the trace went, and how to read it (on stderr, out of the script's way). */
function reportTrace(dir: string, sinceMs: number, hint: boolean): void {
  // mtime granularity: allow a little slack before the start
  const files = traceFilesIn(dir, sinceMs - 1000);
  if (files.length === 0) {
    process.stderr.write(`compilog run: no trace written to ${dir} (the script compiled nothing?)\n`);
    return;
  }
  for (const f of files) process.stderr.write(`compilog run: trace ${f}\n`);
  if (hint) process.stderr.write(`compilog run: report it with: npx compilog report ${dir} --out <dir>\n`);
}

async function run(): Promise<void> {
  const { options, script, scriptArgs } = splitRunArgs(process.argv.slice(2));
  if (script === undefined) {
    throw new CompilogError(
      'E_RUN_USAGE',
      'No script given.',
      'Usage: compilog run [options] <script.ts|.js> [args...]',
    );
  }
  const file = resolveScript(script);
  const env = childEnvironment(options);
  if (options.check) {
    const source = options.logs !== undefined ? '--logs' : 'from the environment';
    if (!(await preflightLogs(env, options.registry ?? COMPILER_REGISTRY, source, true))) return;
  }
  // --report: the trace goes to --trace's directory, else the environment's, else a new temporary one
  const traceDir =
    options.report === undefined
      ? options.trace
      : (options.trace ??
        env.TORCH_DTRACE ??
        env.TORCH_TRACE ??
        mkdtempSync(join(tmpdir(), 'compilog-trace-')));
  if (options.report !== undefined) {
    if (env.TORCH_DTRACE === undefined) env.TORCH_TRACE = traceDir;
    // fail before the script runs, not after
    checkReportOut(options.report);
  }
  const started = Date.now();
  const outcome = await runScript(file, scriptArgs, env);
  process.exitCode = outcome.exitCode;
  if (traceDir !== undefined) reportTrace(traceDir, started, options.report === undefined);
  if (options.report !== undefined && traceDir !== undefined)
    await reportRun(traceDir, started, options.report, outcome.exitCode);
}

/** `--report <dir>` must be a new or empty directory (as `compilog report --out` wants without --overwrite). */
function checkReportOut(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory() || readdirSync(out).length > 0)
    throw new CompilogError(
      'E_REPORT_OUT_EXISTS',
      `--report ${out} exists and is not an empty directory`,
      'choose a new directory for the report (the script was not started)',
    );
}

/** Writes the report of the trace this run left in `dir` (its newest run) into `out`, and says where it is. */
async function reportRun(dir: string, sinceMs: number, out: string, scriptExit: number): Promise<void> {
  const files = traceFilesIn(dir, sinceMs - 1000);
  if (files.length === 0) return; // reportTrace said so
  const { writeReport } = await import('../report/index.js');
  try {
    // one program's run: few compiles, so the compare pages cost next to nothing
    const summary = await writeReport(files.length === 1 ? files[0] : dir, {
      out,
      compare: true,
      commandLine: `report ${files.length === 1 ? files[0] : dir} --out ${out} --compare`,
    });
    process.stderr.write(
      `compilog run: report ${join(summary.out, 'index.html')} (${reportCounts(summary.compiles, summary.artifacts, summary.failures)})\n`,
    );
  } catch (err) {
    if (!isCompilogError(err)) throw err;
    printError(err);
    // the script's own failure comes first; a failed report fails a run that otherwise succeeded
    if (scriptExit === 0) process.exitCode = 2;
  }
}

export const runCommand: CommandModule = {
  command: 'run <script> [args..]',
  describe: 'run a .ts or .js script with TORCH_LOGS / TORCH_TRACE settings (TypeScript needs no build)',
  builder: (y: Argv) =>
    y
      .positional('script', {
        type: 'string',
        describe: 'the script to run (.ts .mts .cts .tsx .js .mjs .cjs)',
      })
      .positional('args', {
        type: 'string',
        array: true,
        describe: 'arguments for the script, passed as they are',
      })
      .option('logs', {
        type: 'string',
        describe: 'TORCH_LOGS for the script, e.g. "+dynamo,graph_code" or help',
      })
      .option('trace', {
        type: 'string',
        describe: 'TORCH_TRACE: write a structured trace into this directory',
      })
      .option('format', {
        type: 'string',
        describe: 'TORCH_LOGS_FORMAT: short, basic, json or a %(name)s template',
      })
      .option('out', { type: 'string', describe: 'TORCH_LOGS_OUT: also append the logs to this file' })
      .option('report', {
        type: 'string',
        describe:
          'when the script ends, write the report of its trace into this new directory (the trace goes to --trace, TORCH_TRACE, or a temporary directory)',
      })
      .option('registry', {
        type: 'string',
        describe: `check TORCH_LOGS against this registry: ${COMPILER_REGISTRY} (the included compiler, default), pytorch-2.11, or a JSON file`,
      })
      .option('check', {
        type: 'boolean',
        default: true,
        describe: 'check TORCH_LOGS before starting (--no-check for a script that registers its own names)',
      })
      .example('$0 run examples/mlp.ts', 'run an example with the environment settings')
      .example('$0 run --logs "+dynamo,graph_code" examples/mlp.ts', 'the same with TORCH_LOGS set')
      .example(
        'TORCH_LOGS=help $0 run examples/mlp.ts',
        "list the included compiler's subsystems and artifacts",
      )
      .example(
        '$0 run --trace /tmp/trace script.ts -- --its-own-flag',
        'write a trace; pass flags to the script',
      )
      .example('$0 run --report /tmp/report examples/graph-break.ts', 'run, trace and report in one command'),
  handler: async () => {
    try {
      await run();
    } catch (err) {
      if (isCompilogError(err)) {
        printError(err);
        process.exitCode = 2;
        return;
      }
      process.stderr.write(`E_INTERNAL: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 3;
    }
  },
};
