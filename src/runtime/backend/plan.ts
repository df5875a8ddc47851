/**
 * The analysis half of the pipeline, without code generation: lower, build buffers, fuse, schedule.
 * compileGraph runs it on a cache miss; tests and tools call it to see the fusion decisions and plan.
 */
import type { Graph } from '../ir/graph.js';
import { type BufferGraph, buildBuffers } from './buffers.js';
import { type FusionOptions, type FusionResult, fuse } from './fusion.js';
import { type LoweredGraph, lowerGraph } from './lower.js';
import { type Schedule, schedule } from './schedule.js';

export interface GraphPlan {
  readonly lowered: LoweredGraph;
  readonly buffers: BufferGraph;
  readonly fusion: FusionResult;
  readonly schedule: Schedule;
}

export function planGraph(graph: Graph, options: FusionOptions = {}): GraphPlan {
  const lowered = lowerGraph(graph);
  const buffers = buildBuffers(lowered.graph, lowered.live);
  const fusion = fuse(buffers, options);
  return { lowered, buffers, fusion, schedule: schedule(buffers, fusion) };
}
