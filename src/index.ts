// compilog's public API: re-exports only.
export * from './logging/index.js';
export * from './artifacts/index.js';
