/**
 * The body of a pointwise kernel: one loop nest over the kernel's (merged) dims, loads, one `const` per op,
 * stores. Two things make it fast:
 *
 *  - Loads that do not vary along the innermost loop (broadcast operands) are read once before it.
 *  - Lanes: when the per-element work is a long serial chain of expensive operations (Math.tanh, Math.exp,
 *    H.erf, ...: library calls and long-latency arithmetic), the innermost loop handles several elements
 *    per iteration with their statements interleaved. One element's chain cannot overlap with itself, and
 *    the CPU's out-of-order window is too small to reach the next element's chain on its own; interleaved
 *    lanes give it independent work. Without lanes a fused chain of 10 tanh runs latency-bound and is
 *    slower than eager's one-op loops, whose iterations are independent (measured: 25.7 ms fused vs 17.4 ms
 *    eager on 256x256; with 4 lanes, faster than eager).
 *
 * Every value is computed once per lane and named (`v3_1` is buf3's value in lane 1): never re-inlined.
 */
import type { Buf, OperandRef } from './buffers.js';
import { address, literal } from './codegen-common.js';
import { fastForm, roundedValue } from './expressions.js';
import type { Group } from './fusion.js';

export interface Loop {
  readonly v: string;
  readonly size: number;
  /** The innermost kernel dim merged into this loop: an access's stride over the loop is its stride there. */
  readonly dim: number;
}

export interface LoopAccess {
  readonly id: number;
  readonly param: string;
  readonly strides: readonly number[];
  readonly offset: number;
  /** Varies along a reduced dim (read inside a pass) or not (read once per outer point). */
  readonly full: boolean;
}

/**
 * How a body computes: `exact` rounds every op to float32 (bit-equal to eager); `checked` uses the fast
 * relu/maximum forms and sums them into `chk`, returning `chk === chk` (false: run the safe body instead).
 */
export interface BodyMode {
  readonly exact: boolean;
  readonly checked: boolean;
}

export interface PointwiseParts {
  readonly bufs: readonly Buf[];
  readonly outer: readonly Loop[];
  readonly accesses: readonly LoopAccess[];
  /** `<buf id>:<operand index>` -> access id, for operands read from memory. */
  readonly operandAccess: ReadonlyMap<string, number>;
  readonly storeAccess: ReadonlyMap<Buf, number>;
}

/** Ops whose per-element cost is a library call or a long-latency instruction. */
const EXPENSIVE = /Math\.(exp|expm1|log|log1p|sin|cos|tan|tanh|sqrt|pow|atan|asin|acos)|H\.erf|\//;
const LANES = 4;

/** How many elements per iteration a pointwise kernel's innermost loop handles. */
export function lanesFor(g: Group): number {
  const text = g.bufs.map((b) => b.expr?.('a', 'b', 'c') ?? '').join(' ');
  const expensive = text.match(new RegExp(EXPENSIVE.source, 'g'))?.length ?? 0;
  return expensive >= 2 ? LANES : 1;
}

export function emitPointwise(parts: PointwiseParts, mode: BodyMode, lanes: number): string[] {
  const { bufs, outer, accesses, operandAccess, storeAccess } = parts;
  const inKernel = new Set(bufs);
  const consumed = new Set<Buf>();
  for (const b of bufs)
    for (const o of b.operands) if (o.kind === 'value' && inKernel.has(o.buf)) consumed.add(o.buf);
  const innermost = outer.at(-1);
  const u = innermost !== undefined && innermost.size >= 2 * lanes ? lanes : 1;
  const loadIds = [...new Set(operandAccess.values())];
  const invariant = (id: number) => innermost !== undefined && accesses[id].strides[innermost.dim] === 0;

  const out: string[] = [];
  let pad = '    ';
  const emit = (line: string) => out.push(pad + line);
  const addressOf = (id: number, lane: string | undefined) =>
    address(
      accesses[id].offset,
      outer.map(
        (l) => [l === innermost && lane !== undefined ? lane : l.v, accesses[id].strides[l.dim]] as const,
      ),
    );

  /** One lane's statements: its loads, each op's value, the stores and the check sum. */
  const laneStatements = (suffix: string, index: string | undefined): string[] => {
    const lines: string[] = [];
    for (const id of loadIds) {
      if (!invariant(id))
        lines.push(`const l${id}${suffix} = ${accesses[id].param}[${addressOf(id, index)}];`);
    }
    const name = (id: number) => `${invariant(id) ? `l${id}` : `l${id}${suffix}`}`;
    const operand = (b: Buf, o: OperandRef, i: number): string => {
      if (o.kind === 'scalar') return literal(o.value);
      const id = operandAccess.get(`${b.id}:${i}`);
      return id === undefined ? `v${(o as { buf: Buf }).buf.id}${suffix}` : name(id);
    };
    const checked: string[] = [];
    for (const b of bufs) {
      const args = b.operands.map((o, i) => operand(b, o, i));
      const fast = mode.checked ? fastForm(b.node.op, args) : undefined;
      const expr = fast?.expr ?? b.expr!(...args);
      const op = fast === undefined || fast.exactResult ? b.node.op : 'maximum (arithmetic)';
      const v = `v${b.id}${suffix}`;
      lines.push(`const ${v} = ${mode.exact ? roundedValue(op, expr, consumed.has(b)) : expr};`);
      if (fast !== undefined) checked.push(v);
      const store = storeAccess.get(b);
      if (store !== undefined) lines.push(`${accesses[store].param}[${addressOf(store, index)}] = ${v};`);
    }
    if (checked.length > 0) lines.push(`chk += ${checked.join(' + ')};`);
    return lines;
  };

  if (mode.checked) emit('let chk = 0;');
  for (const l of outer.slice(0, -1)) {
    emit(`for (let ${l.v} = 0; ${l.v} < ${l.size}; ${l.v}++) {`);
    pad += '  ';
  }
  for (const id of loadIds) {
    if (invariant(id)) emit(`const l${id} = ${accesses[id].param}[${addressOf(id, undefined)}];`);
  }
  const body = (lines: readonly string[]) => {
    pad += '  ';
    for (const line of lines) emit(line);
    pad = pad.slice(2);
  };
  if (innermost === undefined) {
    for (const line of laneStatements('', undefined)) emit(line);
  } else if (u === 1) {
    const v = innermost.v;
    emit(`for (let ${v} = 0; ${v} < ${innermost.size}; ${v}++) {`);
    body(laneStatements('', undefined));
    emit('}');
  } else {
    const v = innermost.v;
    const main = innermost.size - (innermost.size % u);
    const perLane = Array.from({ length: u }, (_, k) =>
      laneStatements(`_${k}`, k === 0 ? v : `(${v} + ${k})`),
    );
    // Round robin: statement i of every lane, then statement i + 1: independent chains side by side.
    const interleaved = perLane[0].flatMap((_, i) => perLane.map((lines) => lines[i]));
    emit(`let ${v} = 0;`);
    emit(`for (; ${v} < ${main}; ${v} += ${u}) {`);
    body(interleaved);
    emit('}');
    if (main < innermost.size) {
      emit(`for (; ${v} < ${innermost.size}; ${v}++) {`);
      body(laneStatements('', undefined));
      emit('}');
    }
  }
  for (let i = 0; i < outer.length - 1; i++) {
    pad = pad.slice(2);
    emit('}');
  }
  if (mode.checked) emit('return chk === chk;');
  return out;
}
