// The artifacts layer's public surface. Other folders import only this file.
export * from './trace/index.js';
export * from './reader/index.js';
