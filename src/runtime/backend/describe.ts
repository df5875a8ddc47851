/** Text for the `ir_pre_fusion` and `ir_post_fusion` artifacts: buffers and kernels, one per line. */
import { formatShape } from '../core/shape.js';
import type { Buf, BufferGraph, OperandRef } from './buffers.js';
import type { Schedule } from './schedule.js';

export function describeBuffers(bg: BufferGraph): string {
  const lines = bg.inputs.map(
    (n, i) =>
      `arg${i}_1: ${formatShape(n.meta.shape)} (${n.kind === 'constant' ? n.name : (n.argName ?? n.name)})`,
  );
  for (const b of bg.bufs) lines.push(describeBuf(b, bg));
  return lines.join('\n');
}

export function describeKernels(sched: Schedule, bg: BufferGraph): string {
  const lines: string[] = [];
  sched.kernels.forEach((g, i) => {
    const space =
      g.kind === 'reduction'
        ? `${formatShape(g.space)} reducing dims ${formatShape(g.reduceDims)}`
        : formatShape(g.space);
    lines.push(`kernel ${i} (${g.kind} over ${space}):`);
    for (const b of g.bufs)
      lines.push(`  ${describeBuf(b, bg)}${sched.realized.has(b) ? '  [stored]' : '  [inline]'}`);
  });
  return lines.join('\n');
}

/** ir_pre_fusion and ir_post_fusion describe every buffer the same way: built once per buffer. */
const described = new WeakMap<Buf, string>();

function describeBuf(b: Buf, bg: BufferGraph): string {
  let text = described.get(b);
  if (text === undefined) {
    text = describeOnce(b, bg);
    described.set(b, text);
  }
  return text;
}

function describeOnce(b: Buf, bg: BufferGraph): string {
  const args = b.operands.map((o) => operandText(o, bg)).join(', ');
  const extra =
    b.reduce !== undefined ? ` dims=${formatShape(b.reduce.dims)} keepdim=${b.reduce.keepdim}` : '';
  return `${b.name}: ${b.kind} ${b.node.op}(${args})${extra} -> ${formatShape(b.outShape)}  (${b.node.name})`;
}

function operandText(o: OperandRef, bg: BufferGraph): string {
  if (o.kind === 'scalar') return String(o.value);
  if (o.kind === 'value') return o.buf.name;
  const a = o.access;
  const root = a.root.kind === 'buffer' ? a.root.buf.name : `arg${a.root.index}_1`;
  void bg;
  if (a.via.length === 0) return root;
  return `${root}[${a.via.join('.')} -> ${formatShape(a.shape)} strides ${formatShape(a.strides)}${a.offset !== 0 ? ` +${a.offset}` : ''}]`;
}
