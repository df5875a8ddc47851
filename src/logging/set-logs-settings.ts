/**
 * `setLogs({...})` options -> LogSettings, with the checks and messages of PyTorch's `torch._logging.set_logs`:
 * a level for an alias / qname, a boolean for an artifact, anything else rejected. Applying the settings
 * (and the rule that TORCH_LOGS, when set, wins over setLogs) is the state's job, not this module's.
 *
 * Order: `all` first (PyTorch forwards it first as the `torch` alias), then the other keys in object order, then
 * `modules` in object order; later entries win per qname. (PyTorch applies its keyword arguments in a fixed
 * order instead of call order; that only matters for overlapping aliases such as `dynamo` / `export`.)
 */
import { suggestNames } from './did-you-mean.js';
import { CompilogError } from './errors.js';
import { LEVEL_BY_NAME, type LevelName } from './levels.js';
import {
  applyRegistrations,
  defaultModuleResolver,
  expandModule,
  type ModuleResolver,
  RegistrationPlan,
} from './module-names.js';
import type { ParsedTorchLogs } from './parse.js';
import type { LogRegistry } from './registry.js';

/** A level (name or Python number), an artifact toggle, or null/undefined for "leave alone". */
export type SetLogsValue = LevelName | number | boolean | null | undefined;

export interface SetLogsOptions {
  /** Level of every registered logger (PyTorch: the `torch` alias). */
  all?: LevelName | number | null;
  /** qualified logger names, aliases or artifacts (PyTorch's `modules={...}`). */
  modules?: Readonly<Record<string, SetLogsValue>> | null;
  /** Any alias (a level) or artifact (a boolean) of the registry. */
  [name: string]: SetLogsValue | Readonly<Record<string, SetLogsValue>>;
}

export interface SetLogsSettingsOptions {
  resolver?: ModuleResolver;
  /** Apply qname registrations to the registry (PyTorch does). Default false. */
  register?: boolean;
}

export const E_SETLOGS_UNKNOWN_NAME = 'E_SETLOGS_UNKNOWN_NAME';
export const E_SETLOGS_ARTIFACT_VALUE = 'E_SETLOGS_ARTIFACT_VALUE';
export const E_SETLOGS_LEVEL = 'E_SETLOGS_LEVEL';

/** Python's `logging._levelToName` keys, in its order (the order PyTorch's message lists them). */
const PYTHON_LEVELS = [50, 40, 30, 20, 10, 0];

export function settingsFromSetLogs(
  options: SetLogsOptions,
  registry: LogRegistry,
  settingsOptions: SetLogsSettingsOptions = {},
): ParsedTorchLogs {
  const result: ParsedTorchLogs = {
    qnames: new Map(),
    artifacts: new Set(),
    registrations: { aliases: [], childLogs: [] },
  };
  const plan = new RegistrationPlan(registry);
  const resolver = settingsOptions.resolver ?? defaultModuleResolver(registry);
  const entries: Array<[string, unknown, boolean]> = [];
  if (options.all !== undefined) entries.push(['all', options.all, true]);
  for (const [key, value] of Object.entries(options)) {
    if (key !== 'all' && key !== 'modules') entries.push([key, value, true]);
  }
  const modules = options.modules;
  if (modules !== undefined && modules !== null) {
    if (typeof modules !== 'object' || Array.isArray(modules)) {
      throw new CompilogError(
        E_SETLOGS_UNKNOWN_NAME,
        `Expected an object for modules, received ${pythonStr(modules)}`,
        "Pass modules as { 'qualified.logger.name': 'DEBUG', artifact_name: true }.",
      );
    }
    for (const [key, value] of Object.entries(modules)) entries.push([key, value, false]);
  }

  for (const [name, value, topLevel] of entries) {
    if (value === null || value === undefined) continue;
    const enable = (qnames: Iterable<string>): void => {
      const level = toLevel(name, value);
      for (const q of qnames) result.qnames.set(q, level);
    };
    if (name === 'all' && topLevel) enable(plan.allQnames());
    else if (registry.isArtifact(name)) {
      if (typeof value !== 'boolean') {
        throw new CompilogError(
          E_SETLOGS_ARTIFACT_VALUE,
          `Expected bool to enable artifact ${name}, received ${pythonStr(value)}`,
          `Artifacts are switches: pass ${name}: true to turn it on (false leaves it off).`,
        );
      }
      if (value) result.artifacts.add(name);
    } else if (plan.isLog(name)) enable(plan.aliasQnames(name));
    else if (plan.isChildLog(name)) enable([name]);
    else if (resolver.exists(name)) {
      toLevel(name, value); // validate before registering anything
      const qnames = expandModule(resolver, name);
      for (const q of qnames) plan.registerModule(q);
      enable(qnames);
    } else {
      const suggestions = suggestNames(name, plan.knownNames());
      throw new CompilogError(
        E_SETLOGS_UNKNOWN_NAME,
        `Unrecognized log or artifact name passed to set_logs: ${name}`,
        (suggestions.length > 0 ? `Did you mean ${suggestions.map((s) => `'${s}'`).join(', ')}? ` : '') +
          (name === 'all' ? "'all' goes at the top level (setLogs({ all: 'INFO' })), not in modules. " : '') +
          'Names are aliases, artifacts or known logger names; TORCH_LOGS=help lists them.',
      );
    }
  }
  result.registrations = plan.result();
  if (settingsOptions.register) applyRegistrations(registry, result.registrations);
  return result;
}

/** A setLogs level: a Python level number (50, 40, 30, 20, 10, 0) or a level name. */
function toLevel(name: string, value: unknown): number {
  if (typeof value === 'number' && PYTHON_LEVELS.includes(value)) return value;
  if (typeof value === 'string' && Object.hasOwn(LEVEL_BY_NAME, value))
    return LEVEL_BY_NAME[value as LevelName];
  throw new CompilogError(
    E_SETLOGS_LEVEL,
    `Unrecognized log level for log ${name}: ${pythonStr(value)}, valid level values are: ${PYTHON_LEVELS.join(',')}`,
    "Use 'DEBUG', 'INFO', 'WARNING', 'ERROR' or 'CRITICAL' (or 10, 20, 30, 40, 50; 0 means inherit from the parent).",
  );
}

/** How Python's f-string would show the value (True/False/None for the JS equivalents). */
function pythonStr(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null) return 'None';
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}
