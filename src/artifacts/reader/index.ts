// The trace reader's public surface: one streaming parser for PyTorch's TORCH_TRACE logs and ours.
export * from './compile-id.js';
export { type ScanResult, scanTraceFile, scanTraceFileSync } from './drive.js';
export * from './envelope.js';
export * from './files.js';
export { type GlogMatch, matchGlogBytes, matchGlogText } from './glog.js';
export type { LineParserOptions, ParseCallbacks, PayloadView } from './line-parser.js';
export { payloadBytes } from './payload-bytes.js';
export * from './read-trace.js';
export { sniffTraceFile, type TraceSniff } from './sniff.js';
export * from './stacks.js';
