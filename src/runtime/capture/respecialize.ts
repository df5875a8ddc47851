/**
 * Re-records a captured graph for other input shapes: placeholders take the new metadata and every op
 * infers its output shape again (the op table raises shape errors exactly as in eager mode). This is how
 * a dynamic-shape entry is reused for sizes it was not traced with, without running the user's function,
 * and how dynamic shapes are validated (with sentinel sizes) before an entry is generalised.
 */

import { contiguousStrides } from '../core/shape.js';
import type { TensorMeta, TensorValue } from '../core/types.js';
import { dispatch } from '../dispatch/dispatch.js';
import { withMode } from '../dispatch/mode.js';
import type { Graph, Node } from '../ir/graph.js';
import { GraphRecorder } from '../ir/recorder.js';

export function respecialize(graph: Graph, inputMetas: readonly TensorMeta[]): Graph {
  const recorder = new GraphRecorder({ sourceLocations: false });
  const env = new Map<Node, TensorValue>();
  graph.placeholders.forEach((p, i) => {
    env.set(p, recorder.input(p.argName ?? p.name, inputMetas[i] ?? p.meta, p.source));
  });
  const outputs = withMode(recorder, () => {
    for (const node of graph.nodes) {
      if (node.kind === 'constant') env.set(node, { ...node.value!, lazy: null });
      if (node.kind !== 'call') continue;
      const inputs = node.inputs.map((a) => (typeof a === 'number' ? a : env.get(a)!));
      recorder.sourceOverride = node.source;
      env.set(node, dispatch(node.op, inputs, node.attrs));
    }
    return graph.outputs.map((o) => env.get(o)!);
  });
  recorder.output(outputs);
  return recorder.graph;
}

/** Contiguous metadata for `shape` (the layout dynamic inputs are required to have). */
export function contiguousMeta(shape: readonly number[]): TensorMeta {
  return { shape: [...shape], strides: contiguousStrides(shape), offset: 0, dtype: 'float32' };
}
