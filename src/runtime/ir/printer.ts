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

function print(graph: Graph, options: PrintOptions): string {
  const device = options.device ?? 'cpu';
  const type = (n: Node) => `"${options.formatMeta?.(n) ?? formatType(n.meta, device)}"`;
  const placeholders = graph.placeholders;
  const params = [
    ...(options.symbols ?? []).map((s) => `${s}: "Sym(${s})"`),
    ...placeholders.map((p) => `${upper(p.name)}: ${type(p)}`),
  ];
  const out: string[] = [`class ${options.className ?? 'GraphModule'}(torch.nn.Module):`];
  out.push(`    def forward(self${params.map((p) => `, ${p}`).join('')}):`);
  for (const p of placeholders) out.push(`        ${p.name} = ${upper(p.name)}`);

  const lastUse = lastUses(graph);
  let block: string | null | undefined; // undefined: no block opened yet
  for (const node of graph.nodes) {
    if (node.kind === 'placeholder') continue;
    const where = describeSource(node.source);
    // Constants (get_attr in FX) have no source of their own; they do not open a block.
    if (node.kind === 'call' && where !== block) {
      out.push('', `        # ${where ?? 'No stacktrace found for following nodes'}`);
      block = where;
    }
    const dead = lastUse.get(node) ?? [];
    const clear = dead.length > 0 ? `;  ${dead.map((d) => d.name).join(' = ')} = None` : '';
    out.push(`        ${node.name}: ${type(node)} = ${expression(node)}${clear}`);
  }
  const results = graph.outputs.map((o) => o.name);
  out.push(`        return (${results.join(', ')}${results.length === 1 ? ',' : ''})`);
  return `${out.join('\n')}\n`;
}

/** `f32[1024, 512][512, 1]cpu`: dtype, sizes, strides, device. */
export function formatType(meta: TensorMeta, device = 'cpu'): string {
  return `f32[${meta.shape.join(', ')}][${meta.strides.join(', ')}]${device}`;
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

/** For each node, the values (not outputs) whose last reader it is, in input order. */
function lastUses(graph: Graph): Map<Node, Node[]> {
  const last = new Map<Node, Node>();
  for (const node of graph.nodes) for (const a of node.inputs) if (typeof a !== 'number') last.set(a, node);
  const outputs = new Set(graph.outputs);
  const result = new Map<Node, Node[]>();
  // Each reader's inputs are walked in order, so its list comes out in input order with no sorting.
  for (const node of graph.nodes) {
    let list: Node[] | undefined;
    for (const a of node.inputs) {
      if (typeof a === 'number' || last.get(a) !== node || outputs.has(a)) continue;
      if (list === undefined) {
        list = [];
        result.set(node, list);
      } else if (list.includes(a)) continue;
      list.push(a);
    }
  }
  return result;
}

function expression(node: Node): string {
  if (node.kind === 'constant') return `self.${node.name}`;
  const op = getOp(node.op);
  const args = node.inputs.map(formatArg);
  if (node.op === 'cat') return `torch.cat([${args.join(', ')}], dim = ${py(node.attrs.dim ?? 0)})`;
  if (node.op === 'layer_norm') {
    const [x, ...params] = args;
    const w = node.attrs.has_weight ? params.shift() : 'None';
    const b = node.attrs.has_bias ? params.shift() : 'None';
    return `${op.print.kind === 'function' ? op.print.name : 'layer_norm'}(${x}, ${pyTuple(node.attrs.normalized_shape)}, ${w}, ${b}, ${py(node.attrs.eps)})`;
  }
  switch (op.print.kind) {
    case 'operator':
      return `${args[0]} ${op.print.symbol} ${args[1]}`;
    case 'method':
      return `${args[0]}.${op.print.name}(${[...args.slice(1), ...kwargs(node.attrs)].join(', ')})`;
    case 'function':
      return `${op.print.name}(${[...args, ...kwargs(node.attrs)].join(', ')})`;
  }
}

/** `dim = [2], keepdim = True`: the attributes that are set (not null, not false). */
function kwargs(attrs: Node['attrs']): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== false) out.push(`${k} = ${py(v)}`);
  return out;
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
