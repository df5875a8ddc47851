/**
 * Eager pointwise kernels, generated once per (op, operand layout) from the op's JS expression
 * template with `new Function`: the same template the code generator will fuse later, so the eager
 * result and the compiled result come from one definition. Each generated loop is monomorphic.
 */
import { broadcastStrides, isContiguous, numel, sameShape } from '../core/shape.js';
import type { StridedArray } from '../core/types.js';
import { erf } from './erf.js';

/** Helpers generated code may call as `H.name(...)` (JS has no Math.erf). Codegen passes the same object. */
export const KERNEL_HELPERS = Object.freeze({ erf });

/** Builds a JS expression from operand expressions, e.g. (a, b) => `(${a} + ${b})`. */
export type ExprTemplate = (...args: string[]) => string;

export type ElementwiseOperand = StridedArray | number;

type FlatKernel = (o: Float32Array, n: number, ...operands: unknown[]) => void;
type StridedKernel = (o: Float32Array, shape: readonly number[], n: number, ...operands: unknown[]) => void;

const NAMES = ['a', 'b', 'c'];
const flatCache = new Map<string, FlatKernel>();
const stridedCache = new Map<string, StridedKernel>();

/** Computes `expr` over broadcast operands into a fresh contiguous Float32Array of `outShape`. */
export function runElementwise(
  key: string,
  expr: ExprTemplate,
  operands: readonly ElementwiseOperand[],
  outShape: readonly number[],
): Float32Array {
  const n = numel(outShape);
  const out = new Float32Array(n);
  if (n === 0) return out;
  const flat = operands.every(
    (x) => typeof x === 'number' || (sameShape(x.shape, outShape) && isContiguous(x.shape, x.strides)),
  );
  if (flat) {
    const mask = operands.map((x) => (typeof x === 'number' ? 's' : 'c')).join('');
    const kernel = cached(flatCache, `${key}:${mask}`, () => buildFlat(expr, mask));
    const args: unknown[] = [];
    for (const x of operands) {
      if (typeof x === 'number') args.push(Math.fround(x));
      else args.push(x.storage, x.offset);
    }
    kernel(out, n, ...args);
    return out;
  }
  const kernel = cached(stridedCache, `${key}:${operands.length}`, () => buildStrided(expr, operands.length));
  const args: unknown[] = [];
  for (const x of operands) {
    if (typeof x === 'number') args.push(new Float32Array([x]), new Array(outShape.length).fill(0), 0);
    else args.push(x.storage, broadcastStrides(x.shape, x.strides, outShape), x.offset);
  }
  kernel(out, outShape, n, ...args);
  return out;
}

function cached<T>(cache: Map<string, T>, key: string, build: () => T): T {
  let k = cache.get(key);
  if (k === undefined) {
    k = build();
    cache.set(key, k);
  }
  return k;
}

function buildFlat(expr: ExprTemplate, mask: string): FlatKernel {
  const params: string[] = [];
  const hoisted: string[] = [];
  const loads: string[] = [];
  [...mask].forEach((kind, i) => {
    const v = NAMES[i];
    if (kind === 's') {
      params.push(`c${i}`);
      hoisted.push(`const ${v} = c${i};`);
    } else {
      params.push(`x${i}`, `p${i}`);
      loads.push(`const ${v} = x${i}[p${i} + i];`);
    }
  });
  const body = `${hoisted.join(' ')}
for (let i = 0; i < n; i++) { ${loads.join(' ')} o[i] = ${expr(...NAMES.slice(0, mask.length))}; }`;
  return new Function('H', `return function flat(o, n, ${params.join(', ')}) {${body}}`)(
    KERNEL_HELPERS,
  ) as FlatKernel;
}

/** N-d odometer over all dims but the last; the innermost dim is a tight strided loop. */
function buildStrided(expr: ExprTemplate, arity: number): StridedKernel {
  const ids = [...Array(arity).keys()];
  const params = ids.flatMap((i) => [`x${i}`, `s${i}`, `p${i}`]);
  const body = `
const rank = shape.length;
if (rank === 0) { ${ids.map((i) => `const ${NAMES[i]} = x${i}[p${i}];`).join(' ')} o[0] = ${expr(...NAMES.slice(0, arity))}; return; }
const inner = shape[rank - 1];
${ids.map((i) => `const is${i} = s${i}[rank - 1]; let q${i} = p${i};`).join('\n')}
const outer = n / inner;
const idx = new Int32Array(rank);
let oi = 0;
for (let r = 0; r < outer; r++) {
  ${ids.map((i) => `let i${i} = q${i};`).join(' ')}
  for (let j = 0; j < inner; j++) {
    ${ids.map((i) => `const ${NAMES[i]} = x${i}[i${i}]; i${i} += is${i};`).join(' ')}
    o[oi++] = ${expr(...NAMES.slice(0, arity))};
  }
  for (let d = rank - 2; d >= 0; d--) {
    idx[d]++;
    ${ids.map((i) => `q${i} += s${i}[d];`).join(' ')}
    if (idx[d] < shape[d]) break;
    ${ids.map((i) => `q${i} -= s${i}[d] * shape[d];`).join(' ')}
    idx[d] = 0;
  }
}`;
  return new Function('H', `return function strided(o, shape, n, ${params.join(', ')}) {${body}}`)(
    KERNEL_HELPERS,
  ) as StridedKernel;
}

/** A contiguous copy of any strided array (the identity pointwise op). */
export function toContiguous(x: StridedArray): Float32Array {
  if (isContiguous(x.shape, x.strides)) {
    const n = numel(x.shape);
    return x.storage.slice(x.offset, x.offset + n);
  }
  return runElementwise('copy', (a) => a, [x], x.shape);
}
