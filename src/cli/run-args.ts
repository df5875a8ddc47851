/**
 * `compilog run [options] <script> [args...]`: compilog's options come before the script; everything after it
 * belongs to the script, verbatim (`--help` included), like `node [options] script [args]`. A `--` right
 * after the script (or before it) is dropped. Values are taken as typed, so `--logs -dynamo` and
 * `--logs 123` mean the TORCH_LOGS strings "-dynamo" and "123" (yargs would read flags and a number).
 */
import { CompilogError } from '../logging/index.js';

export interface RunOptions {
  logs?: string;
  trace?: string;
  format?: string;
  out?: string;
  registry?: string;
  /** write the report of the run's trace into this directory once the script has ended */
  report?: string;
  /** false with --no-check: skip the TORCH_LOGS check */
  check: boolean;
}

export interface RunArgs {
  options: RunOptions;
  script?: string;
  scriptArgs: string[];
  /** what yargs is given: the options before the script and the script, never the script's own arguments */
  yargsArgs: string[];
}

const VALUE_OPTIONS = ['logs', 'trace', 'format', 'out', 'registry', 'report'] as const;
type ValueOption = (typeof VALUE_OPTIONS)[number];

function isValueOption(name: string): name is ValueOption {
  return (VALUE_OPTIONS as readonly string[]).includes(name);
}

/** Index of `command` when it is the command (the first argument that is not an option), else -1. */
export function commandPosition(args: readonly string[], command: string): number {
  const first = args.findIndex((a) => !a.startsWith('-'));
  return first >= 0 && args[first] === command ? first : -1;
}

/** Splits compilog's arguments (process.argv without node and the CLI path) for `run`. */
export function splitRunArgs(args: readonly string[]): RunArgs {
  const run = commandPosition(args, 'run');
  const options: RunOptions = { check: true };
  const yargsArgs = args.slice(0, run + 1);
  let i = run + 1;
  for (; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (arg.startsWith('--') && isValueOption(name)) {
      let value: string;
      if (eq >= 0) value = arg.slice(eq + 1);
      else {
        if (i + 1 >= args.length) {
          throw new CompilogError(
            'E_RUN_USAGE',
            `Option --${name} needs a value.`,
            `Write --${name} <value> or --${name}=<value> before the script.`,
          );
        }
        value = args[++i];
      }
      options[name] = value;
      yargsArgs.push(`--${name}=${value}`);
    } else if (arg === '--no-check' || arg === '--check') {
      options.check = arg === '--check';
      yargsArgs.push(arg);
    } else {
      // --help, --version, or an unknown option: yargs answers (help text, or strict mode's error).
      yargsArgs.push(arg);
    }
  }
  const script = args[i];
  if (script !== undefined) yargsArgs.push(script);
  const rest = args.slice(i + 1);
  const scriptArgs = rest[0] === '--' ? rest.slice(1) : rest;
  return { options, script, scriptArgs, yargsArgs };
}

/**
 * What yargs sees. `compilog run ...`: the script's own arguments are hidden from it. `compilog demo ...`:
 * `--logs <value>` becomes `--logs=<value>`, so a value such as "-dynamo" is not read as flags.
 */
export function protectRunArgs(args: string[]): string[] {
  if (commandPosition(args, 'demo') >= 0) return joinOptionValues(args, ['--logs']);
  if (commandPosition(args, 'run') < 0) return args;
  try {
    return splitRunArgs(args).yargsArgs;
  } catch {
    return args; // yargs reports the missing value
  }
}

function joinOptionValues(args: readonly string[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (names.includes(args[i]) && i + 1 < args.length) out.push(`${args[i]}=${args[++i]}`);
    else out.push(args[i]);
  }
  return out;
}
