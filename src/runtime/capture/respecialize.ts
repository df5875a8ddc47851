/**
 * Re-records a captured graph for other input shapes: placeholders take the new metadata and every op
 * infers its output shape again (the op table raises shape errors exactly as in eager mode). This is how
 * a dynamic-shape entry is reused for sizes it was not traced with, without running the user's function,
 * and how dynamic shapes are validated (with sentinel sizes) before an entry is generalised.
 */

import { contiguousStrides } from '../core/shape.js';
import type { TensorMeta } from '../core/types.js';
import { retraceInto } from '../ir/decompose.js';
import type { Graph } from '../ir/graph.js';
import { GraphRecorder } from '../ir/recorder.js';

export function respecialize(graph: Graph, inputMetas: readonly TensorMeta[]): Graph {
  return retraceInto(graph, new GraphRecorder({ sourceLocations: false }), inputMetas);
}

/** Contiguous metadata for `shape` (the layout dynamic inputs are required to have). */
export function contiguousMeta(shape: readonly number[]): TensorMeta {
  return { shape: [...shape], strides: contiguousStrides(shape), offset: 0, dtype: 'float32' };
}
