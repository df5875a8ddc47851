/**
 * Composite ops: declared with a decomposition into primitives (what `aot` lowering applies and the
 * eager fallback runs). gelu also has a direct eager kernel; tests check it equals its decomposition.
 */
import { badArgument, shapeMismatch } from '../core/errors.js';
import { broadcastShapes, formatShape, normalizeDim, numel } from '../core/shape.js';
import type { Attrs, Operand, OperandMeta, TensorValue } from '../core/types.js';
import { type ExprTemplate, runElementwise } from '../kernels/elementwise.js';
import { planMatmul } from './matmul.js';
import { contiguousMeta, listAttr, numberAttr, reductionDims, tensorArg } from './meta.js';
import type { OpDef } from './op-def.js';
import { reductionMeta } from './reductions.js';

const t = (x: Operand): TensorValue => x as TensorValue;

const softmaxMeta = (name: string) => (inputs: readonly OperandMeta[], attrs: Attrs) => {
  const x = tensorArg(inputs[0], name);
  normalizeDim(numberAttr(attrs.dim, 'dim', name), x.shape.length);
  return contiguousMeta(x.shape);
};

const softmax: OpDef = {
  name: 'softmax',
  category: 'composite',
  arity: 1,
  print: { kind: 'method', name: 'softmax' },
  inferMeta: softmaxMeta('softmax'),
  decompose([x], attrs, call) {
    // Subtracting the row max keeps exp() finite: the stable formulation.
    const shifted = call('sub', [x, call('amax', [x], { dim: attrs.dim, keepdim: true })]);
    const e = call('exp', [shifted]);
    return call('div', [e, call('sum', [e], { dim: attrs.dim, keepdim: true })]);
  },
};

const logSoftmax: OpDef = {
  name: 'log_softmax',
  category: 'composite',
  arity: 1,
  print: { kind: 'method', name: 'log_softmax' },
  inferMeta: softmaxMeta('log_softmax'),
  decompose([x], attrs, call) {
    const shifted = call('sub', [x, call('amax', [x], { dim: attrs.dim, keepdim: true })]);
    const lse = call('log', [call('sum', [call('exp', [shifted])], { dim: attrs.dim, keepdim: true })]);
    return call('sub', [shifted, lse]);
  },
};

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = 0.7978845608028654;
const geluExpr = (approximate: string): ExprTemplate =>
  approximate === 'tanh'
    ? (a) => `(0.5 * ${a} * (1 + Math.tanh(${SQRT_2_OVER_PI} * (${a} + 0.044715 * ${a} * ${a} * ${a}))))`
    : (a) => `(0.5 * ${a} * (1 + H.erf(${a} * ${SQRT1_2})))`;

/** approximate: 'none' (PyTorch's default, exact erf) or 'tanh'. */
const gelu: OpDef = {
  name: 'gelu',
  category: 'composite',
  arity: 1,
  print: { kind: 'function', name: 'torch._C._nn.gelu' },
  inferMeta(inputs, attrs) {
    const x = tensorArg(inputs[0], 'gelu');
    if (attrs.approximate !== 'none' && attrs.approximate !== 'tanh') {
      throw badArgument('approximate argument must be either none or tanh.');
    }
    return contiguousMeta(x.shape);
  },
  eager(inputs, attrs, out) {
    const mode = attrs.approximate as string;
    return runElementwise(`gelu_${mode}`, geluExpr(mode), inputs, out.shape);
  },
  decompose([x], attrs, call) {
    if (attrs.approximate === 'tanh') {
      const cube = call('mul', [call('mul', [x, x]), x]);
      const inner = call('mul', [call('add', [x, call('mul', [cube, 0.044715])]), SQRT_2_OVER_PI]);
      return call('mul', [call('mul', [x, 0.5]), call('add', [call('tanh', [inner]), 1])]);
    }
    return call('mul', [call('mul', [x, 0.5]), call('add', [call('erf', [call('mul', [x, SQRT1_2])]), 1])]);
  },
};

const mean: OpDef = {
  name: 'mean',
  category: 'composite',
  arity: 1,
  print: { kind: 'method', name: 'mean' },
  inferMeta: (inputs, attrs) => reductionMeta('mean', inputs, attrs),
  decompose([x], attrs, call) {
    const shape = t(x).shape;
    const count = numel(reductionDims(attrs.dim, shape.length).map((d) => shape[d]));
    return call('div', [call('sum', [x], attrs), count]);
  },
};

/** inputs [x, weight?, bias?]; attrs normalized_shape, eps, has_weight, has_bias. */
const layerNorm: OpDef = {
  name: 'layer_norm',
  category: 'composite',
  arity: 'variadic',
  print: { kind: 'function', name: 'torch.nn.functional.layer_norm' },
  inferMeta(inputs, attrs) {
    const x = tensorArg(inputs[0], 'layer_norm');
    const norm = listAttr(attrs.normalized_shape, 'normalized_shape', 'layer_norm');
    const tail = x.shape.slice(x.shape.length - norm.length);
    if (norm.length === 0 || norm.length > x.shape.length || tail.some((d, i) => d !== norm[i])) {
      throw shapeMismatch(
        `Given normalized_shape=${formatShape(norm)}, expected input with shape [*, ${norm.join(', ')}], but got input of size${formatShape(x.shape)}`,
      );
    }
    inputs.slice(1).forEach((p, i) => {
      const shape = tensorArg(p, 'layer_norm', i + 1).shape;
      if (shape.length !== norm.length || shape.some((d, j) => d !== norm[j])) {
        throw shapeMismatch(
          `Expected ${i === 0 && attrs.has_weight ? 'weight' : 'bias'} to be of same shape as normalized_shape, but got ${i === 0 && attrs.has_weight ? 'weight' : 'bias'} of shape ${formatShape(shape)} and normalized_shape = ${formatShape(norm)}`,
        );
      }
    });
    return contiguousMeta(x.shape);
  },
  decompose(inputs, attrs, call) {
    const x = inputs[0];
    const rank = t(x).shape.length;
    const k = listAttr(attrs.normalized_shape, 'normalized_shape', 'layer_norm').length;
    const dim = [...Array(k).keys()].map((i) => rank - k + i);
    const mu = call('mean', [x], { dim, keepdim: true });
    const centered = call('sub', [x, mu]);
    const variance = call('mean', [call('mul', [centered, centered])], { dim, keepdim: true });
    let y = call('div', [centered, call('sqrt', [call('add', [variance, attrs.eps as number])])]);
    let next = 1;
    if (attrs.has_weight) y = call('mul', [y, inputs[next++]]);
    if (attrs.has_bias) y = call('add', [y, inputs[next++]]);
    return y;
  },
};

/** torch.nn.functional.linear: x @ weight^T + bias; inputs [x, weight, bias?]. */
const linear: OpDef = {
  name: 'linear',
  category: 'composite',
  arity: 'variadic',
  print: { kind: 'function', name: 'torch._C._nn.linear' },
  inferMeta(inputs) {
    const x = tensorArg(inputs[0], 'linear', 0);
    const w = tensorArg(inputs[1], 'linear', 1);
    const wt = w.shape.length === 2 ? [w.shape[1], w.shape[0]] : [...w.shape];
    let out = planMatmul(x.shape, wt).out;
    if (inputs[2] !== undefined) out = broadcastShapes(out, tensorArg(inputs[2], 'linear', 2).shape);
    return contiguousMeta(out);
  },
  decompose(inputs, _attrs, call) {
    const [x, w, b] = inputs;
    const wt = t(w).shape.length === 2 ? call('transpose', [w], { dim0: 0, dim1: 1 }) : w;
    const y = call('matmul', [x, wt]);
    return b === undefined ? y : call('add', [y, b]);
  },
};

export const COMPOSITE_OPS: readonly OpDef[] = [softmax, logSoftmax, gelu, mean, layerNorm, linear];
