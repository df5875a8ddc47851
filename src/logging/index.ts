// The logging layer's public surface. Other folders import only this file.
export * from './compile-context.js';
export * from './errors.js';
export * from './help.js';
export * from './levels.js';
export * from './module-names.js';
export * from './parse.js';
export * from './registry.js';
export * from './registry-file.js';
export * from './set-logs-settings.js';
export * from './settings.js';
export * from './shipped-registries.js';
export * from './sinks/batched-writer.js';
export * from './sinks/exit-flush.js';
export { findSyntaxProblem, isValidTorchLogsSyntax, type SyntaxProblem } from './torch-logs-syntax.js';
