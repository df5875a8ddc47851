// The logging layer's public surface. Other folders import only this file.
export * from './compile-context.js';
export * from './errors.js';
export * from './levels.js';
export * from './parse.js';
export * from './registry.js';
export * from './shipped-registries.js';
export * from './settings.js';
export * from './sinks/batched-writer.js';
export * from './sinks/exit-flush.js';
