/**
 * Code generation for pointwise and reduction kernels: one loop nest over the kernel's iteration space.
 *
 * A pointwise kernel is a single loop body over all its dims. A reduction kernel loops over the outer
 * (kept) dims and, per outer point, runs one pass over the reduced dims per reduction depth ("phase"):
 * softmax = [max] -> [exp(x - max), sum] -> [exp / sum]: three passes over a row that stays in cache, one
 * kernel, one read of x from memory per pass and one write of the result. Values needed in a later pass
 * are cached in a per-row float64 scratch row when they are expensive (exp, erf, ...), recomputed otherwise.
 *
 * By default values stay float64 until they are stored (like Inductor); with `exact`, every op's result is
 * rounded to float32 (Math.fround), as a float32 tensor op is, so results equal eager ones bit for bit.
 * Emitted code is branchless straight-line arithmetic on locals, monomorphic typed-array loads with
 * static strides, float64 accumulators, and adjacent loops merged whenever every access allows it (so
 * a contiguous chain becomes one flat `for` loop). Kernels with relu/maximum get a fast body with the
 * hand-written branchless forms and a check sum, and a safe copy for launches whose check fails
 * (expressions.ts fastForm). Pointwise bodies are in codegen-pointwise.ts.
 */
import { numel } from '../core/shape.js';
import type { Access, Buf, OperandRef } from './buffers.js';
import {
  accessOfOperand,
  address,
  type KernelSource,
  literal,
  loopStrides,
  Params,
  rootKey,
  storeStrides,
} from './codegen-common.js';
import { type BodyMode, emitPointwise, type Loop, type LoopAccess, lanesFor } from './codegen-pointwise.js';
import { CHECKED_OPS, fastForm, roundedValue } from './expressions.js';
import { type Group, mapInto } from './fusion.js';

/** Scratch rows hold at most this many float64s; beyond it, later passes recompute instead. */
const MAX_CACHE = 65536;
const EXPENSIVE = /Math\.(exp|log|sin|cos|tanh|sqrt|pow)|H\.erf|\//;

export function generateLoopKernel(
  g: Group,
  name: string,
  realized: ReadonlySet<Buf>,
  groupOf: ReadonlyMap<Buf, Group>,
  /** Round every op's result to float32 (equal to eager); false (the default) keeps float64 until the store. */
  exact = false,
): KernelSource {
  const rank = g.space.length;
  const reduceSet = new Set(g.reduceDims);
  const inGroup = (b: Buf) => groupOf.get(b) === g;
  const params = new Params();
  const mapOf = new Map<Buf, number[]>(g.bufs.map((b) => [b, mapInto(g, b.shape)!]));
  const spaceMap = g.space.map((d, i) => (d === 1 ? -1 : i));
  const consumer = (b: Buf) =>
    b.kind === 'reduction' ? { shape: g.space, map: spaceMap } : { shape: b.shape, map: mapOf.get(b)! };
  const isFull = (b: Buf) =>
    g.kind === 'pointwise' || (b.kind !== 'reduction' && mapOf.get(b)!.some((d) => reduceSet.has(d)));

  // Every read and write, as strides over the kernel's dims.
  const raw: { key: string; param: string; strides: number[]; offset: number }[] = [];
  const accessId = new Map<string, number>();
  const readAccess = (b: Buf, o: OperandRef): number | undefined => {
    if (o.kind === 'value' && inGroup(o.buf)) return undefined;
    const a: Access | undefined = accessOfOperand(o);
    if (a === undefined) return undefined;
    const { shape, map } = consumer(b);
    const strides = loopStrides(a, shape, map, rank);
    return intern(
      `${rootKey(a.root)}@${a.offset}:${strides.join(',')}`,
      params.read(a.root),
      strides,
      a.offset,
    );
  };
  const intern = (key: string, param: string, strides: number[], offset: number): number => {
    let id = accessId.get(key);
    if (id === undefined) {
      id = raw.length;
      raw.push({ key, param, strides, offset });
      accessId.set(key, id);
    }
    return id;
  };
  const operandAccess = new Map<string, number>();
  for (const b of g.bufs) {
    b.operands.forEach((o, i) => {
      const id = readAccess(b, o);
      if (id !== undefined) operandAccess.set(`${b.id}:${i}`, id);
    });
  }
  const storeAccess = new Map<Buf, number>();
  for (const b of g.bufs) {
    if (!realized.has(b)) continue;
    const strides = storeStrides(b, mapOf.get(b)!, rank);
    storeAccess.set(b, intern(`w${b.id}`, params.write(b), strides, 0));
  }

  // Loops: outer (kept) dims, then reduced dims; size-1 dims dropped, mergeable neighbours merged.
  const outer = mergeLoops(
    [...g.space.keys()].filter((d) => !reduceSet.has(d) && g.space[d] !== 1),
    g.space,
    raw,
    'x',
  );
  const inner = mergeLoops(
    g.reduceDims.filter((d) => g.space[d] !== 1),
    g.space,
    raw,
    'r',
  );
  const accesses: LoopAccess[] = raw.map((a, id) => ({
    id,
    param: a.param,
    strides: a.strides,
    offset: a.offset,
    full: inner.some((l) => a.strides[l.dim] !== 0),
  }));
  const rowSize = inner.reduce((s, l) => s * l.size, 1);

  // Depths: how many reductions of this kernel a value waits for; a reduction runs in pass depth(input).
  const depth = new Map<Buf, number>();
  const opDepth = (o: OperandRef) => (o.kind === 'value' && inGroup(o.buf) ? depth.get(o.buf)! : 0);
  for (const b of g.bufs) {
    const d = Math.max(0, ...b.operands.map(opDepth));
    depth.set(b, b.kind === 'reduction' ? d + 1 : d);
  }
  const phaseOf = (r: Buf) => depth.get(r)! - 1;
  const fulls = g.bufs.filter(isFull);
  const reductions = g.bufs.filter((b) => b.kind === 'reduction');
  const lastPhase = Math.max(0, ...fulls.map((b) => depth.get(b)!), ...reductions.map(phaseOf));

  // The passes each full value is needed in; cache expensive values needed in more than one.
  const passes = new Map<Buf, Set<number>>(fulls.map((b) => [b, new Set<number>()]));
  const cached = new Set<Buf>();
  for (const b of [...g.bufs].reverse()) {
    const inGroupFull = (o: OperandRef) => o.kind === 'value' && inGroup(o.buf) && isFull(o.buf);
    if (b.kind === 'reduction') {
      const o = b.operands[0];
      if (inGroupFull(o) && o.kind === 'value') passes.get(o.buf)!.add(phaseOf(b));
      continue;
    }
    if (!isFull(b)) continue;
    const set = passes.get(b)!;
    if (set.size === 0) set.add(lastPhase);
    const first = Math.min(...set);
    const text = b.expr!('a', 'b', 'c');
    if (set.size > 1 && inner.length > 0 && rowSize <= MAX_CACHE && EXPENSIVE.test(text)) cached.add(b);
    const targets = cached.has(b) ? [first] : [...set];
    for (const o of b.operands)
      if (inGroupFull(o) && o.kind === 'value') for (const t of targets) passes.get(o.buf)!.add(t);
  }

  // Emission: one body per mode. Fast mode with a checked op (relu, maximum) gets a fast body that
  // returns its NaN check, and a safe body with the exact helper forms that runs when the check fails.
  const checkedOps = g.bufs.some((b) => CHECKED_OPS.has(b.node.op));
  const bodyOf = (mode: BodyMode): string[] =>
    g.kind === 'pointwise'
      ? emitPointwise({ bufs: g.bufs, outer, accesses, operandAccess, storeAccess }, mode, lanesFor(g))
      : emitRows(mode);
  const emitRows = (mode: BodyMode): string[] => {
    const out: string[] = [];
    let pad = '    ';
    const emit = (line: string) => out.push(pad + line);
    const open = (loop: Loop) => {
      emit(`for (let ${loop.v} = 0; ${loop.v} < ${loop.size}; ${loop.v}++) {`);
      pad += '  ';
    };
    const close = () => {
      pad = pad.slice(2);
      emit('}');
    };
    if (mode.checked) emit('let chk = 0;');
    for (const l of outer) open(l);
    const rowKernel = inner.length > 0;
    // Outer part of each access's address, hoisted out of the passes.
    const base = new Map<number, string>();
    const hoisted = new Map<string, string>();
    for (const a of accesses) {
      const terms = outer.map((l) => [l.v, a.strides[l.dim]] as const);
      const text = address(a.offset, terms);
      if (rowKernel && a.full && terms.some(([, s]) => s !== 0)) {
        let v = hoisted.get(text);
        if (v === undefined) {
          v = `a${hoisted.size}`;
          hoisted.set(text, v);
          emit(`const ${v} = ${text};`);
        }
        base.set(a.id, v);
      } else base.set(a.id, text === '0' ? '' : text);
    }
    const at = (a: LoopAccess, inPass: boolean): string => {
      const b = base.get(a.id)!;
      if (!inPass) return b === '' ? '0' : b;
      const rest = address(
        0,
        inner.map((l) => [l.v, a.strides[l.dim]] as const),
      );
      if (b === '') return rest;
      return rest === '0' ? b : `${b} + ${rest}`;
    };
    // Loads not varying along reduced dims are read once per outer point, before any pass.
    for (const id of new Set(operandAccess.values())) {
      const a = accesses[id];
      if (!a.full) emit(`const l${id} = ${a.param}[${at(a, false)}];`);
    }
    let passLoads = new Set<number>();
    const operand = (b: Buf, i: number, inPass: boolean): string => {
      const o = b.operands[i];
      if (o.kind === 'scalar') return literal(o.value);
      const id = operandAccess.get(`${b.id}:${i}`);
      if (id === undefined) return `v${(o as { buf: Buf }).buf.id}`;
      const a = accesses[id];
      if (!a.full || !inPass) return `l${id}`;
      if (!passLoads.has(id)) {
        passLoads.add(id);
        emit(`const p${id} = ${a.param}[${at(a, true)}];`);
      }
      return `p${id}`;
    };
    /** `const vN = <value>;` (and the check sum for a fast-form op). */
    const define = (b: Buf, inPass: boolean, round: boolean) => {
      const args = b.operands.map((_, i) => operand(b, i, inPass));
      const fast = mode.checked ? fastForm(b.node.op, args) : undefined;
      const expr = fast?.expr ?? b.expr!(...args);
      const op = fast === undefined || fast.exactResult ? b.node.op : 'maximum (arithmetic)';
      emit(`const v${b.id} = ${mode.exact ? roundedValue(op, expr, round) : expr};`);
      if (fast !== undefined) emit(`chk += v${b.id};`);
    };
    const store = (b: Buf, inPass: boolean) => {
      const id = storeAccess.get(b);
      if (id !== undefined) emit(`${accesses[id].param}[${at(accesses[id], inPass)}] = v${b.id};`);
    };
    // Values read by another op of this kernel (they must be rounded as eager stores them).
    const consumed = new Set<Buf>();
    for (const b of g.bufs) {
      for (const o of b.operands) if (o.kind === 'value' && inGroup(o.buf)) consumed.add(o.buf);
    }
    const rowIndex = inner.length === 1 ? inner[0].v : 'rf';
    const needsCounter = cached.size > 0 && inner.length > 1;
    let counterDeclared = false;

    const outerNodes = g.bufs.filter((b) => !isFull(b) && b.kind !== 'reduction');
    const maxDepth = Math.max(lastPhase, ...outerNodes.map((b) => depth.get(b)!));
    for (let d = 0; d <= maxDepth; d++) {
      for (const b of outerNodes) {
        if (depth.get(b) !== d) continue;
        define(b, false, consumed.has(b));
        store(b, false);
      }
      const inPhase = fulls.filter((b) => passes.get(b)!.has(d));
      const reducing = reductions.filter((r) => phaseOf(r) === d);
      if (inPhase.length === 0 && reducing.length === 0) continue;
      if (rowKernel)
        emit(
          `// pass ${d}${reducing.length > 0 ? `: ${reducing.map((r) => `${r.name} = ${r.node.op}`).join(', ')}` : ''}`,
        );
      for (const r of reducing) emit(`let acc${r.id} = ${r.reduce!.kind === 'sum' ? '0' : '-Infinity'};`);
      if (needsCounter) emit(counterDeclared ? 'rf = 0;' : 'let rf = 0;');
      counterDeclared ||= needsCounter;
      for (const l of inner) open(l);
      passLoads = new Set();
      for (const b of inPhase) {
        const first = Math.min(...passes.get(b)!);
        if (cached.has(b) && d > first) {
          emit(`const v${b.id} = c${b.id}[${rowIndex}];`);
          continue;
        }
        define(b, true, consumed.has(b) || cached.has(b));
        if (cached.has(b)) emit(`c${b.id}[${rowIndex}] = v${b.id};`);
        if (d === first) store(b, true);
      }
      for (const r of reducing) {
        const x = operand(r, 0, true);
        emit(r.reduce!.kind === 'sum' ? `acc${r.id} += ${x};` : `acc${r.id} = Math.max(acc${r.id}, ${x});`);
      }
      if (needsCounter) emit('rf++;');
      for (let i = 0; i < inner.length; i++) close();
      for (const r of reducing) {
        const v = `acc${r.id}`;
        emit(`const v${r.id} = ${mode.exact ? roundedValue(r.node.op, v, consumed.has(r)) : v};`);
        store(r, false);
      }
    }
    for (let i = 0; i < outer.length; i++) close();
    if (mode.checked) emit('return chk === chk;');
    return out;
  };

  const scratch = [...cached].map((b) => `  const c${b.id} = new Float64Array(${rowSize});`);
  const list = params.list();
  const definition = [
    `const ${name} = (() => {`,
    ...scratch,
    ...(checkedOps
      ? [
          `  function ${name}_fast(${list}) {`,
          ...bodyOf({ exact, checked: true }),
          '  }',
          `  function ${name}_safe(${list}) {`,
          ...bodyOf({ exact, checked: false }),
          '  }',
          '  // the fast forms of relu/maximum met an infinite or NaN operand: recompute with the exact forms',
          `  return function ${name}(${list}) {`,
          `    if (!${name}_fast(${list})) ${name}_safe(${list});`,
          '  };',
        ]
      : [`  return function ${name}(${list}) {`, ...bodyOf({ exact, checked: false }), '  };']),
    '})();',
  ].join('\n');
  const footprint = (a: LoopAccess) =>
    [...outer, ...inner].reduce((s, l) => s * (a.strides[l.dim] !== 0 ? l.size : 1), 1);
  return {
    name,
    kind: g.kind,
    definition,
    reads: params.reads,
    writes: params.writes,
    elements: numel(g.space),
    bytes: accesses.reduce((s, a) => s + footprint(a) * 4, 0),
    flops: 0,
    hints: stridedHints(name, g, accesses, [...outer, ...inner]),
  };
}

/** Merges loop `a` into its inner neighbour `b` when every access walks them as one flat range. */
function mergeLoops(
  dims: readonly number[],
  space: readonly number[],
  accesses: readonly { strides: readonly number[] }[],
  prefix: string,
): Loop[] {
  const groups: { dims: number[]; size: number }[] = [];
  for (const d of dims) {
    const last = groups.at(-1);
    if (last !== undefined) {
      const a = last.dims.at(-1)!;
      if (accesses.every((x) => x.strides[a] === x.strides[d] * space[d])) {
        last.dims.push(d);
        last.size *= space[d];
        continue;
      }
    }
    groups.push({ dims: [d], size: space[d] });
  }
  return groups.map((gr, i) => ({ v: `${prefix}${i}`, size: gr.size, dim: gr.dims.at(-1)! }));
}

/** perf_hints: reads whose innermost stride is not 1 (a gather rather than a streaming read). */
function stridedHints(
  name: string,
  g: Group,
  accesses: readonly LoopAccess[],
  loops: readonly Loop[],
): string[] {
  const innermost = loops.at(-1);
  if (innermost === undefined || numel(g.space) < 4096) return [];
  const hints: string[] = [];
  for (const a of accesses) {
    const s = a.strides[innermost.dim];
    if (s > 1) {
      hints.push(
        `${name}: ${a.param} is read with stride ${s} in the innermost loop (a non-contiguous input forces a strided gather; a contiguous layout would stream)`,
      );
    }
  }
  return hints;
}
