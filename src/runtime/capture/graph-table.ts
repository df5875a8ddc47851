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

export function formatGraphTable(graph: Graph): string {
  const rows: string[][] = graph.nodes.map(row);
  const outputs = graph.outputs.map((o) => o.name);
  rows.push([
    'output',
    'output',
    'output',
    `((${outputs.join(', ')}${outputs.length === 1 ? ',' : ''}),)`,
    '{}',
  ]);
  const header = ['opcode', 'name', 'target', 'args', 'kwargs'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c]))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function row(node: Node): string[] {
  if (node.kind === 'placeholder') return ['placeholder', node.name, `L_${node.name.slice(2)}`, '()', '{}'];
  if (node.kind === 'constant') return ['get_attr', node.name, node.name, '()', '{}'];
  const op = getOp(node.op);
  const args = node.inputs.map((a) => (typeof a === 'number' ? py(a) : a.name));
  const kwargs = Object.entries(node.attrs)
    .filter(([, v]) => v !== null && v !== false)
    .map(([k, v]) => `'${k}': ${py(v)}`);
  const tuple = `(${args.join(', ')}${args.length === 1 ? ',' : ''})`;
  const dict = `{${kwargs.join(', ')}}`;
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
