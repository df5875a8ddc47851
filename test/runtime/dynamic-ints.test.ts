/**
 * Automatic dynamic for int arguments (PyTorch's automatic_dynamic_shapes for ints): the first compile
 * specialises `n` (EQUALS_MATCH), a recompile caused by `n` changing makes it a graph input (`L_n_:
 * "Sym(s86)"`, TYPE_MATCH), and later values reuse that graph. Uses that decide the graph's structure (a dim,
 * a reshape size, control flow, a value computed from n) stay specialised, with the reason logged; floats stay
 * specialised. Logs are checked in a child process (fixtures/dynamic-int-child.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readTrace } from '../../src/artifacts/index.js';
import {
  compile,
  formatGuards,
  KernelCache,
  makeInductorBackend,
  printGraph,
  randn,
  type Tensor,
} from '../../src/index.js';
import { maxAbsDiff } from './helpers.js';

describe('automatic dynamic int arguments', () => {
  it('one recompile when an int changes, then every value reuses that graph (results equal eager)', () => {
    const f = (x: Tensor, n: number) => x.exp().mul(n).add(n).softmax(-1);
    const cf = compile(f);
    const x = randn([4, 8], { seed: 1 });
    expect(maxAbsDiff(cf(x, 2), f(x, 2))).toBeLessThan(1e-6);
    expect(maxAbsDiff(cf(x, 3), f(x, 3))).toBeLessThan(1e-6);
    expect(cf.entries).toHaveLength(2);
    const frame = cf.frameId()!;
    expect(cf.entries[0].recompileReasons).toEqual([`${frame}/0: n == 2`]);
    expect(cf.entries[0].symbols).toEqual(['s86']);
    expect(cf.entries[1].symbols).toEqual([]);
    for (const n of [4, 5, -7, 0, 1, 1000, 2]) {
      expect(maxAbsDiff(cf(x, n), f(x, n)), `n = ${n}`).toBeLessThan(1e-6);
    }
    // newest first: 0/1 (TYPE_MATCH) takes every value, n = 2 included
    expect(cf.entries).toHaveLength(2);
    expect(cf.graphs).toHaveLength(2);
    expect(cf.entries[0].hits).toBe(7);
    expect(printGraph(cf.entries[0].graphs[0].graph)).toContain('mul: "f32[4, 8][8, 1]cpu" = exp * l_n_');
    expect(printGraph(cf.entries[0].graphs[0].graph)).toContain('add: "f32[4, 8][8, 1]cpu" = mul + l_n_');
  });

  it("property: for any ints the dynamic graph gives the static graph's bits, and eager's values", () => {
    const f = (x: Tensor, n: number, k: number) => x.mul(n).add(k).pow(2).sub(n);
    const cf = compile(f, { recompileLimit: 3 });
    const x = randn([3, 5], { seed: 7 });
    fc.assert(
      fc.property(fc.integer({ min: -5000, max: 5000 }), fc.integer({ min: -5000, max: 5000 }), (n, k) => {
        const got = cf(x, n, k);
        const specialised = compile(f, { dynamic: false })(x, n, k);
        expect(Array.from(got.toArray())).toEqual(Array.from(specialised.toArray()));
        // The fused kernel rounds once, so it is within float32 rounding of the float64 reference. Eager
        // rounds after every op and (x*n + k)^2 - n can cancel (CI found n=4648, k=4961 at 2.2e-4
        // relative), so eager is held to a bound that grows with the cancelled magnitude instead.
        const xs = x.toArray();
        const fused = got.toArray();
        const eager = f(x, n, k).toArray();
        for (let i = 0; i < xs.length; i++) {
          const reference = (xs[i] * n + k) ** 2 - n;
          expect(Math.abs(fused[i] - reference) / Math.max(1, Math.abs(reference))).toBeLessThan(1e-6);
          const magnitude = (Math.abs(xs[i] * n) + Math.abs(k)) ** 2 + Math.abs(n);
          expect(Math.abs(eager[i] - reference)).toBeLessThan(1e-6 * (1 + magnitude));
        }
      }),
      { numRuns: 60 },
    );
    // n and k both changed on the second call: one recompile makes both dynamic (or, if only one changed
    // then, one more for the other): never more than three entries, never an eager fallback
    expect(cf.entries.length).toBeLessThanOrEqual(3);
    expect(cf.limitHits).toBe(0);
    expect(cf.entries[0].symbols).toHaveLength(2);
    expect(cf.entries[0].symbols).toContain('s86');
  });

  it('pow with an int exponent and a comparison use the int as a graph input too', () => {
    const f = (x: Tensor, n: number) => x.pow(n).add(x.gt(n));
    const cf = compile(f);
    const x = randn([6], { seed: 3 });
    for (const n of [2, 3, 4, 5]) expect(maxAbsDiff(cf(x, n), f(x, n))).toBeLessThan(1e-5);
    expect(cf.entries).toHaveLength(2);
  });

  it('dynamic: true makes ints dynamic from the first compile', () => {
    const f = (x: Tensor, n: number) => x.mul(n);
    const cf = compile(f, { dynamic: true });
    const x = randn([2, 3], { seed: 2 });
    for (const n of [5, 6, 7]) expect(maxAbsDiff(cf(x, n), f(x, n))).toBeLessThan(1e-6);
    expect(cf.entries).toHaveLength(1);
    expect(cf.entries[0].symbols).toContain('s86');
    const guards = formatGuards(cf.entries[0].guards);
    expect(guards).toContain("| +- GuardManager: source=L['n'], type=<class 'number'>");
    expect(guards).toContain("| | +- TYPE_MATCH: ___check_type_id(L['n'], int), type=<class 'int'>");
    expect(guards).toContain("+- LAMBDA_GUARD: -16777216 <= L['n'] <= 16777216");
    expect(guards).not.toContain('EQUALS_MATCH');
  });

  it('dynamic: false keeps ints specialised: every value recompiles', () => {
    const cf = compile((x: Tensor, n: number) => x.mul(n), { dynamic: false });
    const x = randn([2, 3], { seed: 2 });
    for (const n of [5, 6, 7]) cf(x, n);
    expect(cf.entries).toHaveLength(3);
    expect(cf.entries.every((e) => e.symbols.length === 0)).toBe(true);
  });

  it('floats stay specialised (specialize_float): each value is a recompile', () => {
    const f = (x: Tensor, s: number) => x.mul(s);
    const cf = compile(f);
    const x = randn([2, 3], { seed: 2 });
    for (const s of [1.5, 2.5, 3.5]) expect(maxAbsDiff(cf(x, s), f(x, s))).toBeLessThan(1e-6);
    expect(cf.entries).toHaveLength(3);
    const frame = cf.frameId()!;
    expect(cf.entries[0].recompileReasons[0]).toBe(`${frame}/1: s == 2.5`);
    expect(cf.entries.every((e) => e.symbols.length === 0)).toBe(true);
  });

  it('a float passed where the int became dynamic fails TYPE_MATCH and recompiles specialised', () => {
    const f = (x: Tensor, n: number) => x.mul(n);
    const cf = compile(f);
    const x = randn([2, 3], { seed: 2 });
    cf(x, 2);
    cf(x, 3);
    expect(maxAbsDiff(cf(x, 0.5), f(x, 0.5))).toBeLessThan(1e-6);
    expect(cf.entries).toHaveLength(3);
    const frame = cf.frameId()!;
    expect(cf.entries[0].recompileReasons[0]).toBe(`${frame}/1: ___check_type_id(L['n'], int)`);
    expect(formatGuards(cf.entries[0].guards)).toContain("EQUALS_MATCH: L['n'] == 0.5");
    // a value beyond float32's exact integers fails the range guard (the graph input is float32)
    cf(x, 2 ** 25);
    expect(cf.entries[0].recompileReasons[0]).toBe(`${frame}/2: n == 0.5`);
    expect(cf.entries[0].recompileReasons[1]).toBe(`${frame}/1: -16777216 <= L['n'] <= 16777216`);
  });

  it.each([
    ['a dim', (x: Tensor, n: number) => x.sum(n), [0, 1, -1]],
    ['a reshape size', (x: Tensor, n: number) => x.reshape(n, -1), [2, 3, 6]],
    ['a slice bound', (x: Tensor, n: number) => x.slice(1, 0, n), [2, 3, 4]],
    ['a value computed from it', (x: Tensor, n: number) => x.mul(n * 2), [2, 3, 4]],
    ['control flow', (x: Tensor, n: number) => (n > 50 ? x.relu() : x.neg()), [2, 3, 4]],
    ['a sign branch', (x: Tensor, n: number) => (n > 0 ? x.mul(n) : x.relu()), [2, 3, -1]],
    ['a clamp on the host', (x: Tensor, n: number) => x.mul(Math.max(n, 0)), [2, 3, -4]],
  ] as const)('an int used as %s stays specialised: every value recompiles', (_, f, values) => {
    const lastReason = `n == ${values[values.length - 2]}`;
    const cf = compile(f as (x: Tensor, n: number) => Tensor);
    const x = randn([2, 6], { seed: 4 });
    for (const n of values) expect(maxAbsDiff(cf(x, n), f(x, n))).toBeLessThan(1e-6);
    expect(cf.entries).toHaveLength(values.length);
    expect(cf.entries[0].recompileReasons[0]).toBe(`${cf.frameId()}/${values.length - 2}: ${lastReason}`);
    expect(cf.entries.every((e) => e.symbols.length === 0)).toBe(true);
  });

  it('the kernel cache key holds that a graph has an int input, not its value', () => {
    const cache = new KernelCache({ dir: null });
    const backend = makeInductorBackend({ cache });
    const f = (x: Tensor, n: number) => x.exp().mul(n);
    const x = randn([4, 4], { seed: 5 });
    compile(f, { backend, dynamic: false })(x, 2); // n = 2 baked in as a literal
    const afterStatic = cache.stats.misses;
    compile(f, { backend, dynamic: true })(x, 2); // the same value as an input: another program
    expect(cache.stats.misses).toBeGreaterThan(afterStatic);
    const misses = cache.stats.misses;
    const hits = cache.stats.memoryHits;
    const other = compile(f, { backend, dynamic: true });
    expect(maxAbsDiff(other(x, 9), f(x, 9))).toBeLessThan(1e-5); // another value: the same program
    expect(cache.stats.misses).toBe(misses);
    expect(cache.stats.memoryHits).toBeGreaterThan(hits);
  });
});

describe('dynamic int logs (child process)', { timeout: 60_000 }, () => {
  const CHILD = resolve(import.meta.dirname, 'fixtures/dynamic-int-child.ts');
  const PREFIX = /^([VIWEC])\d{4} \d{2}:\d{2}:\d{2}\.\d{6} \d+ (\S+):(\d+)\] /;

  function run(logs: string, trace?: string) {
    const env: NodeJS.ProcessEnv = { ...process.env, TORCH_LOGS: logs };
    for (const name of ['TORCH_TRACE', 'TORCH_DTRACE', 'TORCH_LOGS_FORMAT', 'TORCH_LOGS_OUT'])
      delete env[name];
    if (trace !== undefined) env.TORCH_TRACE = trace;
    const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD], { env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    const text = lines.map((l) => l.replace(PREFIX, '$1] ').replaceAll(CHILD, '<fixture>')).join('\n');
    return { out: JSON.parse(r.stdout) as { scale: string[]; reduce: string[] }, text };
  }

  it('recompiles and the +dynamo story read like PyTorch 2.11 (golden text)', () => {
    const { out, text } = run('recompiles,guards,+dynamo');
    expect(out.scale).toEqual(['0/1', '0/0']); // 2, 3 (dynamic from here), 4 reuses 0/1
    expect(out.reduce).toEqual(['1/1', '1/0']);
    const lines = text.split('\n');
    const pick = (re: RegExp) => lines.filter((l) => re.test(l)).join('\n');
    expect(pick(/automatic dynamic|\[__recompiles\]|create_symbol/)).toBe(
      [
        "V] [0/1] automatic dynamic int L['n'] val 3 != 2",
        'V] [0/1] [__recompiles] Recompiling function scale in <fixture>:7',
        'V] [0/1] [__recompiles]     triggered by the following guard failure(s):',
        'V] [0/1] [__recompiles]     - 0/0: n == 2',
        "I] [0/1] create_symbol s86 = 3 for L['n'] [-int_oo, int_oo] return x.exp().mul(n).add(1);  # <fixture>:8 in scale",
        "V] [1/1] automatic dynamic int L['d'] val 1 != 0",
        "V] [1/1] automatic dynamic int L['d']: specialising to 1 (L['d'] is used as sum(dim=...), which must be static)",
        'V] [1/1] [__recompiles] Recompiling function reduce in <fixture>:11',
        'V] [1/1] [__recompiles]     triggered by the following guard failure(s):',
        'V] [1/1] [__recompiles]     - 1/0: d == 0',
      ].join('\n'),
    );
    expect(pick(/\[0\/1\] \[__graph_code\] {5}def forward/)).toBe(
      'V] [0/1] [__graph_code]     def forward(self, L_x_: "f32[4, 8][8, 1]cpu", L_n_: "Sym(s86)"):',
    );
    expect(pick(/\[0\/1\] \[__guards\] .*L\['n'\]/)).toBe(
      [
        "V] [0/1] [__guards] | +- GuardManager: source=L['n'], type=<class 'number'>",
        "V] [0/1] [__guards] | | +- TYPE_MATCH: ___check_type_id(L['n'], int), type=<class 'int'>  # return x.exp().mul(n).add(1);  # <fixture>:8 in scale",
        "V] [0/1] [__guards] +- LAMBDA_GUARD: -16777216 <= L['n'] <= 16777216",
      ].join('\n'),
    );
    expect(pick(/\[1\/1\] \[__guards\] .*L\['d'\]/)).toContain("EQUALS_MATCH: L['d'] == 1");
  });

  it("the trace has create_symbol for L['n'] and, as PyTorch, no sizes for the SymInt input", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'compilog-dynamic-int-'));
    try {
      run('', dir);
      const symbols: unknown[] = [];
      const sizes: Record<string, unknown>[] = [];
      const reading = readTrace(dir);
      for await (const e of reading) {
        if (e.kind === 'create_symbol') symbols.push(e.data.create_symbol);
        if (e.kind === 'dynamo_output_graph')
          sizes.push((e.data.dynamo_output_graph as { sizes: Record<string, unknown> }).sizes);
      }
      expect(reading.stats.badLines).toEqual({ glog: 0, json: 0, md5: 0, truncated: 0, invalidUtf8: 0 });
      expect(symbols).toHaveLength(1);
      expect(symbols[0]).toMatchObject({
        symbol: 's86',
        val: '3',
        vr: '[-int_oo, int_oo]',
        source: "L['n']",
      });
      expect(sizes[1]).toEqual({ l_x_: [4, 8], exp: [4, 8], mul: [4, 8], add: [4, 8] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
