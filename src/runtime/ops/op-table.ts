/** The op table: every op the runtime knows, by name. Capture, lowering and codegen all read it. */
import { badArgument } from '../core/errors.js';
import { COMPOSITE_OPS } from './composites.js';
import { MATMUL_OP } from './matmul.js';
import type { OpDef } from './op-def.js';
import { POINTWISE_OPS } from './pointwise.js';
import { REDUCTION_OPS } from './reductions.js';
import { VIEW_OPS } from './views.js';

export const OP_TABLE: ReadonlyMap<string, OpDef> = new Map(
  [...POINTWISE_OPS, ...REDUCTION_OPS, MATMUL_OP, ...VIEW_OPS, ...COMPOSITE_OPS].map((op) => [op.name, op]),
);

export function getOp(name: string): OpDef {
  const op = OP_TABLE.get(name);
  if (op === undefined)
    throw badArgument(`unknown op '${name}'`, `known ops: ${[...OP_TABLE.keys()].join(', ')}`);
  return op;
}
