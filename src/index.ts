// compilog's public API: re-exports only.

export * from './artifacts/index.js';
export * from './logging/index.js';
// Both layers know the rank; the logging layer's setRank/currentRank are the public ones.
export { currentRank, setRank } from './logging/index.js';
