/**
 * Dynamic integer arguments (PyTorch's automatic dynamic for ints: `create_symbol s86 = 3 for L['n']`).
 *
 * JavaScript numbers carry no provenance, so a literal `3` in a recorded graph may come from the argument
 * `n` or from the code. To tell them apart the function is recorded once more (a *probe*) with `n` replaced
 * by a sentinel value: a literal that is `n` in the captured graph and the sentinel in the probe is `n`; a
 * literal equal in both is a constant. The argument becomes a 0-d graph input (`l_n_`) that replaces those
 * literals, so one compiled graph serves every value. It stays specialised (an EQUALS_MATCH guard, a
 * recompile per value) when the probe shows it matters to the graph's structure: used as an op attribute
 * (a dim, a reshape size, a slice bound), in a value computed from it, in a tensor built from it, or in
 * control flow that changes the recorded ops. As PyTorch specialises an int used as a dim or a size.
 *
 * A second probe with a negative sentinel catches branches on the sign or on a threshold below the value
 * (`n > 0 ? ...`, `Math.max(n, 0)`). Caveat: the probes see two other values. Host code that branches on `n`
 * and takes the same path for the captured value and both sentinels (`if (n === 5)` captured with 4) is
 * not seen (PyTorch's SymInt would guard on the comparison); pass `dynamic: false` to such a function.
 */
import { sameShape } from '../core/shape.js';
import type { TensorMeta, TensorValue } from '../core/types.js';
import { withMode, withoutModes } from '../dispatch/mode.js';
import { Graph, type Node } from '../ir/graph.js';
import { GraphRecorder } from '../ir/recorder.js';
import { getOp } from '../ops/op-table.js';
import { Tensor } from '../tensor.js';
import type { CompileArg } from './guards.js';

/** Integers a dynamic int is exact for: it reaches the kernels as a float32 0-d tensor. */
export const DYNAMIC_INT_MAX = 2 ** 24;

/** Op categories whose operands may be tensors or scalars alike (a 0-d tensor broadcasts as the scalar did). */
const SCALAR_OPERAND_CATEGORIES = new Set(['pointwise-unary', 'pointwise-binary', 'comparison', 'where']);

/** Whether a value of an argument can become a dynamic int at all (integers within float32's exact range). */
export function intCandidate(v: CompileArg): v is number {
  return typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= DYNAMIC_INT_MAX;
}

/** Where an int argument appears in a graph: (call node index among calls, operand index). */
interface IntUse {
  readonly call: number;
  readonly operand: number;
}

export type IntAnalysis =
  | { readonly arg: number; readonly uses: readonly IntUse[] }
  | { readonly arg: number; readonly reason: string };

/**
 * Probes `fn` once per requested int argument and says, per argument, where it is used as an operand
 * (it can be a graph input) or why it must stay specialised.
 */
export function analyseInts(
  fn: (...args: CompileArg[]) => unknown,
  graph: Graph,
  graphInputs: readonly TensorValue[],
  args: readonly CompileArg[],
  names: readonly string[],
  requested: readonly number[],
): IntAnalysis[] {
  return requested.map((arg) => analyseInt(fn, graph, graphInputs, args, names, arg));
}

function analyseInt(
  fn: (...args: CompileArg[]) => unknown,
  graph: Graph,
  graphInputs: readonly TensorValue[],
  args: readonly CompileArg[],
  names: readonly string[],
  arg: number,
): IntAnalysis {
  const value = args[arg] as number;
  const failed = (sentinel: number, error: string): IntAnalysis => ({
    arg,
    reason: `the function fails for L['${names[arg]}'] = ${sentinel} (${error})`,
  });
  // A large value first (few coincidences with constants); if the function rejects it (a dim out of
  // range), neighbours, so a dim or size use is reported as such.
  let first: IntAnalysis | undefined;
  let firstError: IntAnalysis | undefined;
  for (const sentinel of new Set([value === 97 ? 89 : 97, value - 1, value + 1])) {
    const probed = probe(fn, args, names, arg, sentinel);
    if ('error' in probed) {
      firstError ??= failed(sentinel, probed.error);
      continue;
    }
    first = compareGraphs(graph, graphInputs, probed, arg, names[arg], value, sentinel);
    break;
  }
  if (first === undefined) return firstError!;
  if ('reason' in first) return first;
  // A second probe on the other side of zero: host code that branches on the sign or a threshold of n
  // (`n > 0 ? ... : ...`, Math.max(n, 0)) records other ops or other literals there.
  const negative = value === -89 ? -83 : -89;
  const again = probe(fn, args, names, arg, negative);
  if ('error' in again) return failed(negative, again.error);
  const second = compareGraphs(graph, graphInputs, again, arg, names[arg], value, negative);
  if ('reason' in second) return second;
  const same =
    second.uses.length === first.uses.length &&
    second.uses.every((u, i) => u.call === first.uses[i].call && u.operand === first.uses[i].operand);
  return same ? first : { arg, reason: `the uses of L['${names[arg]}'] change with its value` };
}

interface Probe {
  readonly graph: Graph;
  /** Data of the tensors lifted to graph inputs (argument tensors first), in placeholder order. */
  readonly lifted: readonly (Float32Array | null)[];
}

/** Set while a probe runs: compiled functions called from it run eagerly (inlined) instead of compiling. */
let probing = 0;
export function isProbing(): boolean {
  return probing > 0;
}

function probe(
  fn: (...args: CompileArg[]) => unknown,
  args: readonly CompileArg[],
  names: readonly string[],
  arg: number,
  sentinel: number,
): Probe | { error: string } {
  const lifted: (Float32Array | null)[] = [];
  const liftedOf = new Map<TensorValue, TensorValue>();
  const recorder: GraphRecorder = new GraphRecorder({
    sourceLocations: false,
    lift: (t) => {
      let lazy = liftedOf.get(t);
      if (lazy === undefined) {
        lazy = recorder.input('tensor', meta(t));
        liftedOf.set(t, lazy);
        lifted.push(dataOf(t));
      }
      return lazy;
    },
  });
  probing++;
  try {
    return withoutModes(() =>
      withMode(recorder, () => {
        const probeArgs = args.map((a, i): CompileArg => {
          if (typeof a === 'number') return i === arg ? sentinel : a;
          let lazy = liftedOf.get(a); // a tensor passed twice is one graph input, as in capture
          if (lazy === undefined) {
            lazy = recorder.input(names[i], meta(a));
            liftedOf.set(a, lazy);
            lifted.push(null);
          }
          return Tensor.wrap(lazy);
        });
        const out = fn(...probeArgs);
        const outputs = (Array.isArray(out) ? out : [out]) as TensorValue[];
        if (!outputs.every((o) => o instanceof Tensor)) return { error: 'it does not return tensors' };
        recorder.output(outputs);
        return { graph: recorder.graph, lifted };
      }),
    );
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  } finally {
    probing--;
  }
}

/** A real tensor's elements in row-major order (null for a lazy one), read with no mode recording. */
function dataOf(t: TensorValue): Float32Array | null {
  return t.storage === null ? null : withoutModes(() => Tensor.wrap(t).toArray());
}

function meta(t: TensorValue): TensorMeta {
  return { shape: t.shape, strides: t.strides, offset: t.offset, dtype: t.dtype };
}

function compareGraphs(
  graph: Graph,
  graphInputs: readonly TensorValue[],
  probed: Probe,
  arg: number,
  name: string,
  value: number,
  sentinel: number,
): IntAnalysis {
  const source = `L['${name}']`;
  const calls = graph.nodes.filter((n) => n.kind === 'call');
  const probeCalls = probed.graph.nodes.filter((n) => n.kind === 'call');
  const placeholders = graph.placeholders;
  const probePlaceholders = probed.graph.placeholders;
  const changed = `the recorded ops change with ${source} (control flow on it)`;
  if (calls.length !== probeCalls.length || placeholders.length !== probePlaceholders.length) {
    return { arg, reason: changed };
  }
  for (let i = 0; i < placeholders.length; i++) {
    const data = probed.lifted[i];
    if (data === null || data === undefined) continue;
    if (!sameShape(placeholders[i].meta.shape, probePlaceholders[i].meta.shape))
      return { arg, reason: changed };
    // A tensor the function created from n (full([2], n)) has other data for the sentinel.
    const original = graphInputs[i] === undefined ? null : dataOf(graphInputs[i]);
    if (original !== null && !sameData(original, data)) {
      return { arg, reason: `a tensor created from ${source} is used in the graph` };
    }
  }
  const uses: IntUse[] = [];
  for (let c = 0; c < calls.length; c++) {
    const a = calls[c];
    const b = probeCalls[c];
    if (a.op !== b.op || a.inputs.length !== b.inputs.length) return { arg, reason: changed };
    if (JSON.stringify(a.attrs) !== JSON.stringify(b.attrs)) {
      const attr = Object.keys(a.attrs).find(
        (k) => JSON.stringify(a.attrs[k]) !== JSON.stringify(b.attrs[k]),
      );
      return { arg, reason: `${source} is used as ${a.op}(${attr ?? ''}=...), which must be static` };
    }
    for (let k = 0; k < a.inputs.length; k++) {
      const x = a.inputs[k];
      const y = b.inputs[k];
      if (typeof x !== typeof y || (typeof x !== 'number' && !sameWiring(x, y as Node))) {
        return { arg, reason: changed };
      }
      if (typeof x !== 'number' || x === y) continue;
      if (x !== value || y !== sentinel) {
        return { arg, reason: `a value computed from ${source} is used in ${a.op}` };
      }
      if (!SCALAR_OPERAND_CATEGORIES.has(getOp(a.op).category)) {
        return { arg, reason: `${source} is an operand of ${a.op}, which takes a literal` };
      }
      uses.push({ call: c, operand: k });
    }
  }
  return { arg, uses };
}

function sameData(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

/** Same kind of producer at the same position (placeholders by index, calls by index). */
function sameWiring(a: Node, b: Node): boolean {
  return a.kind === b.kind && a.id === b.id;
}

/**
 * The graph with each dynamic int argument as a 0-d graph input (`l_n_`) in place of its literal uses,
 * placed after the leading argument placeholders. Returns the new graph and, per placeholder index, the
 * argument it reads (for int inputs).
 */
export function withIntInputs(
  graph: Graph,
  ints: readonly { readonly arg: number; readonly name: string; readonly uses: readonly IntUse[] }[],
): { graph: Graph; intPlaceholders: Map<number, number> } {
  const out = new Graph();
  const map = new Map<Node, Node>();
  const intNodes = new Map<number, Node>();
  const intPlaceholders = new Map<number, number>();
  let placeholders = 0;
  const addInts = () => {
    for (const i of ints) {
      const node = out.placeholder(i.name, { shape: [], strides: [], offset: 0, dtype: 'float32' });
      intNodes.set(i.arg, node);
      intPlaceholders.set(placeholders++, i.arg);
    }
  };
  const useAt = new Map<string, number>();
  for (const i of ints) for (const u of i.uses) useAt.set(`${u.call}:${u.operand}`, i.arg);
  let callIndex = 0;
  let added = false;
  for (const n of graph.nodes) {
    if (n.kind !== 'placeholder' && !added) {
      addInts();
      added = true;
    }
    let copy: Node;
    if (n.kind === 'placeholder') {
      copy = out.placeholder(n.argName ?? n.name, n.meta, n.source);
      placeholders++;
    } else if (n.kind === 'constant') {
      copy = out.constant(n.value!, n.meta);
    } else {
      const c = callIndex++;
      const inputs = n.inputs.map((x, k): Node | number => {
        if (typeof x !== 'number') return map.get(x)!;
        const arg = useAt.get(`${c}:${k}`);
        return arg === undefined ? x : intNodes.get(arg)!;
      });
      copy = out.call(n.op, inputs, n.attrs, n.meta, n.source);
    }
    map.set(n, copy);
  }
  if (!added) addInts();
  out.setOutputs(graph.outputs.map((o) => map.get(o)!));
  return { graph: out, intPlaceholders };
}

/** The graph inputs of a graph with int inputs: the segment's inputs with each int argument as a 0-d tensor. */
export function intGraphInputs(
  segmentInputs: readonly Tensor[],
  intPlaceholders: ReadonlyMap<number, number>,
  args: readonly CompileArg[],
): Tensor[] {
  if (intPlaceholders.size === 0) return [...segmentInputs];
  const total = segmentInputs.length + intPlaceholders.size;
  const out: Tensor[] = [];
  let k = 0;
  for (let i = 0; i < total; i++) {
    const arg = intPlaceholders.get(i);
    out.push(arg === undefined ? segmentInputs[k++] : scalarInput(args[arg] as number));
  }
  return out;
}

/** A dynamic int as the 0-d float32 tensor the graph reads. */
export function scalarInput(v: number): Tensor {
  const storage = new Float32Array(1);
  storage[0] = v;
  return new Tensor({ shape: [], strides: [], offset: 0, dtype: 'float32', storage, lazy: null });
}
