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
    for (let s = 0; s <= body.length; ) {
      let e = body.indexOf('\n', s);
      if (e < 0) e = body.length;
      if (isNodeLine(body, s, e)) n++;
      s = e + 1;
    }
  }
  return n;
}

const isBlank = (c: number) => c === 32 || c === 9;
const isWordStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isWord = (c: number) => isWordStart(c) || (c >= 48 && c <= 57);

/**
 * Whether line [s, e) of `t` is one FX node: an indented `x: "f32[2]" = ...` or `x = ...`, except Dynamo's
 * printed renames of placeholders (`l_x_ = L_x_`), or the output (`return ...`). A scan in one pass: a
 * regular expression for this backtracks for minutes on a hostile line of a few thousand blanks.
 */
function isNodeLine(t: string, s: number, e: number): boolean {
  let i = s;
  while (i < e && isBlank(t.charCodeAt(i))) i++;
  if (i === s || i === e) return false;
  if (t.startsWith('return', i) && (i + 6 >= e || !isWord(t.charCodeAt(i + 6)))) return true;
  if (!isWordStart(t.charCodeAt(i))) return false;
  i++;
  while (i < e && isWord(t.charCodeAt(i))) i++;
  let k = i;
  while (k < e && isBlank(t.charCodeAt(k))) k++;
  if (k < e && t.charCodeAt(k) === 58 /* : */) {
    // an annotation: at least one character, then the first `=` of the line
    const eq = t.indexOf('=', k + 1);
    if (eq < 0 || eq >= e || eq === k + 1) return false;
    k = eq;
  }
  if (k >= e || t.charCodeAt(k) !== 61 /* = */ || k + 1 >= e || !isBlank(t.charCodeAt(k + 1))) return false;
  // a rename: nothing after the `=` but one name
  let r = k + 1;
  while (r < e && isBlank(t.charCodeAt(r))) r++;
  let end = e;
  while (end > r && (isBlank(t.charCodeAt(end - 1)) || t.charCodeAt(end - 1) === 13)) end--;
  if (r < end && isWordStart(t.charCodeAt(r))) {
    let w = r + 1;
    while (w < end && isWord(t.charCodeAt(w))) w++;
    if (w === end) return false;
  }
  return true;
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
