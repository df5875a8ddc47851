/**
 * Generated code (golden output_code with stable names), the kernel cache (memory, disk, corrupt and
 * unwritable directories), execution checks, and the backend behind compile(fn).
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CompilogError } from '../../src/logging/index.js';
import {
  compile,
  compileGraph,
  defaultCacheDir,
  Graph,
  graphKey,
  inductorBackend,
  KernelCache,
  randn,
  type Tensor,
  traceGraph,
} from '../../src/runtime/index.js';
import { expectClose } from './backend-helpers.js';

const GOLDEN = resolve(import.meta.dirname, 'fixtures/backend-output-code.golden.js');

const x = randn([6, 8], { seed: 1 });
const w = randn([5, 8], { seed: 2 });
const program = (a: Tensor, b: Tensor): Tensor[] => {
  const h = a.matmul(b.transpose(0, 1)).add(1).relu();
  return [h.softmax(-1), h.sum(0), a.transpose(0, 1).exp()];
};
const graph = () => traceGraph(program as never, [x, w], { sourceLocations: false, names: ['x', 'w'] });

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'compilog-cache-test-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('generated code', () => {
  it('output_code is stable: golden file (UPDATE_GOLDEN=1 rewrites it)', () => {
    const compiled = compileGraph(graph(), { cache: false });
    // The cache key hashes the generator's own files, so it changes with any edit to them.
    const source = compiled.spec.source.replace(/^\/\/ cache key: [0-9a-f]{32}$/m, '// cache key: <key>');
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, source);
    expect(source).toBe(readFileSync(GOLDEN, 'utf8'));
    expect(compiled.spec.kernels.map((k) => k.name)).toEqual([
      'js_mm_fused_add_matmul_relu_0',
      'js_red_fused_amax_div_exp_sub_sum_1',
      'js_red_sum_2',
      'js_poi_exp_3',
    ]);
  });

  it('runs and matches eager, with outputs that are views of inputs or buffers', () => {
    const compiled = compileGraph(graph(), { cache: false });
    const got = compiled.run([x, w]);
    const want = program(x, w);
    got.forEach((t, i) => {
      expectClose(t, want[i], 2e-5);
    });
    const view = compileGraph(traceGraph(((a: Tensor) => a.transpose(0, 1)) as never, [x]), { cache: false });
    const [t] = view.run([x]);
    expect(t.storage).toBe(x.storage);
    expect([...t.strides]).toEqual([1, 8]);
  });

  it('user source text in comments cannot break out of them', () => {
    const g = new Graph();
    const p = g.placeholder('x', x);
    const code = 'a.exp()\u2028throw new Error("escaped")\u2029\nthrow 1';
    g.setOutputs([g.call('exp', [p], {}, x, { file: '/tmp/a.ts', line: 3, fn: 'f', code })]);
    const compiled = compileGraph(g, { cache: false });
    expect(compiled.spec.source).toContain('//   a.ts:3  a.exp() throw new Error("escaped")  throw 1');
    expectClose(compiled.run([x])[0], x.exp(), 0);
  });

  it('refuses inputs of another layout with E_BAD_ARGUMENT', () => {
    const compiled = compileGraph(graph(), { cache: false });
    const err = (() => {
      try {
        compiled.run([randn([6, 9], { seed: 1 }), w]);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CompilogError);
    expect((err as CompilogError).code).toBe('E_BAD_ARGUMENT');
    expect((err as CompilogError).message).toContain("input 'x' has shape [6, 9]");
  });

  it('times each kernel launch when asked', () => {
    const compiled = compileGraph(graph(), { cache: false, timing: true });
    compiled.run([x, w]);
    compiled.run([x, w]);
    expect(compiled.kernelTimes.map((k) => k.calls)).toEqual([2, 2, 2, 2]);
    expect(compiled.kernelTimes.every((k) => k.totalMs >= 0)).toBe(true);
  });
});

describe('exact: true is bit-exact with eager', () => {
  it('a small attention + MLP block: every element equal', () => {
    const d = 16;
    const ws = [0, 1, 2, 3, 4, 5].map((i) => randn([d, d], { seed: 20 + i }).mul(0.25));
    const bs = [0, 1, 2, 3, 4, 5].map((i) => randn([d], { seed: 40 + i }).mul(0.1));
    const block = (t: Tensor): Tensor => {
      const h = t.layerNorm([d], bs[4].add(1), bs[5]);
      const q = h.linear(ws[0], bs[0]).view(8, 2, 8).transpose(0, 1);
      const k = h.linear(ws[1], bs[1]).view(8, 2, 8).transpose(0, 1);
      const v = h.linear(ws[2], bs[2]).view(8, 2, 8).transpose(0, 1);
      const a = q.matmul(k.transpose(-2, -1)).mul(0.35).softmax(-1).matmul(v).transpose(0, 1).reshape(8, d);
      const t1 = t.add(a.linear(ws[3], bs[3]));
      return t1.add(t1.layerNorm([d]).linear(ws[4]).gelu().linear(ws[5]).tanh().relu().sub(t1.sigmoid()));
    };
    const input = randn([8, d], { seed: 99 });
    const graph = traceGraph(block as never, [input], { sourceLocations: false });
    const compiled = compileGraph(graph, { cache: false, exact: true });
    expectClose(compiled.run([input])[0], block(input), 0);
    // the default (fast) mode: within float32 rounding
    expectClose(compileGraph(graph, { cache: false }).run([input])[0], block(input), 1e-6);
  });
});

describe('exact: false (the default)', () => {
  it('keeps intermediates in float64 (no per-op rounding), within float32 rounding of eager', () => {
    const chain = (a: Tensor, b: Tensor) => a.add(b).mul(1.5).relu().sub(b).mul(a).maximum(0.25);
    const g = traceGraph(chain as never, [x, x], { sourceLocations: false });
    const fast = compileGraph(g, { cache: false });
    const exact = compileGraph(g, { cache: false, exact: true });
    expect(fast.spec.source).not.toContain('Math.fround');
    // exact: add, mul, sub, mul rounded (relu and maximum's results are float32 values already), in the fast
    // body and in the safe copy that runs if a relu/maximum operand is infinite
    const fastBody = /_fast\([^)]*\) \{[\s\S]*?\n {2}\}/.exec(exact.spec.source)?.[0] ?? '';
    expect(fastBody.match(/Math\.fround/g)).toHaveLength(4);
    expect(exact.spec.source.match(/Math\.fround/g)).toHaveLength(8);
    expectClose(fast.run([x, x])[0], chain(x, x), 1e-6);
    expectClose(exact.run([x, x])[0], chain(x, x), 0);
    expect(graphKey(g, true, false)).not.toBe(graphKey(g, true, true));
  });
});

describe('kernel cache', () => {
  it('misses, then hits in memory, then on disk from a fresh in-memory cache', () => {
    const dir = tempDir();
    const first = new KernelCache({ dir });
    const a = compileGraph(graph(), { cache: first });
    expect(a.metrics.cache_state).toBe('miss');
    const b = compileGraph(graph(), { cache: first });
    expect([b.metrics.cache_state, b.metrics.cache_source]).toEqual(['hit', 'memory']);
    const fresh = new KernelCache({ dir });
    const c = compileGraph(graph(), { cache: fresh });
    expect([c.metrics.cache_state, c.metrics.cache_source]).toEqual(['hit', 'disk']);
    expect(c.spec.source).toBe(a.spec.source);
    expect(fresh.stats).toEqual({ memoryHits: 0, diskHits: 1, misses: 0 });
    const key = graphKey(graph(), true);
    expect(readdirSync(join(dir, key.slice(0, 2))).sort()).toEqual([`${key}.js`, `${key}.json`]);
    c.run([x, w]).forEach((t, i) => {
      expectClose(t, a.run([x, w])[i], 0);
    });
  });

  it('a different graph is a different key', () => {
    const other = traceGraph(program as never, [randn([3, 8]), w], {
      sourceLocations: false,
      names: ['x', 'w'],
    });
    expect(graphKey(other, true)).not.toBe(graphKey(graph(), true));
    expect(graphKey(graph(), false)).not.toBe(graphKey(graph(), true));
  });

  it('treats a corrupt entry as a miss and recompiles', () => {
    const dir = tempDir();
    compileGraph(graph(), { cache: new KernelCache({ dir }) });
    const key = graphKey(graph(), true);
    writeFileSync(join(dir, key.slice(0, 2), `${key}.json`), '{"key": "truncated');
    const again = compileGraph(graph(), { cache: new KernelCache({ dir }) });
    expect(again.metrics.cache_state).toBe('miss');
    again.run([x, w]).forEach((t, i) => {
      expectClose(t, program(x, w)[i], 2e-5);
    });
  });

  it('still compiles when the cache directory cannot be written', () => {
    const dir = tempDir();
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const cache = new KernelCache({ dir: file });
    const compiled = compileGraph(graph(), { cache });
    expect(compiled.metrics.cache_state).toBe('miss');
    expect(compileGraph(graph(), { cache }).metrics.cache_source).toBe('memory');
  });

  it('does not use a default directory that others can write to (its files are executed)', () => {
    const saved = { tmp: process.env.TMPDIR, dir: process.env.COMPILOG_CACHE_DIR };
    const tmp = tempDir();
    try {
      process.env.TMPDIR = tmp;
      delete process.env.COMPILOG_CACHE_DIR;
      const dir = defaultCacheDir();
      expect(dir.startsWith(tmp)).toBe(true);
      mkdirSync(dir, { mode: 0o777 });
      chmodSync(dir, 0o777);
      const cache = new KernelCache();
      expect(compileGraph(graph(), { cache }).metrics.cache_state).toBe('miss');
      expect(cache.dir).toBeNull();
      expect(readdirSync(dir)).toEqual([]);
      chmodSync(dir, 0o700);
      const trusted = new KernelCache();
      compileGraph(graph(), { cache: trusted });
      expect(trusted.dir).toBe(dir);
      expect(readdirSync(dir)).toHaveLength(1);
    } finally {
      for (const [k, v] of [
        ['TMPDIR', saved.tmp],
        ['COMPILOG_CACHE_DIR', saved.dir],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('defaults to $COMPILOG_CACHE_DIR, else a per-user directory under the temp dir', () => {
    const saved = process.env.COMPILOG_CACHE_DIR;
    try {
      process.env.COMPILOG_CACHE_DIR = '/some/where';
      expect(defaultCacheDir()).toBe('/some/where');
      delete process.env.COMPILOG_CACHE_DIR;
      expect(defaultCacheDir()).toMatch(/compilog-cache-\w+$/);
    } finally {
      if (saved === undefined) delete process.env.COMPILOG_CACHE_DIR;
      else process.env.COMPILOG_CACHE_DIR = saved;
    }
  });
});

describe('compile(fn) with the inductor backend', () => {
  it('runs compiled, reuses the entry, and recompiles for a new shape', () => {
    const fn = (a: Tensor, b: Tensor) => a.add(b).mul(2).softmax(-1);
    const compiled = compile(fn, { backend: inductorBackend });
    const y = randn([6, 8], { seed: 9 });
    expectClose(compiled(x, y), fn(x, y), 2e-5);
    expectClose(compiled(x, y), fn(x, y), 2e-5);
    const x2 = randn([3, 8], { seed: 3 });
    const y2 = randn([3, 8], { seed: 4 });
    expectClose(compiled(x2, y2), fn(x2, y2), 2e-5);
    expect(compiled.entries).toHaveLength(2);
  });
});
