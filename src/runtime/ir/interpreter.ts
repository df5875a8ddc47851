/**
 * The reference interpreter: runs a Graph node by node with the eager kernels, no modes. It is the
 * oracle the compiled (fused, generated) code will be tested against.
 */
import { badArgument } from '../core/errors.js';
import { sameShape } from '../core/shape.js';
import type { TensorValue } from '../core/types.js';
import { dispatch } from '../dispatch/dispatch.js';
import { withoutModes } from '../dispatch/mode.js';
import { Tensor } from '../tensor.js';
import type { Graph, Node } from './graph.js';

/** Runs `graph` on `args`; returns its outputs, or the values of `outputs` when given. */
export function interpret(
  graph: Graph,
  args: readonly TensorValue[],
  outputs: readonly Node[] = graph.outputs,
): Tensor[] {
  const placeholders = graph.placeholders;
  if (args.length !== placeholders.length) {
    throw badArgument(`graph takes ${placeholders.length} input(s) but ${args.length} were given`);
  }
  const env = new Map<Node, TensorValue>();
  placeholders.forEach((p, i) => {
    if (!sameShape(p.meta.shape, args[i].shape)) {
      throw badArgument(
        `input '${p.argName}' has shape [${args[i].shape.join(', ')}] but the graph was built for [${p.meta.shape.join(', ')}]`,
      );
    }
    env.set(p, args[i]);
  });
  return withoutModes(() => {
    const last = outputs.reduce((m, o) => Math.max(m, o.id), -1);
    for (const node of graph.nodes) {
      if (node.id > last) break; // nothing after the last value asked for is needed
      if (node.kind === 'constant') env.set(node, { ...node.value!, lazy: null });
      if (node.kind !== 'call') continue;
      const inputs = node.inputs.map((a) => (typeof a === 'number' ? a : env.get(a)!));
      env.set(node, dispatch(node.op, inputs, node.attrs));
    }
    return outputs.map((o) => Tensor.wrap(env.get(o)!));
  });
}
