/**
 * Lowering (`aot`): composite ops (softmax, layer_norm, gelu, mean, linear) become pointwise, reduction,
 * matmul and view primitives (ir/decompose.ts re-records the graph with decompositions on), then dead
 * nodes are dropped. Shapes and strides ride along on every node's meta, so later stages read them there.
 * Emits `aot_graphs` (log) and `aot_inference_graph` (trace), as AOTAutograd does for inference graphs.
 */

import { traceStructured } from '../../artifacts/index.js';
import { getArtifactLogger, getLogger } from '../../logging/index.js';
import { decompose } from '../ir/decompose.js';
import type { Graph, Node } from '../ir/graph.js';
import { printGraph } from '../ir/printer.js';
import { QNAMES } from '../registrations.js';

const log = getLogger(`${QNAMES.aot}.lowering`);
const aotGraphs = getArtifactLogger(QNAMES.aot, 'aot_graphs');

export interface LoweredGraph {
  readonly graph: Graph;
  /** The nodes that contribute to an output, in topological order (dead code removed). */
  readonly live: readonly Node[];
}

export function lowerGraph(captured: Graph): LoweredGraph {
  const graph = decompose(captured);
  const live = liveNodes(graph);
  const dropped = graph.nodes.length - live.length;
  log.debug(
    () =>
      `lowered ${countCalls(captured.nodes)} ops to ${countCalls(live)} primitives` +
      (dropped > 0 ? ` (${dropped} dead node(s) dropped)` : ''),
  );
  aotGraphs(() => `TRACED GRAPH\n ===== Forward graph 0 =====\n ${printLowered(graph)}`);
  traceStructured('aot_inference_graph', {}, () => printLowered(graph));
  return { graph, live };
}

/** The lowered graph in the form PyTorch prints AOT graphs (`class <lambda>(torch.nn.Module)`). */
export function printLowered(graph: Graph): string {
  return printGraph(graph, { className: '<lambda>' });
}

function liveNodes(graph: Graph): Node[] {
  const live = new Set<Node>(graph.outputs);
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i];
    if (!live.has(node)) continue;
    for (const a of node.inputs) if (typeof a !== 'number') live.add(a);
  }
  // Placeholders always stay: they are the graph's calling convention.
  return graph.nodes.filter((n) => live.has(n) || n.kind === 'placeholder');
}

function countCalls(nodes: readonly Node[]): number {
  return nodes.filter((n) => n.kind === 'call').length;
}
