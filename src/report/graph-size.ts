/**
 * Graph size at a glance: the FX node count of a printed graph, counted the way FX counts nodes
 * (placeholders + one node per bound name + the output), so it matches compilation_metrics' graph_node_count
 * for dynamo_output_graph. An estimate for other printed graphs; the metrics' numbers win when logged.
 */
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
/**
 * One FX node per line: `x: "f32[2]" = ...` or `x = ...` at the start of an indented line, except Dynamo's
 * printed renames of placeholders (`l_x_ = L_x_`), plus the output (`return ...`). One pass, no captures.
 */
const NODE_OR_OUTPUT =
  /^[ \t]+(?:return\b|[A-Za-z_]\w*(?:[ \t]*:[ \t]*[^=\n]+?)?[ \t]*=[ \t](?![ \t]*[A-Za-z_]\w*[ \t]*$))/gm;
const SIGNATURE = 'def forward(';

export function isGraphPayload(kind: string, artifactName?: string): boolean {
  return GRAPH_KINDS.has(kind) || (artifactName !== undefined && GRAPH_ARTIFACT.test(artifactName));
}

/** Parameters of one `def forward(self, a: "T", b, ...)` signature (types and comments stripped). */
function countParams(sig: string): number {
  let n = 0;
  const clean = sig.replace(/"[^"\n]*"|'[^'\n]*'/g, '""').replace(/#[^\n]*/g, '');
  for (const part of clean.split(',')) {
    const name = /^\s*\**([A-Za-z_]\w*)/.exec(part);
    if (name !== null && name[1] !== 'self') n++;
  }
  return n;
}

export function countGraphNodes(text: string): number {
  let n = 0;
  // placeholders: the forward signatures (the body is counted from where they end)
  let bodyStart = 0;
  const bodies: string[] = [];
  for (let at = text.indexOf(SIGNATURE); at >= 0; at = text.indexOf(SIGNATURE, bodyStart)) {
    const end = text.indexOf('):', at);
    if (end < 0) break;
    bodies.push(text.slice(bodyStart, at));
    n += countParams(text.slice(at + SIGNATURE.length, end));
    bodyStart = end + 2;
  }
  bodies.push(text.slice(bodyStart));
  for (const body of bodies) {
    NODE_OR_OUTPUT.lastIndex = 0;
    while (NODE_OR_OUTPUT.exec(body) !== null) n++;
  }
  return n;
}

export type GraphSizeSource = 'metrics' | 'estimate';

export interface GraphSize {
  nodes: number | null;
  ops: number | null;
  source: GraphSizeSource;
}

/** `1 node`, `6 nodes` */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `6 nodes / 3 ops` (or what of it is known) */
export function formatGraphSize(s: GraphSize): string {
  const parts: string[] = [];
  if (s.nodes !== null) parts.push(plural(s.nodes, 'node'));
  if (s.ops !== null) parts.push(plural(s.ops, 'op'));
  return parts.join(' / ');
}
