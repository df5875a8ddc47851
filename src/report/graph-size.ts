/** Graph size at a glance: FX node count of a printed graph (lines that bind a name: `x: "f32[2]" = ...`). */
const GRAPH_KINDS = new Set([
  'dynamo_output_graph',
  'aot_forward_graph',
  'aot_backward_graph',
  'aot_inference_graph',
  'aot_joint_graph',
  'inductor_pre_grad_graph',
  'inductor_post_grad_graph',
  'compiled_autograd_graph',
  'optimize_ddp_split_graph',
  'optimize_ddp_split_child',
]);
const GRAPH_ARTIFACT = /(?:^|_)(?:pre|post)_grad_graph$|^(?:before|after)_recompile_(?:pre|post)_grad$/;
const NODE_LINE = /^\s+[A-Za-z_][\w]*(?:\s*:\s*[^=\n]+?)?\s*=\s/gm;

export function isGraphPayload(kind: string, artifactName?: string): boolean {
  return GRAPH_KINDS.has(kind) || (artifactName !== undefined && GRAPH_ARTIFACT.test(artifactName));
}

export function countGraphNodes(text: string): number {
  let n = 0;
  NODE_LINE.lastIndex = 0;
  while (NODE_LINE.exec(text) !== null) n++;
  return n;
}
