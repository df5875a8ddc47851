/**
 * Re-traces a graph through a recorder: with `decompose`, composite nodes (softmax, layer_norm, gelu,
 * mean, linear) become pointwise/reduction/matmul/view primitives. This is the `aot` lowering pass.
 */

import type { TensorValue } from '../core/types.js';
import { dispatch } from '../dispatch/dispatch.js';
import { withMode } from '../dispatch/mode.js';
import type { Graph, Node } from './graph.js';
import { GraphRecorder } from './recorder.js';

export function retrace(graph: Graph, options: { decompose: boolean }): Graph {
  const recorder = new GraphRecorder({ decompose: options.decompose, sourceLocations: false });
  const env = new Map<Node, TensorValue>();
  for (const p of graph.placeholders) env.set(p, recorder.input(p.argName ?? p.name, p.meta, p.source));
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

export const decompose = (graph: Graph): Graph => retrace(graph, { decompose: true });
