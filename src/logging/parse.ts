/**
 * The TORCH_LOGS parser, with PyTorch 2.11's semantics (`_parse_log_settings`):
 *   1. `""` -> no settings (PyTorch crashes here; we don't); exactly `help` / `+help` -> the help text (thrown);
 *   2. the whole-string syntax check (torch-logs-syntax.ts); failure names the *raw* string;
 *   3. remove all whitespace, split on `,`; per token: `+` DEBUG, none INFO, `-` ERROR; `all` -> the `torch`
 *      alias; an alias sets every one of its qnames; an artifact is enabled (prefix ignored); a qualified
 *      logger name sets itself and its known descendants; anything else fails, naming the *stripped* string.
 * Last token wins per qname. Parsing is pure: module-token registrations are returned, and applied to the
 * registry only with `{ register: true }`.
 */
import { suggestNames } from './did-you-mean.js';
import { CompilogError } from './errors.js';
import { type HelpExamples, helpMessage } from './help.js';
import { DEBUG, ERROR, INFO } from './levels.js';
import {
  applyRegistrations,
  defaultModuleResolver,
  expandModule,
  type ModuleResolver,
  RegistrationPlan,
  type Registrations,
} from './module-names.js';
import type { LogRegistry } from './registry.js';
import type { LogSettings } from './settings.js';
import { findSyntaxProblem, isValidTorchLogsSyntax, stripPythonWhitespace } from './torch-logs-syntax.js';

export type { ModuleResolver } from './module-names.js';

export interface ParseOptions {
  /** Decides which qualified logger names exist; default: the registry's logger names (defaultModuleResolver). */
  resolver?: ModuleResolver;
  /** Apply module-token registrations to `registry`, as PyTorch does. Default false: the registry is untouched. */
  register?: boolean;
  /** Examples block of the help text thrown for `help` / `+help` (see helpMessage). */
  helpExamples?: HelpExamples;
  /**
   * Strip one pair of matching outer quotes first (`"+dynamo"` -> `+dynamo`), as PyTorch does on Windows, where
   * `set TORCH_LOGS="+dynamo"` keeps the quotes. Default: true on Windows only, like PyTorch.
   */
  stripOuterQuotes?: boolean;
}

export interface ParsedTorchLogs extends LogSettings {
  /** What naming qualified logger names registers (already applied when `register` was set). */
  registrations: Registrations;
}

/** Error codes of the TORCH_LOGS parser. */
export const E_LOGS_SYNTAX = 'E_LOGS_SYNTAX';
export const E_LOGS_UNKNOWN_NAME = 'E_LOGS_UNKNOWN_NAME';
export const E_LOGS_HELP = 'E_LOGS_HELP';
export const E_LOGS_HELP_VERBOSE = 'E_LOGS_HELP_VERBOSE';

/** A rejected TORCH_LOGS string: `message` is PyTorch's text; the rest says where and what to do. */
export class TorchLogsError extends CompilogError {
  constructor(
    code: string,
    message: string,
    hint: string,
    readonly stage: 'syntax' | 'name_lookup',
    /** 1-based column (in code points) of the offending character or item in the string as given. */
    readonly column: number,
    /** The offending item as written (with its prefix); for a syntax error, the offending character. */
    readonly token: string,
    readonly suggestions: readonly string[] = [],
  ) {
    super(code, message, hint);
    this.name = 'TorchLogsError';
  }

  override toJSON(): { code: string; message: string; hint?: string } & Record<string, unknown> {
    return {
      ...super.toJSON(),
      stage: this.stage,
      column: this.column,
      token: this.token,
      suggestions: [...this.suggestions],
    };
  }
}

/** PyTorch's `_invalid_settings_err_msg`, byte for byte (leading and trailing newline included). */
export function invalidSettingsMessage(settings: string, validSettings: readonly string[]): string {
  return (
    `\nInvalid log settings: ${settings}, must be a comma separated list of fully\n` +
    'qualified module names, registered log names or registered artifact names.\n' +
    'For more info on various settings, try TORCH_LOGS="help"\n' +
    `Valid settings:\n${validSettings.join(', ')}\n`
  );
}

export function parseTorchLogs(
  settings: string,
  registry: LogRegistry,
  options: ParseOptions = {},
): ParsedTorchLogs {
  const result: ParsedTorchLogs = {
    qnames: new Map(),
    artifacts: new Set(),
    registrations: { aliases: [], childLogs: [] },
  };
  if (options.stripOuterQuotes ?? process.platform === 'win32') settings = stripOuterQuotes(settings);
  if (settings === '') return result;
  if (settings === 'help' || settings === '+help') {
    const verbose = settings === '+help';
    const text = helpMessage(registry, { verbose, examples: options.helpExamples });
    throw new CompilogError(verbose ? E_LOGS_HELP_VERBOSE : E_LOGS_HELP, text);
  }
  if (!isValidTorchLogsSyntax(settings)) throw syntaxError(settings, registry);

  const plan = new RegistrationPlan(registry);
  const resolver = options.resolver ?? defaultModuleResolver(registry);
  const stripped = stripPythonWhitespace(settings);
  const tokens = stripped.split(',');
  tokens.forEach((token, index) => {
    const prefix = token[0];
    const level = prefix === '+' ? DEBUG : prefix === '-' ? ERROR : INFO;
    const name = prefix === '+' || prefix === '-' ? token.slice(1) : token;
    const enable = (qnames: Iterable<string>): void => {
      for (const q of qnames) result.qnames.set(q, level);
    };
    if (name === 'all') enable(plan.allQnames());
    else if (plan.isLog(name)) enable(plan.aliasQnames(name));
    else if (registry.isArtifact(name)) result.artifacts.add(name);
    else if (resolver.exists(name)) {
      const qnames = expandModule(resolver, name);
      for (const q of qnames) plan.registerModule(q);
      enable(qnames);
    } else throw unknownNameError(settings, stripped, token, index, name, plan);
  });
  result.registrations = plan.result();
  if (options.register) applyRegistrations(registry, result.registrations);
  return result;
}

/** PyTorch's `process_env_var_string_for_windows`: one pair of matching outer `"` or `'` quotes. */
export function stripOuterQuotes(settings: string): string {
  const q = settings[0];
  return settings.length >= 2 && (q === '"' || q === "'") && settings.endsWith(q)
    ? settings.slice(1, -1)
    : settings;
}

function syntaxError(settings: string, registry: LogRegistry): TorchLogsError {
  const problem = findSyntaxProblem(settings);
  // The scanner agrees with the regex (tested); the fallback only guards against a future disagreement.
  const index = problem?.index ?? 0;
  const explanation = problem?.explanation ?? 'the value does not follow the TORCH_LOGS grammar.';
  const where = problem?.char
    ? `${JSON.stringify(problem.char)} at column ${index + 1}`
    : `column ${index + 1}`;
  const hint =
    `Syntax error at ${where}: ${explanation}${hyphenSuggestion(settings, registry)} ` +
    "Grammar: [+|-]name items separated by ','; whitespace only right after a comma.";
  return new TorchLogsError(
    E_LOGS_SYNTAX,
    invalidSettingsMessage(settings, registry.validSettings()),
    hint,
    'syntax',
    index + 1,
    problem?.char ?? '',
  );
}

/** `output-code` -> "Did you mean 'output_code'?" when swapping '-' for '_' gives a registered name. */
function hyphenSuggestion(settings: string, registry: LogRegistry): string {
  const valid = new Set(registry.validSettings());
  const fixes = settings
    .split(',')
    .map((item) => stripPythonWhitespace(item).replace(/^[+-]/, ''))
    .filter((name) => name.includes('-') && valid.has(name.replaceAll('-', '_')))
    .map((name) => `'${name.replaceAll('-', '_')}'`);
  return fixes.length > 0 ? ` Did you mean ${fixes.join(', ')}?` : '';
}

function unknownNameError(
  settings: string,
  stripped: string,
  token: string,
  index: number,
  name: string,
  plan: RegistrationPlan,
): TorchLogsError {
  const column = itemColumn(settings, index);
  const suggestions = suggestNames(name, plan.knownNames());
  const parts = [`'${name}' (item ${index + 1}, column ${column}) is not`];
  parts.push(
    name.includes('.')
      ? "'all', a log alias, an artifact or a known logger name."
      : "'all', a log alias or an artifact.",
  );
  if (suggestions.length > 0) parts.push(`Did you mean ${suggestions.map((s) => `'${s}'`).join(', ')}?`);
  if (name === 'help') parts.push("'help' and '+help' work only as the whole value (TORCH_LOGS=help).");
  if (name.includes('.')) {
    parts.push(
      'A qualified name must be a registered logger or one the program has created' +
        nearestAncestorNote(name, plan),
    );
  }
  parts.push('Names are case-sensitive; TORCH_LOGS=help lists them.');
  return new TorchLogsError(
    E_LOGS_UNKNOWN_NAME,
    invalidSettingsMessage(stripped, plan.validSettings()),
    parts.join(' '),
    'name_lookup',
    column,
    token,
    suggestions,
  );
}

function nearestAncestorNote(name: string, plan: RegistrationPlan): string {
  const known = new Set(plan.knownNames());
  const segments = name.split('.');
  for (let n = segments.length - 1; n > 0; n--) {
    const ancestor = segments.slice(0, n).join('.');
    if (known.has(ancestor)) return ` (its nearest known ancestor is '${ancestor}').`;
  }
  return '.';
}

/** 1-based column (code points) where item `index` starts in the raw string (items follow `,` and whitespace). */
function itemColumn(settings: string, index: number): number {
  const chars = Array.from(settings);
  let item = 0;
  let i = 0;
  while (item < index && i < chars.length) {
    if (chars[i] === ',') {
      item++;
      i++;
      while (i < chars.length && stripPythonWhitespace(chars[i]) === '') i++;
    } else i++;
  }
  return i + 1;
}
