// The artifacts layer's public surface. Other folders import only this file.

export * from './reader/index.js';
export * from './trace/index.js';
