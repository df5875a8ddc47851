/** Code generation for cat: one strided copy loop nest per input, into its slice of the output. */
import { broadcastStrides, contiguousStrides, numel } from '../core/shape.js';
import type { Buf } from './buffers.js';
import { accessOfOperand, address, type KernelSource, Params } from './codegen-common.js';
import type { Group } from './fusion.js';

export function generateCatKernel(g: Group, name: string): KernelSource {
  const cat: Buf = g.anchor!;
  const dim = cat.catDim!;
  const params = new Params();
  const outStrides = contiguousStrides(cat.shape);
  const lines: string[] = [];
  const outName = params.write(cat);
  let start = 0;
  let bytes = 0;
  for (const o of cat.operands) {
    const a = accessOfOperand(o)!;
    const inName = params.read(a.root);
    const strides = broadcastStrides(a.shape, a.strides, a.shape);
    const loops = a.shape.map((size, d) => ({ v: `x${d}`, size, d })).filter((l) => l.size !== 1);
    let pad = '    ';
    for (const l of loops) {
      lines.push(`${pad}for (let ${l.v} = 0; ${l.v} < ${l.size}; ${l.v}++) {`);
      pad += '  ';
    }
    const src = address(
      a.offset,
      loops.map((l) => [l.v, strides[l.d]] as const),
    );
    const dst = address(
      start * outStrides[dim],
      loops.map((l) => [l.v, outStrides[l.d]] as const),
    );
    lines.push(`${pad}${outName}[${dst}] = ${inName}[${src}];`);
    for (const _ of loops) {
      pad = pad.slice(2);
      lines.push(`${pad}}`);
    }
    start += a.shape[dim];
    bytes += numel(a.shape) * 8;
  }
  const definition = [
    `const ${name} = (() => {`,
    `  return function ${name}(${params.list()}) {`,
    ...lines,
    '  };',
    '})();',
  ].join('\n');
  return {
    name,
    kind: 'cat',
    definition,
    reads: params.reads,
    writes: params.writes,
    elements: numel(cat.shape),
    bytes,
    flops: 0,
    hints: [],
  };
}
