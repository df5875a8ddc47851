/**
 * The graph IR: one flat, topologically ordered list of nodes (like torch.fx.Graph). Capture builds
 * it, lowering rewrites it (decompose), later fusion groups its nodes, codegen walks it.
 */
import type { Attrs, StridedArray, TensorMeta } from '../core/types.js';

export type NodeKind = 'placeholder' | 'constant' | 'call';

/** Where a node came from in the user's program (for `# File: ...` comments and the viewer). */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly fn: string;
  readonly code?: string;
}

/** An argument: another node's value or a scalar literal (`exp * 2`). */
export type Arg = Node | number;

export interface Node {
  readonly id: number;
  /** Unique, identifier-safe: `l_x_`, `sin`, `mul_1`, `sum_1` (FX's naming). */
  readonly name: string;
  readonly kind: NodeKind;
  /** The op-table name for calls; '' for placeholders and constants. */
  readonly op: string;
  readonly inputs: readonly Arg[];
  readonly attrs: Attrs;
  readonly meta: TensorMeta;
  /** Placeholders: the user-visible argument name (`x`). */
  readonly argName?: string;
  /** Constants: the data (a tensor created inside the function, or a closed-over weight). */
  readonly value?: StridedArray;
  readonly source?: SourceLocation;
}

/** Names FX suffixes on first use because they shadow Python builtins (`sum` prints as `sum_1`). */
const SHADOWED = new Set(['sum', 'abs', 'pow', 'max', 'min', 'input', 'slice', 'len', 'all', 'any', 'round']);

export class Graph {
  readonly nodes: Node[] = [];
  outputs: Node[] = [];
  private readonly used = new Map<string, number>();
  private edits = 0;

  /** Changes whenever a node is added or the outputs are set (a graph is otherwise never edited). */
  get version(): number {
    return this.edits;
  }

  get placeholders(): Node[] {
    return this.nodes.filter((n) => n.kind === 'placeholder');
  }

  placeholder(argName: string, meta: TensorMeta, source?: SourceLocation): Node {
    const safe = argName.replace(/[^A-Za-z0-9_]/g, '_');
    return this.add(
      { kind: 'placeholder', op: '', inputs: [], attrs: {}, meta, argName, source },
      `l_${safe}_`,
    );
  }

  constant(value: StridedArray, meta: TensorMeta): Node {
    return this.add({ kind: 'constant', op: '', inputs: [], attrs: {}, meta, value }, '_tensor_constant0');
  }

  call(op: string, inputs: readonly Arg[], attrs: Attrs, meta: TensorMeta, source?: SourceLocation): Node {
    return this.add({ kind: 'call', op, inputs, attrs, meta, source }, op);
  }

  setOutputs(outputs: readonly Node[]): void {
    this.edits++;
    this.outputs = [...outputs];
  }

  /** Nodes that read `node` (computed on demand; graphs are small). */
  users(node: Node): Node[] {
    return this.nodes.filter((n) => n.inputs.includes(node));
  }

  private add(fields: Omit<Node, 'id' | 'name'>, base: string): Node {
    const node: Node = { id: this.nodes.length, name: this.uniqueName(base), ...fields };
    this.edits++;
    this.nodes.push(node);
    return node;
  }

  private uniqueName(base: string): string {
    // `_tensor_constant0` counts up from its trailing digit, others get `_1`, `_2`, ... like FX.
    const stem = base.replace(/\d+$/, '');
    const count = this.used.get(stem) ?? 0;
    this.used.set(stem, count + 1);
    if (base !== stem) return `${stem}${count}`;
    const first = SHADOWED.has(base) ? 1 : 0;
    return count + first === 0 ? base : `${base}_${count + first}`;
  }
}
