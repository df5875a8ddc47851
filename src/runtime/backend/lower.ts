/**
 * Lowering (`aot`): composite ops (softmax, log_softmax, layer_norm, mean, linear) become pointwise,
 * reduction, matmul and view primitives (the graph is re-recorded with their decompositions), then dead
 * nodes are dropped. gelu stays one pointwise op with the eager kernel's expression (as Inductor lowers
 * aten.gelu), so compiled and eager agree bit for bit. Shapes and strides ride along on every node's meta, so later stages read them there.
 * Emits `aot_graphs` (log) and `aot_inference_graph` (trace), as AOTAutograd does for inference graphs.
 */

import { traceStructured } from '../../artifacts/index.js';
import { getArtifactLogger, getLogger } from '../../logging/index.js';
import type { Attrs, Operand, TensorValue } from '../core/types.js';
import { dispatch } from '../dispatch/dispatch.js';
import { withMode } from '../dispatch/mode.js';
import { retraceInto } from '../ir/decompose.js';
import type { Graph, Node } from '../ir/graph.js';
import { printGraph } from '../ir/printer.js';
import { GraphRecorder } from '../ir/recorder.js';
import type { OpDef, OutMeta } from '../ops/op-def.js';
import { QNAMES } from '../registrations.js';
import { KEPT_COMPOSITES } from './expressions.js';

const log = getLogger(`${QNAMES.aot}.lowering`);
const aotGraphs = getArtifactLogger(QNAMES.aot, 'aot_graphs');

export interface LoweredGraph {
  readonly graph: Graph;
  /** The nodes that contribute to an output, in topological order (dead code removed). */
  readonly live: readonly Node[];
}

export function lowerGraph(captured: Graph): LoweredGraph {
  const graph = decomposeForBackend(captured);
  const live = liveNodes(graph);
  const dropped = graph.nodes.length - live.length;
  log.debug(
    () =>
      `lowered ${countCalls(captured.nodes)} ops to ${countCalls(live)} primitives` +
      (dropped > 0 ? ` (${dropped} dead node(s) dropped)` : ''),
  );
  // Printed at most once, by whichever of the log and the trace asks first.
  let printed: string | undefined;
  const text = () => {
    printed ??= printLowered(graph);
    return printed;
  };
  aotGraphs(() => `TRACED GRAPH\n ===== Forward graph 0 =====\n ${text()}`);
  traceStructured('aot_inference_graph', {}, text);
  return { graph, live };
}

/** The lowered graph in the form PyTorch prints AOT graphs (`class <lambda>(torch.nn.Module)`). */
export function printLowered(graph: Graph): string {
  return printGraph(graph, { className: '<lambda>' });
}

/** Records composites as their decompositions, except those codegen emits directly (gelu). */
class LoweringRecorder extends GraphRecorder {
  override dispatch(op: OpDef, inputs: readonly Operand[], attrs: Attrs, meta: OutMeta): TensorValue {
    if (op.decompose !== undefined && !KEPT_COMPOSITES.has(op.name)) {
      return withMode(this, () => op.decompose!(inputs, attrs, dispatch));
    }
    return super.dispatch(op, inputs, attrs, meta);
  }
}

/** ir/decompose.ts's retrace, with the lowering recorder: source lines and constants are kept. */
function decomposeForBackend(graph: Graph): Graph {
  return retraceInto(graph, new LoweringRecorder({ sourceLocations: false }));
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
