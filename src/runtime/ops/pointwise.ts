/** Pointwise ops (unary, binary, comparison, where): broadcasting shape inference + an expression. */
import { broadcastShapes } from '../core/shape.js';
import type { Attrs, OperandMeta, StridedArray } from '../core/types.js';
import { type ExprTemplate, runElementwise } from '../kernels/elementwise.js';
import { contiguousMeta, operandShape, tensorArg } from './meta.js';
import type { OpCategory, OpDef, OutMeta, PrintStyle } from './op-def.js';

function pointwise(
  name: string,
  category: OpCategory,
  arity: number,
  print: PrintStyle,
  expr: ExprTemplate,
): OpDef {
  return {
    name,
    category,
    arity,
    print,
    expr,
    inferMeta(inputs: readonly OperandMeta[]): OutMeta {
      if (category === 'pointwise-unary') return contiguousMeta(tensorArg(inputs[0], name).shape);
      let shape: readonly number[] = [];
      for (const x of inputs) shape = broadcastShapes(shape, operandShape(x));
      return contiguousMeta(shape);
    },
    eager(inputs: readonly (StridedArray | number)[], _attrs: Attrs, out: OutMeta): Float32Array {
      return runElementwise(name, expr, inputs, out.shape);
    },
  };
}

const unary = (name: string, expr: ExprTemplate) =>
  pointwise(name, 'pointwise-unary', 1, { kind: 'method', name }, expr);
const binary = (name: string, print: PrintStyle, expr: ExprTemplate) =>
  pointwise(name, 'pointwise-binary', 2, print, expr);
const compare = (name: string, symbol: string, op: string) =>
  pointwise(name, 'comparison', 2, { kind: 'operator', symbol }, (a, b) => `(${a} ${op} ${b} ? 1 : 0)`);

export const POINTWISE_OPS: readonly OpDef[] = [
  unary('neg', (a) => `(-${a})`),
  unary('exp', (a) => `Math.exp(${a})`),
  unary('log', (a) => `Math.log(${a})`),
  unary('sin', (a) => `Math.sin(${a})`),
  unary('cos', (a) => `Math.cos(${a})`),
  unary('tanh', (a) => `Math.tanh(${a})`),
  // Math.max, not a ternary: branchless on random signs (perf anchors B3) and NaN-propagating like torch.
  unary('relu', (a) => `Math.max(${a}, 0)`),
  unary('sigmoid', (a) => `(1 / (1 + Math.exp(-${a})))`),
  unary('sqrt', (a) => `Math.sqrt(${a})`),
  unary('abs', (a) => `Math.abs(${a})`),
  unary('erf', (a) => `H.erf(${a})`),
  binary('add', { kind: 'operator', symbol: '+' }, (a, b) => `(${a} + ${b})`),
  binary('sub', { kind: 'operator', symbol: '-' }, (a, b) => `(${a} - ${b})`),
  binary('mul', { kind: 'operator', symbol: '*' }, (a, b) => `(${a} * ${b})`),
  binary('div', { kind: 'operator', symbol: '/' }, (a, b) => `(${a} / ${b})`),
  binary('pow', { kind: 'operator', symbol: '**' }, (a, b) => `Math.pow(${a}, ${b})`),
  binary('maximum', { kind: 'function', name: 'torch.maximum' }, (a, b) => `Math.max(${a}, ${b})`),
  compare('eq', '==', '==='),
  compare('ne', '!=', '!=='),
  compare('lt', '<', '<'),
  compare('le', '<=', '<='),
  compare('gt', '>', '>'),
  compare('ge', '>=', '>='),
  pointwise(
    'where',
    'where',
    3,
    { kind: 'function', name: 'torch.where' },
    (c, a, b) => `(${c} !== 0 ? ${a} : ${b})`,
  ),
];
