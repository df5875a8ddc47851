/**
 * The process-wide logging state: the default registry (what exists), the settings in force (what is on),
 * every logger created so far, and the output. Data flows one way: TORCH_LOGS or setLogs -> LogSettings ->
 * apply(), which swaps each logger's methods between the shared noop and an emitting closure.
 *
 * When TORCH_LOGS is read ("registrations complete"): at the first of
 *   - an explicit `initLogs()` (throws a CompilogError on a bad TORCH_LOGS, like PyTorch's import does),
 *   - the first log call or isEnabledFor() on any logger,
 *   - `process.nextTick` after the first getLogger()/getArtifactLogger() (so a bad TORCH_LOGS is reported even
 *     if nothing logs: registrations made in the same synchronous module-loading pass are seen).
 * The lazy paths never throw into the host: they print the error once to stderr and continue with defaults.
 * Registrations made later re-resolve the settings (a late subsystem named in TORCH_LOGS is picked up).
 */
import { callerFromSites, captureCaller } from './caller.js';
import { preciseNow } from './clock.js';
import { type CompileId, currentTraceId, formatTraceId } from './compile-context.js';
import { CompilogError } from './errors.js';
import type { SpanContextProvider } from './format/json.js';
import { BASIC_FORMAT, compileTemplate } from './format/template.js';
import { chalk } from './lazy-deps.js';
import { DEBUG, DEFAULT_LEVEL, NOTSET } from './levels.js';
import {
  type ArtifactLogger,
  type ArtifactLoggerCore,
  createArtifactLogger,
  createLogger,
  installMethods,
  installPending,
  type LogFields,
  type Logger,
  type LoggerCore,
  type LogMessage,
  type SkipFrame,
  setLoggerHooks,
} from './logger.js';
import { defaultModuleResolver, type ModuleResolver } from './module-names.js';
import { type FormatChoice, Output, type TextSink } from './output.js';
import { E_LOGS_UNKNOWN_NAME, parseTorchLogs, TorchLogsError } from './parse.js';
import type { LogRecord } from './record.js';
import { type ArtifactOptions, compareCodePoints, LogRegistry, parentOf } from './registry.js';
import { type SetLogsOptions, settingsFromSetLogs } from './set-logs-settings.js';
import { emptySettings, type LogSettings } from './settings.js';
import { BatchedWriter } from './sinks/batched-writer.js';

/** The message PyTorch prints when set_logs is called while TORCH_LOGS is set (printed once here). */
export const SET_LOGS_IGNORED_WARNING =
  'Using TORCH_LOGS environment variable for log settings, ignoring call to set_logs';

type Env = Record<string, string | undefined>;

/** Internal knobs for tests (fixed clock/pid, captured stderr, forced colour, a private environment). */
export interface LoggingTestOverrides {
  now?: () => number;
  pid?: number;
  hostname?: string;
  stderr?: TextSink;
  colour?: boolean;
  env?: Env;
  /** false: skip the caller's stack capture (the glog line shows `<unknown>:0`); for measuring its cost. */
  captureCaller?: boolean;
}

type Source =
  | { kind: 'none' }
  | { kind: 'env'; value: string }
  | { kind: 'api'; options: SetLogsOptions | string };

const registry = new LogRegistry();
const loggers = new Map<string, LoggerCore>();
const artifactLoggers = new Map<string, ArtifactLoggerCore>();

let overrides: LoggingTestOverrides = {};
let initialized = false;
let tickScheduled = false;
let generation = 0;
let resolving = false;
let source: Source = { kind: 'none' };
let settings: LogSettings = emptySettings();
/** The last TORCH_LOGS parse failure, retried when registrations change or loggers appear. */
let envError: CompilogError | undefined;
let output: Output | undefined;
let stderrWriter: BatchedWriter | undefined;
let outFile: { path: string; writer: BatchedWriter } | undefined;
let rankOverride: number | undefined;
let envRank: number | undefined;
let spanContextProvider: SpanContextProvider | undefined;
let warnedSetLogs = false;
const printed = new Set<string>();
let internalLog: Logger | undefined;

setLoggerHooks({ ensureInit, emit });
registry.onChange(onRegistryChange);

function env(): Env {
  return overrides.env ?? process.env;
}

// ---------------------------------------------------------------------------------------------------------
// Registry

/** The default registry: the included compiler and users register their subsystems and artifacts here. */
export function defaultLogRegistry(): LogRegistry {
  return registry;
}

/** Registers a subsystem: `alias` (the TORCH_LOGS name) sets the level of every logger in `qnames`. */
export function registerLog(alias: string, qnames: string | readonly string[]): void {
  registry.registerLog(alias, qnames);
}

/** Registers an artifact (a named channel of compiler output, e.g. `graph_code`). */
export function registerArtifact(name: string, options: ArtifactOptions = {}): void {
  if (options.logFormat !== undefined) {
    try {
      compileTemplate(options.logFormat);
    } catch (err) {
      if (err instanceof CompilogError) {
        throw new CompilogError(err.code, `registerArtifact('${name}'): ${err.message}`, err.hint);
      }
      throw err;
    }
  }
  registry.registerArtifact(name, options);
}

/** Copies every alias and artifact of `other` (e.g. `loadShippedRegistry('pytorch-2.11')`) into the default registry. */
export function registerRegistry(other: LogRegistry): void {
  for (const [alias, qnames] of other.aliases) registry.registerLog(alias, qnames);
  for (const [name, info] of other.artifacts) registry.registerArtifact(name, info);
}

// ---------------------------------------------------------------------------------------------------------
// Loggers

/** The logger for a qualified name (`torch._dynamo`, `mycompiler.codegen`); the same object for the same name. */
export function getLogger(qname: string): Logger {
  let logger = loggers.get(qname);
  if (logger !== undefined) {
    if (!initialized) scheduleInit();
    return logger;
  }
  logger = createLogger(qname);
  loggers.set(qname, logger);
  registry.registerKnownLogger(qname);
  afterCreate(logger);
  return logger;
}

/**
 * The logger of `artifact` for module `moduleQname` (named `<moduleQname>.__<artifact>`, as PyTorch does).
 * Callable: `graphCode(() => payload)` logs at DEBUG. Throws E_ARTIFACT_UNREGISTERED for an unknown artifact
 * (a typo at a call site fails at load, not silently).
 */
export function getArtifactLogger(moduleQname: string, artifact: string): ArtifactLogger {
  if (!registry.isArtifact(artifact)) {
    const names = [...registry.artifacts.keys()].sort(compareCodePoints);
    throw new CompilogError(
      'E_ARTIFACT_UNREGISTERED',
      `Artifact name: '${artifact}' not registered, please call registerArtifact('${artifact}') before getArtifactLogger('${moduleQname}', '${artifact}').`,
      names.length === 0
        ? 'No artifact is registered yet: register artifacts (registerArtifact) before creating their loggers.'
        : `Registered artifacts: ${names.join(', ')}`,
    );
  }
  const qname = `${moduleQname}.__${artifact}`;
  let logger = artifactLoggers.get(qname);
  if (logger !== undefined) {
    if (!initialized) scheduleInit();
    return logger;
  }
  logger = createArtifactLogger(qname, artifact);
  artifactLoggers.set(qname, logger);
  registry.registerArtifactLog(qname);
  afterCreate(logger);
  return logger;
}

function afterCreate(logger: LoggerCore): void {
  if (initialized) {
    if (envError !== undefined) {
      // A qualified name in TORCH_LOGS may only now exist.
      if (resolveSettings()) applyAll();
    }
    installMethods(logger, thresholdOf(logger), withCaller());
  } else scheduleInit();
}

function scheduleInit(): void {
  if (tickScheduled) return;
  tickScheduled = true;
  const gen = generation;
  process.nextTick(() => {
    if (gen !== generation) return;
    tickScheduled = false;
    ensureInit();
  });
}

/**
 * Qualified names resolve like the parser's default (aliases' qnames, loggers created so far, child logs), plus
 * every dotted ancestor of a created logger: `c.dynamo` exists once `c.dynamo.guards` does, as a Python package
 * exists once one of its modules does.
 */
function moduleResolver(): ModuleResolver {
  const base = defaultModuleResolver(registry);
  return {
    exists: (qname) => {
      if (base.exists(qname)) return true;
      const prefix = `${qname}.`;
      for (const q of registry.knownLoggers) if (q.startsWith(prefix)) return true;
      return false;
    },
    submodules: (qname) => base.submodules?.(qname) ?? [],
  };
}

/** The nearest explicit level on `qname` or an ancestor (Python's getEffectiveLevel); WARNING by default. */
function levelFor(qname: string): number {
  for (let q = qname; q !== ''; q = parentOf(q)) {
    const level = settings.qnames.get(q);
    if (level !== undefined && level !== NOTSET) return level;
  }
  return DEFAULT_LEVEL;
}

/**
 * The lowest level a logger prints (spec §4.3): an explicitly enabled artifact prints from DEBUG whatever its
 * component's level; an off-by-default artifact prints only when named; other artifacts and plain loggers
 * inherit. Every record is printed once, by the single process-wide output.
 */
function thresholdOf(logger: LoggerCore): number {
  const artifact = logger.artifact;
  if (artifact === undefined) return levelFor(logger.name);
  if (settings.artifacts.has(artifact)) return DEBUG;
  if (registry.isOffByDefault(artifact)) return Number.POSITIVE_INFINITY;
  return levelFor(logger.name);
}

/** Whether enabled methods capture the caller's frame (the active format shows it). */
function withCaller(): boolean {
  return output?.needsCaller ?? true;
}

function applyAll(): void {
  for (const logger of loggers.values()) installMethods(logger, thresholdOf(logger), withCaller());
  for (const logger of artifactLoggers.values()) installMethods(logger, thresholdOf(logger), withCaller());
}

// ---------------------------------------------------------------------------------------------------------
// Initialisation and settings

/** Runs lazy initialisation once; a cheap boolean test afterwards. */
export function ensureInit(): void {
  if (initialized) return;
  try {
    initialize();
  } catch (err) {
    if (err instanceof CompilogError && err.code === E_LOGS_UNKNOWN_NAME) reportUnknownNameLater();
    else reportOnce(err);
  }
}

/**
 * A name TORCH_LOGS mentions may be registered later in the same start-up (a program that uses the included
 * compiler first and registers its own subsystems after): the known items apply at once, and the error is
 * reported only if the name is still unknown once the current turn of the event loop is over (or at exit).
 */
function reportUnknownNameLater(): void {
  const gen = generation;
  const check = (): void => {
    if (gen !== generation) return;
    process.removeListener('exit', check);
    if (envError !== undefined) reportOnce(envError);
  };
  setImmediate(check);
  process.on('exit', check);
}

/**
 * Reads TORCH_LOGS, TORCH_LOGS_FORMAT, TORCH_LOGS_OUT, TORCH_LOGS_TRACE_ID_FILTER and RANK now and applies them.
 * Throws a CompilogError for a bad TORCH_LOGS (E_LOGS_SYNTAX, E_LOGS_UNKNOWN_NAME) or for `help` / `+help`
 * (E_LOGS_HELP / E_LOGS_HELP_VERBOSE, the help text as message); logging still works with default settings.
 * Call it after registering everything, e.g. at the start of a CLI, to fail fast like `import torch` does.
 */
export function initLogs(): void {
  initialize();
}

function initialize(): void {
  initialized = true;
  configureOutput();
  const raw = env().TORCH_LOGS;
  if (raw !== undefined) source = { kind: 'env', value: raw };
  let ok = false;
  try {
    ok = resolveSettings();
  } finally {
    // Even if resolution failed unexpectedly, loggers leave the pending state and use the defaults.
    applyAll();
  }
  if (!ok && envError !== undefined) throw envError;
}

/** Recomputes `settings` from the current source; false when TORCH_LOGS does not parse (envError set). */
function resolveSettings(): boolean {
  if (resolving) return true;
  resolving = true;
  try {
    if (source.kind === 'none') {
      settings = emptySettings();
    } else if (source.kind === 'env') {
      try {
        settings = parseTorchLogs(source.value, registry, { register: true, resolver: moduleResolver() });
        envError = undefined;
      } catch (err) {
        if (!(err instanceof CompilogError)) throw err;
        settings = err.code === E_LOGS_UNKNOWN_NAME ? knownItemsOf(source.value) : emptySettings();
        envError = err;
        return false;
      }
    } else {
      const o = source.options;
      try {
        settings =
          typeof o === 'string'
            ? parseTorchLogs(o, registry, { register: true, resolver: moduleResolver() })
            : settingsFromSetLogs(o, registry, { register: true, resolver: moduleResolver() });
      } catch (err) {
        // Valid when setLogs was called; keep the settings in force if a later registration broke it.
        if (!(err instanceof CompilogError)) throw err;
      }
    }
    return true;
  } finally {
    resolving = false;
  }
}

/**
 * The settings of the items that do resolve, while another is still unknown: each unknown item is dropped
 * (the error names it) and the rest parsed again, so last-wins among the known items is kept.
 */
function knownItemsOf(value: string): LogSettings {
  let items = value.replace(/\s+/gu, '').split(',');
  for (let tries = items.length; tries > 0 && items.length > 0; tries--) {
    try {
      return parseTorchLogs(items.join(','), registry, { resolver: moduleResolver() });
    } catch (err) {
      const token = err instanceof TorchLogsError ? err.token : undefined;
      const at =
        token === undefined
          ? -1
          : items.findIndex((item) => item === token || item.replace(/^[+-]/, '') === token);
      if (!(err instanceof CompilogError) || err.code !== E_LOGS_UNKNOWN_NAME || at < 0) break;
      items = items.filter((_, i) => i !== at);
    }
  }
  return emptySettings();
}

function onRegistryChange(): void {
  if (!initialized || resolving) return;
  resolveSettings();
  output = buildOutput();
  applyAll();
}

/**
 * PyTorch's `set_logs`: replaces the whole state with `options` (`{ all: 'INFO', dynamo: 'DEBUG', graph_code: true,
 * modules: { 'mycompiler.codegen': 'DEBUG' } }`) or with a TORCH_LOGS-grammar string (`'+dynamo,graph_code'`).
 * `setLogs()` resets to defaults. When TORCH_LOGS is set (even to ""), it wins: the call is ignored with
 * PyTorch's warning, printed once. Invalid options throw a CompilogError and leave the state unchanged.
 */
export function setLogs(options: SetLogsOptions | string = {}): void {
  ensureInit();
  if (env().TORCH_LOGS !== undefined) {
    if (!warnedSetLogs) {
      warnedSetLogs = true;
      internalLogger().warning(SET_LOGS_IGNORED_WARNING);
    }
    return;
  }
  resolving = true;
  let next: LogSettings;
  try {
    next =
      typeof options === 'string'
        ? parseTorchLogs(options, registry, { register: true, resolver: moduleResolver() })
        : settingsFromSetLogs(options, registry, { register: true, resolver: moduleResolver() });
  } finally {
    resolving = false;
  }
  source = { kind: 'api', options };
  settings = next;
  configureOutput();
  applyAll();
}

/** The settings in force (for diagnostics and tests). */
export function currentLogSettings(): LogSettings {
  ensureInit();
  return { qnames: new Map(settings.qnames), artifacts: new Set(settings.artifacts) };
}

/** The distributed rank for the `[rankN]:` prefix; overrides env RANK. `undefined` goes back to env RANK. */
export function setRank(rank: number | undefined): void {
  rankOverride = rank;
}

/** The rank log lines carry: setRank's, else env RANK (a non-negative integer), else undefined. */
export function currentRank(): number | undefined {
  if (rankOverride !== undefined) return rankOverride;
  // Every trace record asks; reading process.env costs microseconds, so RANK is read once per environment
  // (like the logging settings, it is fixed for the life of the process).
  const e = env();
  if (rankFromEnv?.env !== e) {
    const rank = e.RANK;
    rankFromEnv = { env: e, rank: rank !== undefined && /^\d+$/.test(rank) ? Number(rank) : undefined };
  }
  return rankFromEnv.rank;
}

let rankFromEnv: { readonly env: Env; readonly rank: number | undefined } | undefined;

/** Sets the hook the OpenTelemetry bridge uses to put trace and span ids on json records. */
export function setSpanContextProvider(provider: SpanContextProvider | undefined): void {
  spanContextProvider = provider;
}

/** Writes out everything buffered (stderr and TORCH_LOGS_OUT). Also done automatically before exit. */
export function flushLogs(): void {
  output?.flush();
}

/**
 * Back to the state before the first use: no settings, not initialised, registrations cleared (unless kept).
 * Loggers already handed out keep working and are re-applied at the next initialisation. For tests.
 */
export function resetLogging(
  options: { keepRegistrations?: boolean; overrides?: LoggingTestOverrides } = {},
): void {
  output?.flush();
  generation++;
  initialized = false;
  tickScheduled = false;
  source = { kind: 'none' };
  settings = emptySettings();
  envError = undefined;
  output = undefined;
  outFile?.writer.close();
  outFile = undefined;
  rankOverride = undefined;
  spanContextProvider = undefined;
  warnedSetLogs = false;
  printed.clear();
  overrides = options.overrides ?? {};
  if (!options.keepRegistrations) {
    registry.aliases.clear();
    registry.artifacts.clear();
    registry.childLogQnames.clear();
  }
  for (const logger of loggers.values()) installPending(logger);
  for (const logger of artifactLoggers.values()) installPending(logger);
}

// ---------------------------------------------------------------------------------------------------------
// Output

function configureOutput(): void {
  const e = env();
  const outPath = e.TORCH_LOGS_OUT;
  if (outFile !== undefined && outFile.path !== outPath) {
    outFile.writer.close();
    outFile = undefined;
  }
  if (outPath !== undefined && outPath !== '' && outFile === undefined) {
    try {
      const path = outPath;
      const onError = (err: Error): void =>
        reportOnce(
          new CompilogError(
            'E_LOGS_OUT_WRITE',
            `TORCH_LOGS_OUT: writing ${JSON.stringify(path)} failed (${err.message}); later records go to stderr only`,
            'Check free space and permissions of that file, or unset TORCH_LOGS_OUT.',
          ),
        );
      outFile = { path, writer: BatchedWriter.appendToFile(path, { offThread: true, onError }) };
    } catch (err) {
      reportOnce(
        new CompilogError(
          'E_LOGS_OUT_OPEN',
          `TORCH_LOGS_OUT: cannot open ${JSON.stringify(outPath)} for appending: ${(err as Error).message}`,
          'Check that the directory exists and is writable; logs still go to stderr.',
        ),
      );
    }
  }
  const rank = e.RANK;
  envRank = rank !== undefined && /^\d+$/.test(rank) ? Number(rank) : undefined;
  output = buildOutput();
}

function buildOutput(): Output {
  const e = env();
  let format: FormatChoice = { kind: 'glog' };
  const fmt = e.TORCH_LOGS_FORMAT;
  if (fmt === 'json') format = { kind: 'json', caller: false };
  else if (fmt !== undefined) {
    try {
      format = {
        kind: 'template',
        template: compileTemplate(fmt === 'short' || fmt === 'basic' ? BASIC_FORMAT : fmt),
      };
    } catch (err) {
      reportOnce(err);
    }
  }
  const filter = e.TORCH_LOGS_TRACE_ID_FILTER;
  const ids = (filter ?? '')
    .split(',')
    .map((s) => s.trim().replace(/^\[(.*)\]$/, '$1'))
    .filter((s) => s !== '');
  return new Output({
    format,
    stderr: overrides.stderr ?? stderrSink(),
    colour: overrides.colour ?? (Boolean(process.stderr.isTTY) && chalk().chalkStderr.level > 0),
    file: outFile?.writer,
    traceFilter: ids.length === 0 ? undefined : new Set(ids),
    artifactFormat: (name) => registry.artifacts.get(name)?.logFormat,
    pid: overrides.pid ?? process.pid,
    ...(overrides.hostname === undefined ? {} : { hostname: overrides.hostname }),
    spanContext: () => spanContextProvider,
    captureCaller: overrides.captureCaller ?? true,
  });
}

function stderrSink(): BatchedWriter {
  // On a terminal a person is watching: write each record at once. Otherwise batch (flushed every event-loop
  // turn and before exit, crash or SIGTERM), written by the write thread.
  if (stderrWriter === undefined) {
    const tty = process.stderr.isTTY === true;
    stderrWriter = new BatchedWriter(2, { highWaterMark: tty ? 1 : 65536, offThread: !tty });
  }
  return stderrWriter;
}

/** Prints an error once per process (by code and message), to stderr, never throwing. */
function reportOnce(err: unknown): void {
  const text =
    err instanceof CompilogError
      ? err.code === 'E_LOGS_HELP' || err.code === 'E_LOGS_HELP_VERBOSE'
        ? `${err.message}\n`
        : `${err.message.replace(/\n+$/, '')}\ncompilog [${err.code}]${err.hint === undefined ? '' : `: ${err.hint}`}\n`
      : `compilog: logging failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`;
  if (printed.has(text)) return;
  printed.add(text);
  try {
    // Written at once: it may be reported while the process is exiting, after stderr's own final flush.
    const sink = overrides.stderr ?? stderrSink();
    sink.write(text);
    sink.flush();
  } catch {
    // nothing left to tell
  }
}

function internalLogger(): Logger {
  internalLog ??= getLogger('compilog.logging');
  return internalLog;
}

// ---------------------------------------------------------------------------------------------------------
// Emission (only reached for enabled levels)

function emit(
  logger: LoggerCore,
  level: number,
  message: LogMessage,
  fields: LogFields | Error | undefined,
  skip: SkipFrame,
  site: unknown,
): void {
  try {
    const out = output;
    if (out === undefined) return;
    const trace = currentTraceId();
    const traceId = trace === undefined ? undefined : traceIdText(trace.compileId, trace.attempt, trace);
    if (out.traceFilter !== undefined && (traceId === undefined || !out.traceFilter.has(traceId))) return;
    let text: string;
    let error: Error | undefined;
    if (typeof message === 'string') text = message;
    else if (typeof message === 'function') text = callThunk(message);
    else if (message instanceof Error) {
      text = message.message;
      error = message;
    } else text = String(message);
    let extra: LogFields | undefined;
    if (fields instanceof Error) error = fields;
    else if (fields !== undefined) {
      extra = fields;
      if (fields.err instanceof Error) error = fields.err;
    }
    const record: LogRecord = {
      name: logger.name,
      level,
      message: text,
      time: overrides.now === undefined ? preciseNow() : overrides.now(),
      artifact: logger.artifact,
      traceId,
      caller: out.needsCaller
        ? site !== undefined
          ? callerFromSites(site)
          : captureCaller(skip)
        : undefined,
      error,
      fields: extra,
      pid: overrides.pid ?? process.pid,
      rank: rankOverride ?? envRank,
    };
    out.write(logger, record);
  } catch (err) {
    reportOnce(err);
  }
}

function callThunk(thunk: () => string): string {
  try {
    return String(thunk());
  } catch (err) {
    return `<log message thunk threw: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}>`;
  }
}

// Trace ids are formatted once per compile attempt, not once per record.
const traceIdCache = new WeakMap<object, string>();
function traceIdText(compileId: CompileId, attempt: number, key: object): string {
  let text = traceIdCache.get(key);
  if (text === undefined) {
    text = formatTraceId({ compileId, attempt });
    traceIdCache.set(key, text);
  }
  return text;
}
