/**
 * Code generation for matmul kernels: per batch, rows of the output are computed two at a time by the
 * 2x4 register-blocked micro-kernel (H.gemm2: the k loop innermost, over contiguous rows of A and of
 * Bᵀ), into float64 row accumulators; the fused pointwise epilogue (bias, gelu, residual, scaling) then
 * runs over each finished row while it is in cache, and only the epilogue's results are stored.
 * `x @ w.T` (linear) and `q @ k.T` read Bᵀ in place; other layouts are packed once per batch.
 */
import { broadcastStrides, numel } from '../core/shape.js';
import type { Access, Buf, OperandRef } from './buffers.js';
import {
  accessOfOperand,
  address,
  type KernelSource,
  literal,
  loopStrides,
  Params,
  storeStrides,
} from './codegen-common.js';
import { roundedValue } from './expressions.js';
import { type Group, mapInto } from './fusion.js';

/** Below this many multiply-adds a matmul is dominated by per-kernel overhead. */
const SMALL_MATMUL = 4096;

export function generateMatmulKernel(
  g: Group,
  name: string,
  realized: ReadonlySet<Buf>,
  groupOf: ReadonlyMap<Buf, Group>,
  /** Round every op's result to float32 (equal to eager); false keeps float64 until the store. */
  exact = false,
): KernelSource {
  const mm = g.anchor!;
  const info = mm.matmul!;
  const rank = g.space.length;
  const nb = info.batch.length;
  const [n, m] = [g.space[nb], g.space[nb + 1]];
  const k = info.a.at(-1)!;
  const params = new Params();
  const hints: string[] = [];
  const A = promote(accessOfOperand(mm.operands[0])!, true);
  const B = promote(accessOfOperand(mm.operands[1])!, false);
  const inA = params.read(A.root);
  const inB = params.read(B.root);
  const aBatch = broadcastStrides(A.shape.slice(0, -2), A.strides.slice(0, -2), info.batch);
  const bBatch = broadcastStrides(B.shape.slice(0, -2), B.strides.slice(0, -2), info.batch);
  const [asn, ask] = A.strides.slice(-2);
  const [bsk, bsm] = B.strides.slice(-2);
  const packA = ask !== 1 && k > 1;
  const packB = bsk !== 1 && k > 1;
  if (packA)
    hints.push(`${name}: A ${describe(A)} is not contiguous along k; packing a [${n}, ${k}] copy per batch`);
  if (packB)
    hints.push(
      `${name}: B ${describe(B)} is not contiguous along k (Bᵀ rows); packing a [${m}, ${k}] copy per batch`,
    );
  if (n * m * k < SMALL_MATMUL) {
    hints.push(
      `${name}: matmul [${n}, ${k}] x [${k}, ${m}] is too small to be worth a kernel (${n * m * k} multiply-adds); launch overhead dominates`,
    );
  }

  const out: string[] = [];
  let pad = '    ';
  const emit = (line: string) => out.push(pad + line);
  const batchLoops = info.batch.map((size, d) => ({ v: `x${d}`, size, d })).filter((l) => l.size !== 1);
  for (const l of batchLoops) {
    emit(`for (let ${l.v} = 0; ${l.v} < ${l.size}; ${l.v}++) {`);
    pad += '  ';
  }
  const batchTerms = (strides: readonly number[]) => batchLoops.map((l) => [l.v, strides[l.d]] as const);
  emit(`const aB = ${address(A.offset, batchTerms(aBatch))};`);
  emit(`const bB = ${address(B.offset, batchTerms(bBatch))};`);
  const aArr = packA ? 'pa' : inA;
  const bArr = packB ? 'pb' : inB;
  const lda = packA ? k : asn;
  const ldb = packB ? k : bsm;
  const a0 = packA ? '' : 'aB + ';
  const b0 = packB ? '0' : 'bB';
  if (packA) emit(`H.pack(pa, ${inA}, aB, ${n}, ${k}, ${asn}, ${ask});`);
  if (packB) emit(`H.pack(pb, ${inB}, bB, ${m}, ${k}, ${bsm}, ${bsk});`);
  emit(`for (let i = 0; i < ${n}; i += 2) {`);
  emit(
    `  if (i + 1 < ${n}) H.gemm2(${aArr}, ${a0}i * ${lda}, ${a0}(i + 1) * ${lda}, ${bArr}, ${b0}, ${ldb}, ${m}, ${k}, row0, row1);`,
  );
  emit(`  else H.gemm1(${aArr}, ${a0}i * ${lda}, ${bArr}, ${b0}, ${ldb}, ${m}, ${k}, row0);`);
  emit(`  for (let ii = i; ii < i + 2 && ii < ${n}; ii++) {`);
  emit('    const row = ii === i ? row0 : row1;');
  emit(`    for (let j = 0; j < ${m}; j++) {`);
  pad += '      ';
  const consumed = new Set<Buf>();
  for (const b of g.bufs)
    for (const o of b.operands)
      if (exact && o.kind === 'value' && groupOf.get(o.buf) === g) consumed.add(o.buf);
  const loopVar = (d: number) => (d < nb ? `x${d}` : d === nb ? 'ii' : 'j');
  const terms = (strides: readonly number[]) =>
    strides.map((s, d) => [loopVar(d), s] as const).filter(([, s], d) => s !== 0 && g.space[d] !== 1);
  emit(`const v${mm.id} = ${roundedValue('matmul', 'row[j]', consumed.has(mm))};`);
  const storeOf = (b: Buf) => {
    if (!realized.has(b)) return;
    const strides = storeStrides(b, mapInto(g, b.shape)!, rank);
    emit(`${params.write(b)}[${address(0, terms(strides))}] = v${b.id};`);
  };
  storeOf(mm);
  const loads = new Map<string, string>();
  const operand = (b: Buf, o: OperandRef): string => {
    if (o.kind === 'scalar') return literal(o.value);
    if (o.kind === 'value' && groupOf.get(o.buf) === g) return `v${o.buf.id}`;
    const a = accessOfOperand(o)!;
    const strides = loopStrides(a, b.shape, mapInto(g, b.shape)!, rank);
    const text = `${params.read(a.root)}[${address(a.offset, terms(strides))}]`;
    let v = loads.get(text);
    if (v === undefined) {
      v = `l${loads.size}`;
      loads.set(text, v);
      emit(`const ${v} = ${text};`);
    }
    return v;
  };
  for (const b of g.bufs) {
    if (b === mm) continue;
    const args = b.operands.map((o) => operand(b, o));
    emit(`const v${b.id} = ${roundedValue(b.node.op, b.expr!(...args), consumed.has(b))};`);
    storeOf(b);
  }
  pad = pad.slice(6);
  emit('    }');
  emit('  }');
  emit('}');
  for (const _ of batchLoops) {
    pad = pad.slice(2);
    emit('}');
  }

  const scratch = [`  const row0 = new Float64Array(${m});`, `  const row1 = new Float64Array(${m});`];
  if (packA) scratch.push(`  const pa = new Float32Array(${n * k});`);
  if (packB) scratch.push(`  const pb = new Float32Array(${m * k});`);
  const definition = [
    `const ${name} = (() => {`,
    ...scratch,
    `  return function ${name}(${params.list()}) {`,
    ...out,
    '  };',
    '})();',
  ].join('\n');
  const batches = numel(info.batch);
  return {
    name,
    kind: 'matmul',
    definition,
    reads: params.reads,
    writes: params.writes,
    elements: numel(g.space),
    bytes: 4 * (numel(A.shape) + numel(B.shape) + params.writes.reduce((s, b) => s + numel(b.shape), 0)),
    flops: 2 * batches * n * m * k,
    hints,
  };
}

/** A 1-D operand read as [1, k] (A) or [k, 1] (B), with a zero stride on the added dim. */
function promote(a: Access, isA: boolean): Access {
  if (a.shape.length > 1) return a;
  const s = a.strides[0];
  return isA
    ? { ...a, shape: [1, a.shape[0]], strides: [0, s] }
    : { ...a, shape: [a.shape[0], 1], strides: [s, 0] };
}

function describe(a: Access): string {
  return `[${a.shape.join(', ')}] strides [${a.strides.join(', ')}]${a.via.length > 0 ? ` via ${a.via.join(', ')}` : ''}`;
}
