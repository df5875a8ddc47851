// compilog's public API: re-exports only.

export * from './artifacts/index.js';
export * from './logging/index.js';
// Both layers know the rank; the logging layer's setRank/currentRank are the public ones.
export { currentRank, setRank } from './logging/index.js';
// The tlparse-compatible static report (`compilog report`).
export * from './report/index.js';
// The included tensor compiler: Tensor, tensor/randn/..., compile(), the graph IR.
export * from './runtime/index.js';
