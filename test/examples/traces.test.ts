/**
 * The structured trace of each example (`TORCH_TRACE=<dir> compilog run examples/<name>.ts`, built CLI), read
 * back by our reader: no bad lines, the dynamo records of every compile, and the same compile-id structure as
 * PyTorch's trace of the program the example mirrors (../shared/fixtures/pytorch-2.11/traces/): the same
 * frame/compile ids, the same attempts (restarts at graph breaks), the same dynamo record kinds per id.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ReadEnvelope, readTrace, resolveStack, type TraceStats } from '../../src/artifacts/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = resolve(ROOT, 'dist/cli.js');
const FIXTURES = resolve(ROOT, '../shared/fixtures/pytorch-2.11/traces');
const work = mkdtempSync(join(tmpdir(), 'compilog-example-traces-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What the capture stage writes (PyTorch's dynamo records); the backend's records are tested elsewhere. */
const DYNAMO_ARTIFACTS = new Set(['dynamo_graph_break_reason', 'recompile_reasons']);

interface Reading {
  envelopes: ReadEnvelope[];
  stats: TraceStats;
  strings: Map<number, string>;
}

async function read(path: string): Promise<Reading> {
  const reading = readTrace(path, { payloadText: true });
  const envelopes: ReadEnvelope[] = [];
  for await (const e of reading) envelopes.push(e);
  const strings = new Map<number, string>();
  for (const { strings: table } of reading.perFile.values()) for (const [k, v] of table) strings.set(k, v);
  return { envelopes, stats: reading.stats, strings };
}

let runs = 0;
function traceExample(example: string): Promise<Reading> {
  return read(traceDir(example));
}

function traceDir(example: string): string {
  const dir = join(work, `${example}-${++runs}`);
  const env: NodeJS.ProcessEnv = { ...process.env, TORCH_TRACE: dir };
  for (const name of ['TORCH_LOGS', 'TORCH_DTRACE', 'TORCH_LOGS_OUT']) delete env[name];
  const r = spawnSync(process.execPath, [CLI, 'run', `examples/${example}.ts`], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return dir;
}

type CompileDirectory = Record<string, { artifacts?: { name: string }[] }>;

/** compile id -> the dynamo artifacts tlparse filed under it (file names without their running number). */
function dynamoArtifacts(dir: CompileDirectory): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [id, entry] of Object.entries(dir)) {
    if (id === '[-/-]') continue; // records outside any compile (PyTorch writes some at start-up)
    out[id] = (entry.artifacts ?? [])
      .map((a) => a.name.replace(/_\d+\.(txt|json|html)$/, ''))
      .filter((n) => /^(dynamo_|recompile_reasons|compilation_metrics)/.test(n));
  }
  return out;
}

const idOf = (e: ReadEnvelope): string | null =>
  e.compileId?.frameId === null || e.compileId === null
    ? null
    : `${e.compileId.frameId}/${e.compileId.frameCompileId}_${e.compileId.attempt ?? 0}`;

function dynamoKind(e: ReadEnvelope): string | null {
  if (e.kind === 'artifact') {
    const name = (e.data.artifact as { name: string }).name;
    return DYNAMO_ARTIFACTS.has(name) ? `artifact:${name}` : null;
  }
  return e.kind !== null &&
    /^(dynamo_start|dynamo_output_graph|dynamo_cpp_guards_str|compilation_metrics)$/.test(e.kind)
    ? e.kind
    : null;
}

/** Trace id -> the dynamo record kinds written under it, in first-seen order of the ids. */
function structure(envelopes: readonly ReadEnvelope[]): [string, string[]][] {
  const out = new Map<string, string[]>();
  for (const e of envelopes) {
    const kind = dynamoKind(e);
    const id = idOf(e);
    if (kind === null || id === null) continue;
    const kinds = out.get(id) ?? [];
    if (!kinds.includes(kind)) kinds.push(kind);
    out.set(id, kinds);
  }
  return [...out].map(([id, kinds]) => [id, kinds.sort()]);
}

const metricsOf = (envelopes: readonly ReadEnvelope[]) =>
  envelopes
    .filter((e) => e.kind === 'compilation_metrics')
    .map((e) => e.data.compilation_metrics as Record<string, unknown>);

function expectClean(stats: TraceStats): void {
  expect(stats.badLines).toEqual({ glog: 0, json: 0, md5: 0, truncated: 0, invalidUtf8: 0 });
}

const MIRRORS: ReadonlyArray<readonly [example: string, pytorch: string]> = [
  ['recompile', 'p3_recompile'],
  ['graph-break', 'p2_graph_break'],
  ['mlp', 'p4_mlp_train'],
];

describe.skipIf(!existsSync(CLI))(
  'traces of the examples (built CLI, read back by readTrace)',
  { timeout: 60_000 },
  () => {
    for (const [example, pytorch] of MIRRORS) {
      it(`examples/${example}.ts has the compile-id structure of PyTorch's ${pytorch}`, async () => {
        const ours = await traceExample(example);
        expectClean(ours.stats);
        const theirs = await read(join(FIXTURES, pytorch));
        const expected = structure(theirs.envelopes);
        // p4 also trains (a backward graph); our forward-only mlp mirrors its forward compile, 0/0
        const forward =
          pytorch === 'p4_mlp_train' ? expected.filter(([id]) => id.startsWith('0/0_')) : expected;
        expect(structure(ours.envelopes)).toEqual(forward);
      });
    }

    it('recompile.ts: metrics, recompile reasons and dynamic graphs as PyTorch writes them', async () => {
      const { envelopes, strings } = await traceExample('recompile');
      const metrics = metricsOf(envelopes);
      expect(metrics.map((m) => m.compile_id)).toEqual(['0/0', '0/1', '0/2', '0/3', '0/4']);
      expect(metrics.map((m) => m.co_name)).toEqual(['f', 'f', 'f', 'f', 'f']);
      expect(metrics.map((m) => m.cache_size)).toEqual([0, 1, 2, 3, 4]);
      expect(metrics.map((m) => m.shape_env_guard_count)).toEqual([0, 2, 3, 3, 0]);
      expect(metrics[1].recompile_reason).toBe(
        "0/0: tensor 'x' size mismatch at index 1. expected 16, actual 32",
      );
      for (const m of metrics) {
        expect(m.co_filename).toBe(join(ROOT, 'examples/recompile.ts'));
        expect(m.has_guarded_code).toBe(true);
        expect(m.restart_reasons).toEqual([]);
        expect(typeof m.entire_frame_compile_time_s).toBe('number');
      }
      const reasons = envelopes.filter(
        (e) => e.kind === 'artifact' && (e.data.artifact as { name: string }).name === 'recompile_reasons',
      );
      expect(reasons.map((e) => e.payloadText)).toEqual([
        "0/0: tensor 'x' size mismatch at index 1. expected 16, actual 32",
        `[\n"0/1: tensor 'x' size mismatch at index 0. expected 8, actual 16",\n"0/0: tensor 'x' size mismatch at index 0. expected 8, actual 16"\n]`,
        '[\n"0/2: n == 2",\n"0/1: n == 2",\n"0/0: n == 2"\n]',
        expect.stringContaining("0/3: tensor 'x' stride mismatch at index 1. expected 1, actual 8"),
      ]);
      const graphs = envelopes.filter((e) => e.kind === 'dynamo_output_graph');
      expect(
        graphs.map((e) => (e.data.dynamo_output_graph as { sizes: Record<string, unknown> }).sizes.softmax),
      ).toEqual([
        [8, 16],
        [8, 's27'],
        ['s77', 's27'],
        ['s77', 's27'],
        [8, 16],
      ]);
      expect(graphs[1].payloadText).toContain(
        'def forward(self, s27: "Sym(s27)", L_x_: "f32[8, s27][s27, 1]cpu"):',
      );
      // symbols: the same names, values and sources as PyTorch's trace of p3, the int `n` (s86, dynamic from
      // 0/3) included; PyTorch keeps 0/4's sizes dynamic, compilog's 0/4 input is transposed (static sizes)
      const symbols = (list: readonly ReadEnvelope[]) =>
        list
          .filter((e) => e.kind === 'create_symbol')
          .map((e) => {
            const m = e.data.create_symbol as { symbol: string; val: string; source: string };
            return `${idOf(e)} ${m.symbol}=${m.val} ${m.source}`;
          });
      const pytorch = symbols((await read(join(FIXTURES, 'p3_recompile'))).envelopes).filter(
        (t) => t.includes('s86') || !t.startsWith('0/4'),
      );
      expect(symbols(envelopes)).toEqual(pytorch);
      expect(pytorch.length).toBe(7);
      // dynamo_start carries the user's stack: the caller's line, then the function itself
      const start = envelopes.find((e) => e.kind === 'dynamo_start')!;
      const stack = resolveStack((start.data.dynamo_start as { stack: never[] }).stack, strings);
      expect(stack?.at(-1)).toMatchObject({ name: 'f', file: join(ROOT, 'examples/recompile.ts'), line: 15 });
      expect(stack?.at(-2)).toMatchObject({ name: '<module>', loc: 'cf(randn(shape, { seed: 1 }), 2);' });
      // one `dynamo` region per compile, opened and closed
      const dynamo = envelopes
        .filter((e) => e.kind === 'chromium_event')
        .map((e) => JSON.parse(e.payloadText!) as { name: string; ph: string; args: { compile_id: string } })
        .filter((c) => c.name === 'dynamo');
      expect(dynamo.map((c) => `${c.ph} ${c.args.compile_id}`)).toEqual(
        ['0/0', '0/1', '0/2', '0/3', '0/4'].flatMap((id) => [`B ${id}`, `E ${id}`]),
      );
    });

    it('graph-break.ts: break reasons, restarts and resume frames as PyTorch writes them', async () => {
      const { envelopes } = await traceExample('graph-break');
      const metrics = metricsOf(envelopes);
      expect(metrics.map((m) => m.compile_id)).toEqual(['0/0', '1/0', '2/0']);
      expect(metrics.map((m) => m.co_name)).toEqual([
        'f',
        'torch_dynamo_resume_in_f_at_17',
        'torch_dynamo_resume_in_f_at_19',
      ]);
      expect(metrics.map((m) => (m.restart_reasons as string[]).length)).toEqual([1, 1, 0]);
      expect(metrics.map((m) => m.num_graph_breaks)).toEqual([1, 2, 2]);
      const breaks = envelopes.filter(
        (e) =>
          e.kind === 'artifact' && (e.data.artifact as { name: string }).name === 'dynamo_graph_break_reason',
      );
      expect(breaks.map(idOf)).toEqual(['0/0_0', '1/0_0']);
      expect(breaks[0].payloadText).toMatch(
        /^Graph break in user code at .*examples\/graph-break\.ts:17\nGraph Break Reason: Data-dependent read: item\(\) needs the value of 'mean'\n/,
      );
      const graphs = envelopes.filter((e) => e.kind === 'dynamo_output_graph');
      expect(
        graphs.map((e) => (e.data.dynamo_output_graph as { sizes: Record<string, unknown> }).sizes),
      ).toEqual([
        { l_x_: [64, 64], mul: [64, 64], add: [64, 64], mean: [] },
        { l_add_: [64, 64], tanh: [64, 64], sum_1: [] },
        { l_tanh_: [64, 64], mul: [64, 64] },
      ]);
      // the second call of f compiled nothing
      expect(envelopes.filter((e) => e.kind === 'dynamo_start').length).toBe(3);
    });

    for (const [example, pytorch] of MIRRORS.filter(([e]) => e !== 'mlp')) {
      it(`compilog report of examples/${example}.ts files the same compile ids and dynamo artifacts as tlparse for ${pytorch}`, () => {
        const trace = traceDir(example);
        const out = join(work, `${example}-report-${++runs}`);
        const r = spawnSync(process.execPath, [CLI, 'report', trace, '--out', out], {
          cwd: ROOT,
          encoding: 'utf8',
        });
        expect(r.status, r.stderr).toBe(0);
        const ours = JSON.parse(
          readFileSync(join(out, 'compile_directory.json'), 'utf8'),
        ) as CompileDirectory;
        const tlparse = JSON.parse(
          readFileSync(join(FIXTURES, `../tlparse-out/${pytorch}.compile_directory.json`), 'utf8'),
        ) as CompileDirectory;
        expect(dynamoArtifacts(ours)).toEqual(dynamoArtifacts(tlparse));
      });
    }
  },
);
