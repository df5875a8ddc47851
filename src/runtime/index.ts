// The included tensor compiler's public surface. Other folders import only this file.

import { backendMetrics, inductorBackend } from './backend/index.js';
import { setDefaultBackend, setMetricsProvider } from './capture/index.js';

export * from './backend/index.js';
export * from './capture/index.js';

// compile(fn) uses the generated-code backend unless told otherwise (PyTorch's default is inductor), and each
// compile's compilation_metrics carries the backend's figures.
setDefaultBackend(inductorBackend);
setMetricsProvider(backendMetrics);

export { Xoshiro128 } from './core/random.js';
export { broadcastShapes, contiguousStrides, isContiguous, numel } from './core/shape.js';
export type {
  Attrs,
  AttrValue,
  DType,
  Operand,
  StridedArray,
  TensorMeta,
  TensorValue,
} from './core/types.js';
export {
  arange,
  cat,
  full,
  manualSeed,
  matmul,
  type NestedNumbers,
  ones,
  randn,
  tensor,
  where,
  zeros,
} from './creation.js';
export { dispatch, materialize } from './dispatch/dispatch.js';
export {
  activeModes,
  type DispatchMode,
  type MaterializeReason,
  withMode,
  withoutModes,
} from './dispatch/mode.js';
export * from './ir/index.js';
export { type ExprTemplate, KERNEL_HELPERS } from './kernels/elementwise.js';
export type { OpCall, OpCategory, OpDef, OutMeta, PrintStyle } from './ops/op-def.js';
export { getOp, OP_TABLE } from './ops/op-table.js';
export { type Scalar, Tensor, type TensorOrScalar } from './tensor.js';
