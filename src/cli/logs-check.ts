/**
 * Checking a TORCH_LOGS value before a script starts, so a typo fails in a second with a did-you-mean instead
 * of after a long job. By default the check is against the included compiler's registry (the names a script
 * using compilog's compiler can name); `--registry pytorch-2.11` or a JSON file checks against another.
 */
import {
  CompilogError,
  compareCodePoints,
  defaultLogRegistry,
  defaultModuleResolver,
  E_LOGS_HELP,
  E_LOGS_HELP_VERBOSE,
  helpMessage,
  isCompilogError,
  type LogRegistry,
  loadRegistry,
  type ModuleResolver,
  parseTorchLogs,
} from '../logging/index.js';

/** The name of the included compiler's registry for `--registry`. */
export const COMPILER_REGISTRY = 'compilog';

export interface CheckRegistry {
  registry: LogRegistry;
  resolver: ModuleResolver;
}

/** The included compiler's subsystems and artifacts, plus every logger name it declares (for qualified names). */
async function compilerRegistry(): Promise<CheckRegistry> {
  // Only the declarations: importing the whole compiler would create its loggers here, and this process
  // must not apply the child's TORCH_LOGS to itself.
  const { QNAMES } = await import('../runtime/registrations.js');
  const registry = defaultLogRegistry().clone();
  const declared = new Set<string>([...registry.logQnames(), ...Object.values(QNAMES)]);
  const base = defaultModuleResolver(registry);
  return {
    registry,
    resolver: {
      exists: (q) => declared.has(q) || base.exists(q),
      submodules: (q) => [...declared].filter((d) => d.startsWith(`${q}.`)).sort(compareCodePoints),
    },
  };
}

/** `compilog` (the included compiler), a shipped registry name (`pytorch-2.11`) or a registry JSON file. */
export async function loadCheckRegistry(name: string): Promise<CheckRegistry> {
  if (name === COMPILER_REGISTRY) return compilerRegistry();
  const registry = loadRegistry(name);
  return { registry, resolver: defaultModuleResolver(registry) };
}

export type LogsCheck =
  | { kind: 'ok' }
  | { kind: 'help'; text: string }
  | { kind: 'error'; error: CompilogError };

/** Parses `value` like the child will; `help` / `+help` give the help text to print instead of running. */
export function checkTorchLogs(value: string, check: CheckRegistry): LogsCheck {
  try {
    parseTorchLogs(value, check.registry, { resolver: check.resolver });
    return { kind: 'ok' };
  } catch (err) {
    if (isCompilogError(err) && (err.code === E_LOGS_HELP || err.code === E_LOGS_HELP_VERBOSE)) {
      return { kind: 'help', text: runHelpText(check.registry, err.code === E_LOGS_HELP_VERBOSE) };
    }
    if (isCompilogError(err)) return { kind: 'error', error: err };
    return {
      kind: 'error',
      error: new CompilogError('E_INTERNAL', `TORCH_LOGS check failed: ${(err as Error)?.message ?? err}`),
    };
  }
}

/**
 * PyTorch's help layout, then (for `help`) the names of the artifacts it hides, so that `TORCH_LOGS=help`
 * names every subsystem and artifact there is.
 */
export function runHelpText(registry: LogRegistry, verbose: boolean): string {
  const text = helpMessage(registry, { verbose });
  if (verbose) return text;
  const hidden = [...registry.artifacts.values()]
    .filter((a) => !a.visible)
    .map((a) => a.name)
    .sort(compareCodePoints);
  if (hidden.length === 0) return text;
  return `${text}\nAlso registered (TORCH_LOGS='+help' describes them):\n  ${hidden.join(', ')}\n`;
}

/** The text printed for a rejected value: PyTorch's message, then the code and what to do. */
export function formatLogsError(error: CompilogError, source: string): string {
  const message = error.message.replace(/^\n+/, '').replace(/\n+$/, '');
  return (
    `compilog: TORCH_LOGS (${source}) is not valid; the script was not started.\n${message}\n` +
    `compilog [${error.code}]${error.hint === undefined ? '' : `: ${error.hint}`}\n`
  );
}
