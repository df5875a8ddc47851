/**
 * Prints a Graph the way PyTorch prints `dynamo_output_graph` / `graph_code` (FX print_readable):
 * a forward() with typed placeholders, one line per node with `"f32[shape][strides]cpu"`, source
 * comments, and the `; a = b = None` lines that mark each value's last use.
 */
import type { AttrValue, TensorMeta } from '../core/types.js';
import { getOp } from '../ops/op-table.js';
import type { Arg, Graph, Node, SourceLocation } from './graph.js';

export interface PrintOptions {
  /** Class name in the header (`GraphModule` for dynamo graphs). */
  readonly className?: string;
  readonly device?: string;
  /** Overrides a node's type annotation body (dynamic shapes print `f32[8, s27][s27, 1]cpu`). */
  readonly formatMeta?: (node: Node) => string;
  /** Size symbols taken as leading inputs (`s27: "Sym(s27)"`), as dynamo graphs with dynamic shapes do. */
  readonly symbols?: readonly string[];
}

/** The default print of each graph at its current version: capture's graph_code and trace record and the backend's cache key print the same graph once. */
const printedByGraph = new WeakMap<Graph, { readonly version: number; readonly text: string }>();

export function printGraph(graph: Graph, options: PrintOptions = {}): string {
  const plain =
    options.className === undefined &&
    options.device === undefined &&
    options.formatMeta === undefined &&
    options.symbols === undefined;
  if (!plain) return print(graph, options);
  const memo = printedByGraph.get(graph);
  if (memo !== undefined && memo.version === graph.version) return memo.text;
  const text = print(graph, options);
  printedByGraph.set(graph, { version: graph.version, text });
  return text;
}

// Written with plain loops and string concatenation: each graph is printed once or twice per compile, mostly
// before V8 has optimised this code, where array helpers (map, spread, Object.entries) cost the most.
function print(graph: Graph, options: PrintOptions): string {
  const device = options.device ?? 'cpu';
  const formatMeta = options.formatMeta;
  const type = (n: Node): string =>
    `"${formatMeta === undefined ? formatType(n.meta, device) : formatMeta(n)}"`;
  const placeholders = graph.placeholders;
  let params = '';
  for (const s of options.symbols ?? []) params += `, ${s}: "Sym(${s})"`;
  for (const p of placeholders) params += `, ${upper(p.name)}: ${type(p)}`;
  let out = `class ${options.className ?? 'GraphModule'}(torch.nn.Module):\n    def forward(self${params}):`;
  for (const p of placeholders) out += `\n        ${p.name} = ${upper(p.name)}`;

  const lastUse = lastUses(graph);
  let block: string | null | undefined; // undefined: no block opened yet
  for (const node of graph.nodes) {
    if (node.kind === 'placeholder') continue;
    const where = describeSource(node.source);
    // Constants (get_attr in FX) have no source of their own; they do not open a block.
    if (node.kind === 'call' && where !== block) {
      out += `\n\n        # ${where ?? 'No stacktrace found for following nodes'}`;
      block = where;
    }
    out += `\n        ${node.name}: ${type(node)} = ${expression(node)}`;
    const dead = lastUse[node.id];
    if (dead !== undefined) {
      out += `;  ${dead[0]!.name}`;
      for (let i = 1; i < dead.length; i++) out += ` = ${dead[i]!.name}`;
      out += ' = None';
    }
  }
  const outputs = graph.outputs;
  let results = '';
  for (let i = 0; i < outputs.length; i++) results += i === 0 ? outputs[i]!.name : `, ${outputs[i]!.name}`;
  return `${out}\n        return (${results}${outputs.length === 1 ? ',' : ''})\n`;
}

/** `f32[1024, 512][512, 1]cpu`: dtype, sizes, strides, device. */
export function formatType(meta: TensorMeta, device = 'cpu'): string {
  return `f32[${listText(meta.shape)}][${listText(meta.strides)}]${device}`;
}

/** `1024, 512`: what `join(', ')` gives, without the generic join. */
function listText(xs: readonly number[]): string {
  if (xs.length === 0) return '';
  let text = String(xs[0]);
  for (let i = 1; i < xs.length; i++) text += `, ${xs[i]}`;
  return text;
}

function upper(name: string): string {
  return name.startsWith('l_') ? `L_${name.slice(2)}` : name;
}

/** Source locations are shared by the nodes of one user line (and cached per call site): text built once. */
const sourceText = new WeakMap<SourceLocation, string>();

function describeSource(s: SourceLocation | undefined): string | null {
  if (s === undefined) return null;
  let text = sourceText.get(s);
  if (text === undefined) {
    text = `File: ${s.file}:${s.line} in ${s.fn}${s.code === undefined ? '' : `, code: ${s.code}`}`;
    sourceText.set(s, text);
  }
  return text;
}

/**
 * For each node (by id), the values (not outputs) whose last reader it is, in input order. Node ids are their
 * positions in the graph, so arrays stand in for maps.
 */
function lastUses(graph: Graph): (Node[] | undefined)[] {
  const nodes = graph.nodes;
  const last: (Node | undefined)[] = new Array(nodes.length);
  for (const node of nodes) {
    for (const a of node.inputs) if (typeof a !== 'number') last[a.id] = node;
  }
  for (const o of graph.outputs) last[o.id] = undefined;
  const result: (Node[] | undefined)[] = new Array(nodes.length);
  // Each reader's inputs are walked in order, so its list comes out in input order with no sorting.
  for (const node of nodes) {
    let list: Node[] | undefined;
    for (const a of node.inputs) {
      if (typeof a === 'number' || last[a.id] !== node) continue;
      if (list === undefined) {
        list = [a];
        result[node.id] = list;
      } else if (!list.includes(a)) list.push(a);
    }
  }
  return result;
}

function expression(node: Node): string {
  if (node.kind === 'constant') return `self.${node.name}`;
  const op = getOp(node.op);
  const inputs = node.inputs;
  if (node.op === 'cat') {
    let list = '';
    for (let i = 0; i < inputs.length; i++)
      list += i === 0 ? formatArg(inputs[i]!) : `, ${formatArg(inputs[i]!)}`;
    return `torch.cat([${list}], dim = ${py(node.attrs.dim ?? 0)})`;
  }
  if (node.op === 'layer_norm') {
    const [x, ...params] = inputs.map(formatArg);
    const w = node.attrs.has_weight ? params.shift() : 'None';
    const b = node.attrs.has_bias ? params.shift() : 'None';
    return `${op.print.kind === 'function' ? op.print.name : 'layer_norm'}(${x}, ${pyTuple(node.attrs.normalized_shape)}, ${w}, ${b}, ${py(node.attrs.eps)})`;
  }
  switch (op.print.kind) {
    case 'operator':
      return `${formatArg(inputs[0]!)} ${op.print.symbol} ${formatArg(inputs[1]!)}`;
    case 'method':
      return `${formatArg(inputs[0]!)}.${op.print.name}(${argumentList(inputs, 1, node.attrs)})`;
    case 'function':
      return `${op.print.name}(${argumentList(inputs, 0, node.attrs)})`;
  }
}

/** `a, b, dim = [2], keepdim = True`: inputs from `from`, then the attributes that are set (not null, not false). */
function argumentList(inputs: readonly Arg[], from: number, attrs: Node['attrs']): string {
  let text = '';
  for (let i = from; i < inputs.length; i++)
    text += text === '' ? formatArg(inputs[i]!) : `, ${formatArg(inputs[i]!)}`;
  for (const k in attrs) {
    const v = attrs[k];
    if (v === null || v === false || v === undefined) continue;
    const kw = `${k} = ${py(v)}`;
    text += text === '' ? kw : `, ${kw}`;
  }
  return text;
}

function formatArg(a: Arg): string {
  return typeof a === 'number' ? py(a) : a.name;
}

/** Python literal spelling: True/False/None, 'str', [1, 2], 1e-05. */
export function py(v: AttrValue | undefined): string {
  if (v === undefined || v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return "float('nan')";
    if (!Number.isFinite(v)) return v > 0 ? "float('inf')" : "-float('inf')";
    if (v !== 0 && Math.abs(v) < 1e-4) {
      const [mant, exp] = v.toExponential().split('e');
      const e = Number(exp);
      return `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
    }
    return String(v);
  }
  return `[${v.map((x) => py(x)).join(', ')}]`;
}

function pyTuple(v: AttrValue | undefined): string {
  const list = Array.isArray(v) ? (v as readonly number[]) : [];
  return `(${list.join(', ')}${list.length === 1 ? ',' : ''})`;
}
