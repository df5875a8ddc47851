// The graph IR: types, recording, printing, interpretation, decomposition.
export { decompose, retrace } from './decompose.js';
export { type Arg, Graph, type Node, type NodeKind, type SourceLocation } from './graph.js';
export { interpret } from './interpreter.js';
export { formatType, type PrintOptions, printGraph, py } from './printer.js';
export { GraphRecorder, type RecorderOptions } from './recorder.js';
export { type TraceableFn, traceGraph } from './trace.js';
