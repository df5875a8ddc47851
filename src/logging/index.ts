// The logging layer's public surface. Other folders import only this file.
export { type CallerInfo, callerFromSites, displayPath } from './caller.js';
export * from './compile-context.js';
export * from './errors.js';
export type { SpanContext, SpanContextProvider } from './format/json.js';
export { BASIC_FORMAT, TEMPLATE_KEYS } from './format/template.js';
export * from './help.js';
export * from './levels.js';
export type { ArtifactLogger, LogFields, Logger, LogMessage, LogMethod } from './logger.js';
export * from './module-names.js';
export * from './parse.js';
export * from './registry.js';
export * from './registry-file.js';
export * from './set-logs-settings.js';
export * from './settings.js';
export * from './shipped-registries.js';
export * from './sinks/batched-writer.js';
export * from './sinks/exit-flush.js';
export { md5Hex } from './sinks/frames.js';
export {
  currentLogSettings,
  currentRank,
  defaultLogRegistry,
  flushLogs,
  getArtifactLogger,
  getLogger,
  initLogs,
  registerArtifact,
  registerLog,
  registerRegistry,
  resetLogging,
  SET_LOGS_IGNORED_WARNING,
  setLogs,
  setRank,
  setSpanContextProvider,
} from './state.js';
export { findSyntaxProblem, isValidTorchLogsSyntax, type SyntaxProblem } from './torch-logs-syntax.js';
