/**
 * The backend's instrumentation, end to end in child processes: TORCH_LOGS artifacts on stderr, and the
 * TORCH_TRACE envelopes (aot_inference_graph, inductor_output_code, cache artifacts, chromium events for
 * compile phases and kernel launches) read back by our reader with no bad lines. Plus the registrations.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTrace } from '../../src/artifacts/index.js';
import { defaultLogRegistry } from '../../src/logging/index.js';
import '../../src/runtime/index.js';

const CHILD = resolve(import.meta.dirname, 'fixtures/backend-child.ts');
const work = mkdtempSync(join(tmpdir(), 'compilog-backend-instr-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runChild(env: Record<string, string>) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, TORCH_LOGS: '', TORCH_TRACE: '', ...env },
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return { stdout: r.stdout, stderr: r.stderr, sums: JSON.parse(r.stdout.trim()).sums as number[] };
}

const ARTIFACTS = [
  'aot_graphs',
  'ir_pre_fusion',
  'ir_post_fusion',
  'fusion',
  'schedule',
  'output_code',
  'kernel_code',
  'perf_hints',
];

describe('backend instrumentation', () => {
  it('prints nothing when nothing is enabled', () => {
    const quiet = runChild({});
    expect(quiet.stderr).toBe('');
    expect(quiet.sums).toHaveLength(4);
  });

  it('emits every stage artifact under TORCH_LOGS, tagged with the compile id', () => {
    const { stderr } = runChild({ TORCH_LOGS: `+inductor,+runtime,${ARTIFACTS.join(',')}` });
    for (const a of ARTIFACTS) expect(stderr, a).toMatch(new RegExp(`\\] \\[0/0\\] \\[__${a}\\] `));
    expect(stderr).toContain('[0/0] [__output_code] Output code: \n');
    expect(stderr).toContain('[0/0] [__output_code] // compilog output_code for graph 0/0\n');
    expect(stderr).toContain('[__perf_hints] js_poi_exp_');
    expect(stderr).toMatch(/\[0\/1\] \*\*\* kernel +0 js_mm_fused_gelu_matmul_0 +[\d.]+ ms/);
    expect(stderr).toMatch(/\[0\/0\] graph 0\/0: scheduled \d kernel\(s\) in [\d.]+ ms \| cache miss/);
    expect(stderr).toMatch(/\[0\/1\] graph 0\/1: \d kernel\(s\) \| cache hit \(memory\)/);
    // off by default: +inductor alone does not print output_code
    const plain = runChild({ TORCH_LOGS: '+inductor' });
    expect(plain.stderr).not.toContain('[__output_code]');
    expect(plain.stderr).not.toContain('[__fusion]');
  });

  it('writes a trace our reader reads with no bad lines', async () => {
    const dir = join(work, 'trace');
    const { sums } = runChild({ TORCH_TRACE: dir, CHILD_CACHE_DIR: join(work, 'cache') });
    expect(sums).toHaveLength(4);
    const reading = readTrace(dir, { payloadText: true });
    const kinds: string[] = [];
    const chromium: { name: string; ph: string; cat: string }[] = [];
    let outputCode: { meta: unknown; payload: string } | undefined;
    const artifacts: string[] = [];
    for await (const env of reading) {
      kinds.push(env.kind ?? '?');
      const data = env.data as Record<string, unknown>;
      if (env.kind === 'chromium_event') chromium.push(JSON.parse(env.payloadText!));
      if (env.kind === 'inductor_output_code')
        outputCode ??= { meta: data.inductor_output_code, payload: env.payloadText! };
      if (env.kind === 'artifact') artifacts.push((data.artifact as { name: string }).name);
    }
    expect(
      Object.values(reading.stats.badLines).every((n) => n === 0),
      JSON.stringify(reading.stats.badLines),
    ).toBe(true);
    expect(reading.stats.unknown).toBe(0);
    expect(kinds.filter((k) => k === 'aot_inference_graph')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'inductor_output_code')).toHaveLength(2);
    expect(artifacts).toEqual(['fx_graph_cache_miss', 'fx_graph_cache_hit']);
    const path = (outputCode!.meta as { filename: string }).filename;
    expect(path.startsWith(join(work, 'cache'))).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(outputCode!.payload);
    expect(outputCode!.payload).toContain('function call(args, rt) {');
    const names = new Set(chromium.map((c) => c.name));
    for (const n of [
      'compile_fx_inner',
      'create_aot_dispatcher_function',
      'Scheduler.__init__',
      'GraphLowering.codegen',
    ]) {
      expect(names.has(n), n).toBe(true);
    }
    const launches = chromium.filter((c) => c.cat === 'kernel');
    expect(launches.length).toBe(8);
    expect(launches.every((c) => c.ph === 'X')).toBe(true);
  });
});

describe('registrations', () => {
  const pytorch = JSON.parse(
    readFileSync(resolve(import.meta.dirname, '../../../shared/fixtures/pytorch-2.11/registry.json'), 'utf8'),
  ) as { artifacts: { name: string; visible: boolean; off_by_default: boolean }[] };
  const ours = defaultLogRegistry();

  it('registers the subsystems under PyTorch aliases with compilog qualified names', () => {
    expect(ours.aliases.get('dynamo')).toEqual(['compilog.dynamo']);
    expect(ours.aliases.get('aot')).toEqual(['compilog.aot']);
    expect(ours.aliases.get('inductor')).toEqual(['compilog.inductor']);
    expect(ours.aliases.get('runtime')).toEqual(['compilog.runtime']);
    expect(ours.aliases.get('compilog')).toEqual(['compilog']);
  });

  it("registers every artifact with PyTorch's visible and off_by_default flags", () => {
    const names = [
      'graph',
      'graph_code',
      'graph_breaks',
      'guards',
      'recompiles',
      'recompiles_verbose',
      'aot_graphs',
      'ir_pre_fusion',
      'ir_post_fusion',
      'fusion',
      'schedule',
      'output_code',
      'kernel_code',
      'perf_hints',
    ];
    for (const name of names) {
      const theirs = pytorch.artifacts.find((a) => a.name === name)!;
      const mine = ours.artifacts.get(name)!;
      expect(mine, name).toBeDefined();
      expect([name, mine.visible, mine.offByDefault]).toEqual([name, theirs.visible, theirs.off_by_default]);
      expect(mine.description.length).toBeGreaterThan(10);
    }
  });
});
