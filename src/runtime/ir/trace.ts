/** Records a user function over lazy inputs into a Graph (capture without guards or caching). */
import type { TensorMeta, TensorValue } from '../core/types.js';
import { withMode } from '../dispatch/mode.js';
import type { Tensor } from '../tensor.js';
import type { Graph } from './graph.js';
import { GraphRecorder, type RecorderOptions } from './recorder.js';

export type TraceableFn = (...args: Tensor[]) => Tensor | readonly Tensor[];

/** Inputs are named by `names` (default x0, x1, ...); only their metadata is used. */
export function traceGraph(
  fn: TraceableFn,
  inputs: readonly TensorMeta[],
  options: RecorderOptions & { names?: readonly string[] } = {},
): Graph {
  const recorder = new GraphRecorder(options);
  const lazy = inputs.map((m, i) => recorder.input(options.names?.[i] ?? `x${i}`, m));
  const result = withMode(recorder, () => fn(...lazy));
  const outputs: readonly TensorValue[] = Array.isArray(result) ? result : [result as Tensor];
  recorder.output(outputs);
  return recorder.graph;
}
