/**
 * Re-traces a graph through a recorder: with `decompose`, composite nodes (softmax, layer_norm, gelu,
 * mean, linear) become pointwise/reduction/matmul/view primitives. This is the `aot` lowering pass.
 */

import type { TensorMeta, TensorValue } from '../core/types.js';
import { dispatch } from '../dispatch/dispatch.js';
import { withMode } from '../dispatch/mode.js';
import type { Graph, Node } from './graph.js';
import { GraphRecorder } from './recorder.js';

export function retrace(graph: Graph, options: { decompose: boolean }): Graph {
  return retraceInto(graph, new GraphRecorder({ decompose: options.decompose, sourceLocations: false }));
}

/**
 * Replays `graph` through `recorder` (a dispatch mode) and returns the graph it records: the one loop behind
 * decomposition, the backend's lowering and capture's re-specialisation. `inputMetas` replaces placeholders'
 * metadata (new sizes); source locations and constants are kept.
 */
export function retraceInto(
  graph: Graph,
  recorder: GraphRecorder,
  inputMetas: readonly (TensorMeta | undefined)[] = [],
): Graph {
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

export const decompose = (graph: Graph): Graph => retrace(graph, { decompose: true });
