/**
 * A graph's structure as a string: ops, attributes, wiring, input and output layouts, without names or
 * source lines. Two recordings of the same code path on same-shaped inputs have the same key, which is
 * how a replayed segment finds its compiled graph without printing it.
 */
import type { Graph } from '../ir/graph.js';

export function structureKey(graph: Graph, withOutputs = true): string {
  const parts: string[] = [];
  for (const node of graph.nodes) {
    const meta = `${node.meta.shape.join(',')}/${node.meta.strides.join(',')}/${node.meta.offset}`;
    if (node.kind === 'call') {
      const args = node.inputs.map((a) => (typeof a === 'number' ? `#${a}` : `%${a.id}`)).join(' ');
      parts.push(`${node.op}(${args})${JSON.stringify(node.attrs)}:${meta}`);
    } else {
      parts.push(`${node.kind}:${meta}`);
    }
  }
  if (withOutputs) parts.push(`->${graph.outputs.map((o) => o.id).join(',')}`);
  return parts.join(';');
}
