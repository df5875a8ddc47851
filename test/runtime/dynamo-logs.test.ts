/**
 * The capture stage's logs, as a user sees them on stderr, in child processes: the exact text of recompile
 * reasons (`recompiles`, `recompiles_verbose`), graph breaks (`graph_breaks`, the restart line), the
 * recompile-limit warning, dynamic-shape graphs and guards, and the `+dynamo` story, with the glog prefix.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTrace } from '../../src/artifacts/index.js';

const CHILD = resolve(import.meta.dirname, 'fixtures/dynamo-child.ts');
/** The 1-based line of the fixture that contains `snippet` (so edits to the fixture do not break the texts). */
const SOURCE = readFileSync(CHILD, 'utf8').split('\n');
const lineOf = (snippet: string): number => SOURCE.findIndex((l) => l.includes(snippet)) + 1;
const L = {
  f: lineOf('function f('),
  g: lineOf('function g('),
  h: lineOf('function h('),
  item: lineOf('if (z.sum().item() > 0)'),
  main: lineOf('process.stdout.write('),
  first: lineOf('const first = maxDiff'),
  lambda: lineOf('x.mul(2), { recompileLimit'),
};
const PREFIX = /^([VIWEC])\d{4} \d{2}:\d{2}:\d{2}\.\d{6} \d+ (\S+):(\d+)\] /;

function run(scenario: string, logs: string, extra: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, TORCH_LOGS: logs };
  for (const name of ['TORCH_TRACE', 'TORCH_DTRACE', 'TORCH_LOGS_FORMAT', 'TORCH_LOGS_OUT']) delete env[name];
  Object.assign(env, extra);
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, scenario], { env, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  for (const l of lines) expect(l, 'every stderr line has the glog prefix').toMatch(PREFIX);
  // Level letter kept; time, pid and our own file:line dropped; the fixture's path shortened.
  const text = lines.map((l) => l.replace(PREFIX, '$1] ').replaceAll(CHILD, '<fixture>')).join('\n');
  return { out: JSON.parse(r.stdout) as Record<string, unknown>, text, raw: r.stderr };
}

describe('dynamo logs (child processes)', { timeout: 60_000 }, () => {
  it('TORCH_LOGS=recompiles: the p3_recompile sequence in PyTorch words', () => {
    const { out, text } = run('recompile', 'recompiles');
    expect(out.ids).toEqual(['0/4', '0/3', '0/2', '0/1', '0/0']);
    // 0/3: the int change makes n dynamic (s86, as PyTorch's automatic dynamic int); 0/4 keeps it
    expect(out.symbols).toEqual([['s86'], ['s77', 's27', 's86'], ['s77', 's27'], ['s27'], []]);
    expect(text).toBe(
      [
        `V] [0/1] [__recompiles] Recompiling function f in <fixture>:${L.f}`,
        'V] [0/1] [__recompiles]     triggered by the following guard failure(s):',
        "V] [0/1] [__recompiles]     - 0/0: tensor 'x' size mismatch at index 1. expected 16, actual 32",
        `V] [0/2] [__recompiles] Recompiling function f in <fixture>:${L.f}`,
        'V] [0/2] [__recompiles]     triggered by the following guard failure(s):',
        "V] [0/2] [__recompiles]     - 0/1: tensor 'x' size mismatch at index 0. expected 8, actual 16",
        "V] [0/2] [__recompiles]     - 0/0: tensor 'x' size mismatch at index 0. expected 8, actual 16",
        `V] [0/3] [__recompiles] Recompiling function f in <fixture>:${L.f}`,
        'V] [0/3] [__recompiles]     triggered by the following guard failure(s):',
        'V] [0/3] [__recompiles]     - 0/2: n == 2',
        'V] [0/3] [__recompiles]     - 0/1: n == 2',
        'V] [0/3] [__recompiles]     - 0/0: n == 2',
        `V] [0/4] [__recompiles] Recompiling function f in <fixture>:${L.f}`,
        'V] [0/4] [__recompiles]     triggered by the following guard failure(s):',
        "V] [0/4] [__recompiles]     - 0/3: tensor 'x' stride mismatch at index 1. expected 1, actual 8",
        "V] [0/4] [__recompiles]     - 0/2: tensor 'x' stride mismatch at index 1. expected 1, actual 8",
        "V] [0/4] [__recompiles]     - 0/1: tensor 'x' stride mismatch at index 1. expected 1, actual 8",
        "V] [0/4] [__recompiles]     - 0/0: tensor 'x' stride mismatch at index 0. expected 16, actual 1",
      ].join('\n'),
    );
  });

  it("+dynamo shows automatic dynamic shapes turning on, as PyTorch's pgo logger does", () => {
    const { text } = run('recompile', '+dynamo');
    const lines = text.split('\n');
    expect(lines).toContain("V] [0/1] automatic dynamic size L['x'] size(1) 32 != 16");
    expect(lines).toContain("V] [0/2] automatic dynamic size L['x'] size(0) 16 != 8");
    // the transposed input cannot be generalised (not contiguous): static, and said so
    expect(lines).toContain(
      "V] [0/4] dynamic shapes: compiling static shapes instead (L['x'] not contiguous: only contiguous tensors get dynamic sizes)",
    );
    expect(lines.filter((l) => l.includes('Step 2: calling compiler function inductor')).length).toBe(5);
  });

  it('TORCH_LOGS=recompiles_verbose lists every failing guard per entry instead', () => {
    const { text } = run('recompile', 'recompiles_verbose');
    expect(text).not.toContain('[__recompiles]');
    expect(text).toContain(
      [
        `V] [0/4] [__recompiles_verbose] Recompiling function f in <fixture>:${L.f}`,
        'V] [0/4] [__recompiles_verbose]     triggered by the following guard failure(s):',
        'V] [0/4] [__recompiles_verbose]     guard 0 failures:',
        "V] [0/4] [__recompiles_verbose]     - 0/3: tensor 'x' stride mismatch at index 1. expected 1, actual 8",
        // 0/3 made n dynamic (TYPE_MATCH): 2 passes it, only the layout fails
        'V] [0/4] [__recompiles_verbose]     guard 1 failures:',
      ].join('\n'),
    );
    expect(text).toContain(
      [
        'V] [0/4] [__recompiles_verbose]     guard 3 failures:',
        "V] [0/4] [__recompiles_verbose]     - 0/0: tensor 'x' stride mismatch at index 0. expected 16, actual 1",
      ].join('\n'),
    );
    expect(text.endsWith('actual 1')).toBe(true);
  });

  it('TORCH_LOGS=graph_breaks: where, why, the user traceback; cached calls recompile nothing', () => {
    const { out, text } = run('graph-break', 'graph_breaks,recompiles');
    expect(out.diffs).toHaveLength(4);
    for (const d of out.diffs as number[]) expect(d).toBeLessThan(1e-5); // float32 rounding (default fast mode)
    // the second call reuses both graphs; the other branch is a new resume frame (2/0)
    expect(out.afterTwo).toEqual(['0/0', '1/0']);
    expect(out.afterBranch).toEqual(['0/0', '1/0', '2/0']);
    expect(out.final).toEqual(['0/0', '1/0', '2/0', '0/1', '1/1']);
    const firstBreak = [
      `V] [0/0] [__graph_breaks] Graph break in user code at <fixture>:${L.item}`,
      "V] [0/0] [__graph_breaks] Graph Break Reason: Data-dependent read: item() needs the value of 'sum_1'",
      'V] [0/0] [__graph_breaks]   Explanation: compile() records tensor operations without running them; reading a value on the host (item()) needs the graph recorded so far to run first, so the graph ends here.',
      'V] [0/0] [__graph_breaks]   Hint: Keep the value as a tensor (for example where() instead of an if on item()), or move the read out of the compiled function.',
      'V] [0/0] [__graph_breaks] ',
      'V] [0/0] [__graph_breaks] User code traceback:',
      `V] [0/0] [__graph_breaks]   File "<fixture>", line ${L.main}, in <module>`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the user's source line, quoted as logged
      'V] [0/0] [__graph_breaks]     process.stdout.write(`${JSON.stringify(run())}\\n`);',
      `V] [0/0] [__graph_breaks]   File "<fixture>", line ${L.first}, in graph-break`,
      'V] [0/0] [__graph_breaks]     const first = maxDiff(cg(x), g(x));',
      `V] [0/0] [__graph_breaks]   File "<fixture>", line ${L.item}, in g`,
      'V] [0/0] [__graph_breaks]     if (z.sum().item() > 0) {',
    ].join('\n');
    expect(text.startsWith(firstBreak)).toBe(true);
    // one break per capture of g's first segment: the first call and the new shape (0/1), never on replays
    expect(text.match(/Graph break in user code/g)?.length).toBe(2);
    expect(text).toContain(
      [
        `V] [1/1] [__recompiles] Recompiling function torch_dynamo_resume_in_g_at_${L.item} in <fixture>:${L.item}`,
        'V] [1/1] [__recompiles]     triggered by the following guard failure(s):',
        "V] [1/1] [__recompiles]     - 1/0: tensor 'tanh' size mismatch at index 0. expected 64, actual 32",
      ].join('\n'),
    );
  });

  it('+dynamo tells the capture story: start compiling, tracing, the restart at a break, the compiler calls', () => {
    const { text } = run('graph-break', '+dynamo');
    const first = text.split('\n').filter((l) => l.includes('[0/0') && !l.includes('[__'));
    expect(first).toEqual([
      `V] [0/0] torchdynamo start compiling g <fixture>:${L.g}, stack ${first[0].match(/\(elided \d+ frames\)/)?.[0]}:`,
      `V] [0/0]   File "<fixture>", line ${L.main}, in <module>`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the user's source line, quoted as logged
      'V] [0/0]     process.stdout.write(`${JSON.stringify(run())}\\n`);',
      `V] [0/0]   File "<fixture>", line ${L.first}, in graph-break`,
      'V] [0/0]     const first = maxDiff(cg(x), g(x));',
      'V] [0/0] ',
      `I] [0/0] Step 1: torchdynamo start tracing g <fixture>:${L.g}`,
      "I] [0/0] Restarting analysis due to graph break: item() needs the value of 'sum_1' (data-dependent)",
      `I] [0/0_1] Step 1: torchdynamo start tracing g <fixture>:${L.g}`,
      'I] [0/0_1] Step 1: torchdynamo done tracing g (graph break)',
      `V] [0/0_1] COMPILING GRAPH due to GraphCompileReason(reason='graph break: item() needs the value of "sum_1" (data-dependent)', user_stack=[<FrameSummary file <fixture>, line ${L.item} in g>], graph_break=True)`,
      'I] [0/0_1] Step 2: calling compiler function inductor',
      'I] [0/0_1] Step 2: done compiler function inductor',
    ]);
    expect(text).toContain(
      `I] [2/0] Step 1: torchdynamo done tracing torch_dynamo_resume_in_g_at_${L.item} (RETURN_VALUE)`,
    );
  });

  it('the recompile limit: a warning once (visible by default), then eager calls', () => {
    const { out, text } = run('limit', '');
    expect(out).toEqual({ entries: 2, limitHits: 2 });
    expect(text).toBe(
      [
        'W] [0/2] compile() hit recompileLimit (2)',
        `W] [0/2]    function: '<lambda>' (<fixture>:${L.lambda})`,
        "W] [0/2]    last reason: 0/1: tensor 'x' size mismatch at index 0. expected 3, actual 4",
        'W] [0/2] To log all recompilation reasons, use TORCH_LOGS="recompiles".',
        'W] [0/2] To allow more recompiles, pass compile(fn, { recompileLimit: N }); to make sizes dynamic, compile(fn, { dynamic: true }).',
      ].join('\n'),
    );
  });

  it('dynamic: true graphs print size symbols and guard relations, and serve other sizes', () => {
    const { out, text } = run('dynamic', 'graph_code,guards,recompiles');
    expect(out.diffs).toHaveLength(4);
    for (const d of out.diffs as number[]) expect(d).toBeLessThan(1e-5); // float32 rounding (default fast mode)
    expect(out.ids).toEqual(['0/1', '0/0']);
    expect(out.hits).toEqual([0, 2]);
    expect(text).toContain(
      'V] [0/0] [__graph_code]     def forward(self, s77: "Sym(s77)", s27: "Sym(s27)", L_x_: "f32[s77, s27][s27, 1]cpu", L_y_: "f32[s77, s27][s27, 1]cpu"):',
    );
    expect(text).toContain(
      'V] [0/0] [__graph_code]         sum_1: "f32[s77][1]cpu" = relu.sum(dim = -1);  relu = None',
    );
    expect(text).toContain(
      [
        `V] [0/0] [__guards] | | +- TENSOR_MATCH: check_tensor(L['y'], Tensor, float32, device=cpu, size=[None, None], stride=[None, 1])  # return x.add(y).relu().sum(-1);  # <fixture>:${L.h + 1} in h`,
        "V] [0/0] [__guards] +- LAMBDA_GUARD: L['y'].size()[0] == L['x'].size()[0]",
        "V] [0/0] [__guards] +- LAMBDA_GUARD: L['y'].size()[1] == L['x'].size()[1]",
        "V] [0/0] [__guards] +- LAMBDA_GUARD: L['x'].stride()[0] == L['x'].size()[1]",
        "V] [0/0] [__guards] +- LAMBDA_GUARD: L['y'].stride()[0] == L['y'].size()[1]",
        "V] [0/0] [__guards] +- LAMBDA_GUARD: 2 <= L['x'].size()[0]",
        "V] [0/0] [__guards] +- LAMBDA_GUARD: 2 <= L['x'].size()[1]",
      ].join('\n'),
    );
    expect(text).toContain("V] [0/1] [__recompiles]     - 0/0: L['y'].size()[1] == L['x'].size()[1]");
  });

  it('failed compiles (user code raising, a refusing backend) are compilation_metrics with fail_type', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'compilog-dynamo-fail-'));
    try {
      const { out } = run('failure', '', { TORCH_TRACE: dir });
      expect(out.codes).toEqual(['E_SHAPE_MISMATCH', 'E_BACKEND_REFUSED']);
      const metrics: Record<string, unknown>[] = [];
      const reading = readTrace(dir);
      for await (const e of reading) {
        if (e.kind === 'compilation_metrics')
          metrics.push(e.data.compilation_metrics as Record<string, unknown>);
      }
      expect(reading.stats.badLines).toEqual({ glog: 0, json: 0, md5: 0, truncated: 0, invalidUtf8: 0 });
      expect(metrics.map((m) => [m.co_name, m.fail_type, m.has_guarded_code])).toEqual([
        ['bad', 'E_SHAPE_MISMATCH', false],
        ['g2', 'E_BACKEND_REFUSED', false],
      ]);
      expect(metrics[0].fail_user_frame_filename).toBe(CHILD);
      expect(metrics[0].fail_user_frame_lineno).toBe(lineOf('return x.add(bias);'));
      expect(metrics[1].fail_reason).toBe('backend refused this graph on purpose');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('nothing is printed by default for a normal compile', () => {
    expect(run('recompile', '').raw).toBe('');
    expect(run('graph-break', '').raw).toBe('');
  });
});
