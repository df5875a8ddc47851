/**
 * `compilog logs`: check TORCH_LOGS strings against a registry before a long job, and print the help text.
 *   compilog logs help [--verbose] [--registry R]
 *   compilog logs parse <settings> [--registry R]      one JSON result, exit 0 (valid) or 2 (rejected)
 *   compilog logs parse --batch [--registry R]          one JSON string per stdin line -> one result per line
 * Results: {"ok":true,"qnames":{"torch._dynamo":"DEBUG"},"artifacts":["guards"]}
 *          {"ok":false,"code":"E_LOGS_UNKNOWN_NAME","message":"<PyTorch's text>","hint":"..."}
 */
import { createInterface } from 'node:readline';
import type { Argv, CommandModule } from 'yargs';
import { CompilogError, helpMessage, isCompilogError, levelName, parseTorchLogs } from '../logging/index.js';
import { type CheckRegistry, COMPILER_REGISTRY, loadCheckRegistry } from './logs-check.js';

/** By default names are checked against the included compiler's registry; `--registry pytorch-2.11` for PyTorch's. */
export const DEFAULT_CLI_REGISTRY = COMPILER_REGISTRY;

const REGISTRY_OPTION = {
  type: 'string',
  default: DEFAULT_CLI_REGISTRY,
  describe:
    `registry to check against: ${COMPILER_REGISTRY} (the included compiler), a shipped name (pytorch-2.11) ` +
    `or a path to a JSON file ` +
    `{"logs": {alias: [qnames]}, "artifacts": [{name, description, visible, off_by_default}]}`,
} as const;

export type ParseOutcome =
  | { ok: true; qnames: Record<string, string>; artifacts: string[] }
  | ({ ok: false; code: string; message: string; hint?: string } & Record<string, unknown>);

/** One TORCH_LOGS string -> the JSON result the CLI prints (never throws). */
export function parseOutcome(settings: string, check: CheckRegistry): ParseOutcome {
  try {
    const parsed = parseTorchLogs(settings, check.registry, { resolver: check.resolver });
    const qnames: Record<string, string> = {};
    for (const [q, level] of parsed.qnames) qnames[q] = levelName(level);
    return { ok: true, qnames, artifacts: [...parsed.artifacts].sort() };
  } catch (err) {
    return errorOutcome(err);
  }
}

function errorOutcome(err: unknown): ParseOutcome {
  if (isCompilogError(err)) return { ok: false, ...err.toJSON() };
  return { ok: false, code: 'E_INTERNAL', message: String((err as Error)?.message ?? err) };
}

async function withRegistry(name: string): Promise<{ check: CheckRegistry } | { error: ParseOutcome }> {
  try {
    return { check: await loadCheckRegistry(name) };
  } catch (err) {
    return { error: errorOutcome(err) };
  }
}

const helpCommand: CommandModule<object, { verbose: boolean; registry: string }> = {
  command: 'help',
  describe: "print the TORCH_LOGS help text (what TORCH_LOGS=help prints; --verbose is TORCH_LOGS='+help')",
  builder: (y) =>
    y
      .option('verbose', {
        type: 'boolean',
        default: false,
        describe: 'list every artifact, not only visible ones',
      })
      .option('registry', REGISTRY_OPTION) as Argv<{ verbose: boolean; registry: string }>,
  handler: async (args) => {
    const loaded = await withRegistry(args.registry);
    if ('error' in loaded) {
      const e = loaded.error as { code: string; message: string; hint?: string };
      process.stderr.write(`${e.code}: ${e.message}${e.hint ? `\n${e.hint}` : ''}\n`);
      process.exitCode = 2;
      return;
    }
    process.stdout.write(helpMessage(loaded.check.registry, { verbose: args.verbose }));
  },
};

interface ParseArgs {
  settings?: string;
  registry: string;
  batch: boolean;
}

const parseCommand: CommandModule<object, ParseArgs> = {
  command: 'parse [settings]',
  describe:
    'parse a TORCH_LOGS string and print the result as JSON (exit 0 valid, 2 rejected). ' +
    'Without <settings>, reads $TORCH_LOGS. The value is taken as typed (-dynamo, +help, 123).',
  builder: (y) =>
    y
      // Not strict: a value such as "-dynamo" looks like flags to yargs; the handler reads it from argv itself.
      .strict(false)
      .positional('settings', { type: 'string', describe: 'the TORCH_LOGS value, e.g. "+dynamo,guards"' })
      .option('registry', REGISTRY_OPTION)
      .option('batch', {
        type: 'boolean',
        default: false,
        describe: 'read one JSON string per line from stdin, write one JSON result per line (exit 0)',
      }) as Argv<ParseArgs>,
  handler: async (args) => {
    const loaded = await withRegistry(args.registry);
    if ('error' in loaded) {
      process.stdout.write(`${JSON.stringify(loaded.error)}\n`);
      process.exitCode = 2;
      return;
    }
    if (args.batch) {
      await parseBatch(loaded.check);
      return;
    }
    const settings = rawSettingsArgument(process.argv.slice(2)) ?? process.env.TORCH_LOGS;
    const outcome =
      settings === undefined
        ? errorOutcome(
            new CompilogError(
              'E_CLI_USAGE',
              'No TORCH_LOGS value given.',
              'Pass it as an argument (compilog logs parse "+dynamo,guards") or set TORCH_LOGS.',
            ),
          )
        : parseOutcome(settings, loaded.check);
    process.stdout.write(`${JSON.stringify(outcome)}\n`);
    if (!outcome.ok) process.exitCode = 2;
  },
};

/**
 * The settings value exactly as typed: the first argument after `logs parse` that is not one of parse's own
 * options (or the argument after `--`). yargs would read "-dynamo" as the flags -d -y -n ... and turn "123"
 * into a number, so the value is taken from argv directly.
 */
export function rawSettingsArgument(argv: readonly string[]): string | undefined {
  const logs = commandIndex(argv);
  const parse = logs < 0 ? -1 : argv.indexOf('parse', logs + 1);
  if (parse < 0) return undefined;
  for (let i = parse + 1; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return argv[i + 1];
    if (arg === '--registry') i++;
    else if (arg.startsWith('--registry=') || /^--(no-)?batch(=.*)?$/.test(arg)) continue;
    else return arg;
  }
  return undefined;
}

/** One JSON string per input line -> one JSON result per output line, written in batches. */
async function parseBatch(check: CheckRegistry): Promise<void> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  let out: string[] = [];
  const flush = (): void => {
    if (out.length > 0) process.stdout.write(out.join(''));
    out = [];
  };
  for await (const line of lines) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined;
    }
    const outcome =
      typeof value === 'string'
        ? parseOutcome(value, check)
        : errorOutcome(
            new CompilogError(
              'E_BATCH_INPUT',
              `Input line is not a JSON string: ${line.length > 80 ? `${line.slice(0, 80)}...` : line}`,
              'Write each TORCH_LOGS value as a JSON string on its own line, e.g. "+dynamo,guards".',
            ),
          );
    out.push(`${JSON.stringify(outcome)}\n`);
    if (out.length >= 256) flush();
  }
  flush();
}

/** Index of `logs` when it is the command (the first argument that is not an option), else -1. */
function commandIndex(args: readonly string[]): number {
  const first = args.findIndex((a) => !a.startsWith('-'));
  return first >= 0 && args[first] === 'logs' ? first : -1;
}

/** The hidden name `logs help` runs under (see protectLogsArgs). */
const HELP_TEXT_COMMAND = '__help_text';
const SETTINGS_PLACEHOLDER = '__settings__';

/**
 * yargs reads a trailing `help` word as --help, which would swallow `compilog logs help` and
 * `compilog logs parse help`. Before yargs sees the arguments, `logs help` is renamed to a hidden command and a
 * `help` value after `logs parse` to a placeholder (the parse handler reads the real value from process.argv).
 */
export function protectLogsArgs(args: string[]): string[] {
  const logs = commandIndex(args);
  if (logs < 0 || args.includes('--help')) return args;
  const out = [...args];
  if (out[logs + 1] === 'help') out[logs + 1] = HELP_TEXT_COMMAND;
  if (out[logs + 1] === 'parse') {
    for (let i = logs + 2; i < out.length; i++) if (out[i] === 'help') out[i] = SETTINGS_PLACEHOLDER;
  }
  return out;
}

export const logsCommand: CommandModule = {
  command: 'logs',
  describe: 'check TORCH_LOGS strings and print the TORCH_LOGS help text',
  builder: (y) =>
    y
      .command(helpCommand as unknown as CommandModule)
      .command({ ...helpCommand, command: HELP_TEXT_COMMAND, describe: false } as unknown as CommandModule)
      .command(parseCommand as unknown as CommandModule)
      .demandCommand(1, 'Name a logs command: help or parse'),
  handler: () => {},
};
