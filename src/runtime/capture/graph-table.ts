/**
 * The `graph` artifact: a captured graph as FX's `print_tabular()` prints it (opcode, name, target, args,
 * kwargs; tabulate's "simple" layout: left-aligned columns two spaces apart, a dashed rule under the header).
 */
import type { Graph, Node } from '../ir/graph.js';
import { py } from '../ir/printer.js';
import { getOp } from '../ops/op-table.js';

const OPERATOR_NAMES: Readonly<Record<string, string>> = {
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '/': 'truediv',
  '**': 'pow',
  '@': 'matmul',
};

// Plain loops and concatenation: this runs once per compile, mostly before V8 has optimised it, where array
// helpers (map, filter, Object.entries, spread) cost the most.
export function formatGraphTable(graph: Graph): string {
  const rows: string[][] = [];
  for (const node of graph.nodes) rows.push(row(node));
  let outputs = '';
  for (const o of graph.outputs) outputs += outputs === '' ? o.name : `, ${o.name}`;
  rows.push(['output', 'output', 'output', `((${outputs}${graph.outputs.length === 1 ? ',' : ''}),)`, '{}']);
  const widths = [6, 4, 6, 4, 6]; // the header's own widths
  for (const r of rows) {
    for (let c = 0; c < 5; c++) if (r[c]!.length > widths[c]!) widths[c] = r[c]!.length;
  }
  const rule = widths.map((w) => '-'.repeat(w));
  let text = line(HEADER, widths);
  text += `\n${line(rule, widths)}`;
  for (const r of rows) text += `\n${line(r, widths)}`;
  return text;
}

const HEADER = ['opcode', 'name', 'target', 'args', 'kwargs'];

/** Cells left-aligned to `widths`, two spaces apart, trailing spaces dropped. */
function line(cells: readonly string[], widths: readonly number[]): string {
  let text = '';
  for (let c = 0; c < 4; c++) text += `${cells[c]!.padEnd(widths[c]!)}  `;
  return `${text}${cells[4]!}`.trimEnd();
}

function row(node: Node): string[] {
  if (node.kind === 'placeholder') return ['placeholder', node.name, `L_${node.name.slice(2)}`, '()', '{}'];
  if (node.kind === 'constant') return ['get_attr', node.name, node.name, '()', '{}'];
  const op = getOp(node.op);
  let args = '';
  for (const a of node.inputs) {
    const text = typeof a === 'number' ? py(a) : a.name;
    args += args === '' ? text : `, ${text}`;
  }
  let kwargs = '';
  const attrs = node.attrs;
  for (const k in attrs) {
    const v = attrs[k];
    if (v === null || v === false || v === undefined) continue;
    kwargs += `${kwargs === '' ? '' : ', '}'${k}': ${py(v)}`;
  }
  const tuple = `(${args}${node.inputs.length === 1 ? ',' : ''})`;
  const dict = `{${kwargs}}`;
  switch (op.print.kind) {
    case 'operator':
      return [
        'call_function',
        node.name,
        `<built-in function ${OPERATOR_NAMES[op.print.symbol] ?? op.name}>`,
        tuple,
        dict,
      ];
    case 'method':
      return ['call_method', node.name, op.print.name, tuple, dict];
    case 'function':
      return ['call_function', node.name, `<function ${op.print.name}>`, tuple, dict];
  }
}
