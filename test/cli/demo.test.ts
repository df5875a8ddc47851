// `compilog demo` (npm start) end to end, from a fresh directory: the example runs with logs and a trace, the
// trace reads back cleanly, the report exists, and stdout says where everything is.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTrace } from '../../src/artifacts/index.js';
import { type CliResult, cleanEnv, cli, tempDir } from './support.js';

let cwd: string;
let first: CliResult;

beforeAll(() => {
  cwd = tempDir('compilog-demo-');
  first = cli(['demo'], { cwd, env: cleanEnv() });
});

function subdirs(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

describe('compilog demo', () => {
  it('runs the transformer block with the default TORCH_LOGS and a trace under ./compilog-traces/<stamp>/', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('transformer block: batch 1, seq 128, d_model 256, 4 heads, mlp 1024');
    expect(first.stdout).toMatch(/TORCH_LOGS=dynamo,\S+ \(set TORCH_LOGS or --logs to change it\)/);
    const stamps = subdirs(join(cwd, 'compilog-traces'));
    expect(stamps).toHaveLength(1);
    expect(stamps[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
  });

  it('the trace file reads back with zero bad lines and holds compiles', async () => {
    const [stamp] = subdirs(join(cwd, 'compilog-traces'));
    const traceDir = join(cwd, 'compilog-traces', stamp);
    const files = readdirSync(traceDir).filter((f) => /^dedicated_log_torch_trace_.*\.log$/.test(f));
    expect(files).toHaveLength(1);
    const reading = readTrace(traceDir);
    let envelopes = 0;
    const compileIds = new Set<string>();
    for await (const e of reading) {
      envelopes++;
      if (e.compileId?.frameId != null)
        compileIds.add(`${e.compileId.frameId}/${e.compileId.frameCompileId}`);
    }
    expect(envelopes).toBeGreaterThan(0);
    expect(compileIds.size).toBeGreaterThan(0);
    expect(reading.stats.badLines).toEqual({ glog: 0, json: 0, md5: 0, truncated: 0, invalidUtf8: 0 });
    // stdout names the trace file
    expect(first.stdout).toContain(`trace:   ./compilog-traces/${stamp}/${files[0]}`);
  });

  it('writes the report under ./compilog-report/<stamp>/ and prints its index.html and the counts', () => {
    const [stamp] = subdirs(join(cwd, 'compilog-traces'));
    const reportDir = join(cwd, 'compilog-report', stamp);
    expect(existsSync(join(reportDir, 'index.html'))).toBe(true);
    const directory = JSON.parse(readFileSync(join(reportDir, 'compile_directory.json'), 'utf8'));
    expect(Object.keys(directory).length).toBeGreaterThan(0);
    expect(first.stdout).toContain(`report:  ./compilog-report/${stamp}/index.html`);
    const m = /summary: (\d+) compiles?, (\d+) artifacts?, (\d+) failures?\/restarts?/.exec(first.stdout);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![2])).toBeGreaterThan(0);
    expect(Number(m![3])).toBe(0);
  });

  it('a bad TORCH_LOGS fails before anything runs: exit 2, no trace directory', () => {
    const dir = tempDir('compilog-demo-bad-');
    const r = cli(['demo'], { cwd: dir, env: cleanEnv({ TORCH_LOGS: '+dynamo,recompile' }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Did you mean 'recompiles'");
    expect(existsSync(join(dir, 'compilog-traces'))).toBe(false);
  });

  it('TORCH_LOGS=help prints the help text and runs nothing', () => {
    const dir = tempDir('compilog-demo-help-');
    const r = cli(['demo'], { cwd: dir, env: cleanEnv({ TORCH_LOGS: 'help' }) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('TORCH_LOGS Info');
    expect(existsSync(join(dir, 'compilog-traces'))).toBe(false);
  });

  it('TORCH_LOGS from the environment replaces the default; each run gets a fresh trace and report directory', () => {
    const r = cli(['demo'], { cwd, env: cleanEnv({ TORCH_LOGS: 'graph_code' }) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('TORCH_LOGS=graph_code\n');
    expect(r.stderr).toContain('[__graph_code]');
    // the default's INFO lines are gone
    expect(r.stderr).not.toContain('Step 1: torchdynamo start tracing');
    expect(first.stderr).toContain('Step 1: torchdynamo start tracing');
    const stamps = subdirs(join(cwd, 'compilog-traces'));
    expect(stamps).toHaveLength(2);
    expect(subdirs(join(cwd, 'compilog-report'))).toEqual(stamps);
    expect(r.stdout).toContain(`report:  ./compilog-report/${stamps[1]}/index.html`);
  });
});
