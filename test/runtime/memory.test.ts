/**
 * Memory over a long run of compile(fn): bench/support/memory-workload.ts in a child with --expose-gc compiles and
 * calls fresh functions (chains, graph breaks, weights, dynamic shapes, a function past its recompile limit, a
 * dynamic function at ever new sizes). Once the bounded caches are full, more compiles must not grow the heap, and
 * compiled functions the user drops must be collected with everything compile() keeps for them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCompileContext } from '../../src/artifacts/index.js';
import {
  type Backend,
  compile,
  KernelCache,
  randn,
  referenceBackend,
  SPECIALIZED_SIZES,
  type Tensor,
} from '../../src/runtime/index.js';

const WORKLOAD = resolve(import.meta.dirname, '../../bench/support/memory-workload.ts');
const work = mkdtempSync(join(tmpdir(), 'compilog-memory-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Sample {
  readonly round: number;
  readonly compiles: number;
  readonly heapUsed: number;
}

function runWorkload(args: readonly string[], env: Record<string, string> = {}): unknown {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', WORKLOAD, ...args], {
    env: { ...process.env, TORCH_LOGS: '', TORCH_TRACE: '', COMPILOG_CACHE_DIR: join(work, 'cache'), ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  expect(r.status, r.stderr.slice(-2000)).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const MB = 1024 * 1024;

describe('memory over a long run', { timeout: 120_000 }, () => {
  // Before the caches were bounded the heap grew ~0.85 MB per 100 compiles (a kernel module per new shape, a
  // runner per size of a dynamic graph, trace overhead per compile id): ~6 MB over the second half here.
  it.each([
    ['nothing enabled', {}],
    ['TORCH_TRACE on', { TORCH_TRACE: join(work, 'trace') }],
  ])('the heap after 700 more compiles stays within 2 MB of the heap after the first 700 (%s)', (_, env) => {
    const { samples } = runWorkload(['200', '100'], env) as { samples: Sample[] };
    expect(samples.map((s) => s.round)).toEqual([0, 100, 200]);
    const [, middle, end] = samples;
    expect(end.compiles - middle.compiles).toBeGreaterThanOrEqual(700);
    expect((end.heapUsed - middle.heapUsed) / MB).toBeLessThan(2);
  });

  it('compiled functions the user drops are collected, with their functions, entries and graphs', () => {
    const { dropped, collected } = runWorkload(['40', '1', 'weak']) as { dropped: number; collected: number };
    expect(dropped).toBe(80);
    expect(collected).toBe(80);
  });
});

describe('bounded caches', () => {
  it('the kernel cache keeps at most memoryLimit modules, least recently used out', () => {
    const cache = new KernelCache({ dir: null, memoryLimit: 2 });
    const spec = (key: string) => ({
      version: 0,
      key,
      graphName: 'graph',
      source: 'return () => [];',
      inputCount: 0,
      constants: [],
      kernels: [],
      outputs: [],
    });
    cache.put(spec('a'));
    cache.put(spec('b'));
    expect(cache.get('a')?.from).toBe('memory'); // a is now the most recent
    cache.put(spec('c'));
    expect(cache.memorySize).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    // a factory is made for an evicted module too, without being kept
    expect(typeof cache.factory(spec('z'))).toBe('function');
    expect(cache.memorySize).toBe(2);
  });

  it('a dynamic graph keeps a runner for the SPECIALIZED_SIZES most recently used sizes only', () => {
    let backendCalls = 0;
    const counting: Backend = (graph, inputs, context) => {
      backendCalls++;
      return referenceBackend(graph, inputs, context);
    };
    const cf = compile((x: Tensor) => x.mul(2).add(1), { dynamic: true, backend: counting });
    const sizes = Array.from({ length: SPECIALIZED_SIZES + 4 }, (_, i) => i + 2);
    for (const n of sizes) {
      const x = randn([n], { seed: n });
      expect(cf(x).toArray()).toEqual(x.mul(2).add(1).toArray());
    }
    expect(cf.entries).toHaveLength(1);
    const calls = backendCalls;
    cf(randn([sizes[sizes.length - 1]])); // recent: reused
    expect(backendCalls).toBe(calls);
    cf(randn([sizes[1]])); // evicted long ago: specialised again
    expect(backendCalls).toBe(calls + 1);
  });

  it('compile ids still count per code object after the counters became weak', () => {
    const f = () => undefined;
    const first = defaultCompileContext.nextCompileId(f);
    const second = defaultCompileContext.nextCompileId(f);
    expect(second).toEqual({ frameId: first.frameId, frameCompileId: first.frameCompileId + 1 });
    const byName = defaultCompileContext.nextCompileId('memory-test-frame');
    expect(defaultCompileContext.nextCompileId('memory-test-frame')).toEqual({
      frameId: byName.frameId,
      frameCompileId: 1,
    });
  });
});
