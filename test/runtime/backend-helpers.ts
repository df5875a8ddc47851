/** Shared by the backend tests: compile a function's graph and compare it with eager execution. */
import { expect } from 'vitest';
import {
  type CompiledProgram,
  type CompileGraphOptions,
  compileGraph,
  interpret,
  KernelCache,
  type Tensor,
  traceGraph,
} from '../../src/runtime/index.js';

export const memoryCache = new KernelCache({ dir: null });

export type Fn = (...args: Tensor[]) => Tensor | Tensor[];

/** Traces `fn` (no source lines, so generated code is stable), compiles it, runs both, compares. */
export function compiledMatchesEager(
  fn: Fn,
  inputs: readonly Tensor[],
  options: CompileGraphOptions & { tol?: number } = {},
): CompiledProgram {
  const graph = traceGraph(fn as never, inputs, { sourceLocations: false });
  const program = compileGraph(graph, { cache: memoryCache, ...options });
  const got = program.run(inputs as Tensor[]);
  const want = interpret(graph, inputs);
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    expectClose(g, want[i], options.tol ?? 2e-5);
  });
  return program;
}

export function expectClose(got: Tensor, want: Tensor, tol: number): void {
  expect([...got.shape]).toEqual([...want.shape]);
  const a = got.toArray();
  const b = want.toArray();
  for (let i = 0; i < b.length; i++) {
    if (Number.isNaN(b[i])) {
      expect(a[i], `element ${i}`).toBeNaN();
      continue;
    }
    if (a[i] === b[i]) continue;
    const err = Math.abs(a[i] - b[i]);
    // a NaN or infinite difference is never close (NaN > tol would be false)
    if (!(err <= tol * Math.max(1, Math.abs(b[i])))) {
      throw new Error(`element ${i}: compiled ${a[i]} vs eager ${b[i]} (|diff| ${err})`);
    }
  }
}
