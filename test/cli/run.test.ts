// `compilog run` as users run it: the built CLI from a temporary directory, real child processes.
import { existsSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTrace } from '../../src/artifacts/index.js';
import { cleanEnv, cli, cliUntil, ROOT, tempDir, writeScript } from './support.js';

let dir: string;

// Prints what the script received as one JSON line, then exits with the code given as its first argument (if a number).
const REPORT_ENV = `
const keys = ['TORCH_LOGS', 'TORCH_TRACE', 'TORCH_LOGS_FORMAT', 'TORCH_LOGS_OUT', 'MY_VAR'];
const env = Object.fromEntries(keys.map((k) => [k, process.env[k] ?? null]));
console.log(JSON.stringify({ args: process.argv.slice(2), env, cwd: process.cwd() }));
const code = Number(process.argv[2]);
process.exitCode = Number.isInteger(code) ? code : 0;
`;

beforeAll(() => {
  dir = tempDir();
  // Type annotations and an interface: this only runs through tsx.
  writeScript(
    dir,
    'report.ts',
    `interface Seen { n: number }\nconst seen: Seen = { n: 1 };\nvoid seen;\n${REPORT_ENV}`,
  );
  writeScript(dir, 'report.mjs', REPORT_ENV);
  writeScript(
    dir,
    'report.js',
    REPORT_ENV.replace('process.exitCode', 'module.exports = 1; process.exitCode'),
  );
  writeScript(dir, 'notes.txt', 'not a script');
  writeScript(
    dir,
    'marker.ts',
    `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(join(dir, 'started'))}, 'yes');\n`,
  );
  writeScript(dir, 'sleep.ts', `console.log('ready');\nsetInterval(() => {}, 1000);\n`);
  writeScript(
    dir,
    'catch-int.ts',
    `process.on('SIGINT', () => { console.log('child got SIGINT'); process.exit(5); });\nconsole.log('ready');\nsetInterval(() => {}, 1000);\n`,
  );
  writeScript(dir, 'self-kill.mjs', `process.kill(process.pid, 'SIGKILL');\nsetInterval(() => {}, 1000);\n`);
  writeScript(dir, 'throws.ts', `throw new Error('boom from the script');\n`);
});

function seen(stdout: string): { args: string[]; env: Record<string, string | null>; cwd: string } {
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

describe('compilog run: TypeScript and JavaScript scripts', () => {
  it('runs a .ts script without a build step, forwarding the environment, its arguments and its exit code', () => {
    const r = cli(['run', 'report.ts', '3', 'a b', '--help', '--logs=x'], {
      cwd: dir,
      env: cleanEnv({ TORCH_LOGS: '+dynamo,graph_code', MY_VAR: 'v' }),
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(3);
    const s = seen(r.stdout);
    // Everything after the script is the script's, verbatim (even --help and --logs).
    expect(s.args).toEqual(['3', 'a b', '--help', '--logs=x']);
    expect(s.env).toMatchObject({ TORCH_LOGS: '+dynamo,graph_code', MY_VAR: 'v', TORCH_TRACE: null });
    expect(s.cwd).toBe(dir);
  });

  it('runs .mjs and .js scripts with plain node', () => {
    for (const script of ['report.mjs', 'report.js']) {
      const r = cli(['run', script, '0'], { cwd: dir, env: cleanEnv({ MY_VAR: script }) });
      expect(r.code, r.stderr).toBe(0);
      expect(seen(r.stdout).env.MY_VAR).toBe(script);
    }
    expect(cli(['run', 'report.mjs', '42'], { cwd: dir }).code).toBe(42);
  });

  it('options before the script set the variables for the child; values are taken as typed', () => {
    const r = cli(
      [
        'run',
        '--logs',
        '-dynamo',
        '--trace',
        'traces',
        '--format=json',
        '--out',
        'logs.txt',
        'report.ts',
        '--',
        '--x',
      ],
      { cwd: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    const s = seen(r.stdout);
    expect(s.env).toEqual({
      TORCH_LOGS: '-dynamo',
      TORCH_TRACE: 'traces',
      TORCH_LOGS_FORMAT: 'json',
      TORCH_LOGS_OUT: 'logs.txt',
      MY_VAR: null,
    });
    expect(s.args).toEqual(['--x']);
  });

  it('--logs wins over the environment', () => {
    const r = cli(['run', '--logs', 'recompiles', 'report.ts'], {
      cwd: dir,
      env: cleanEnv({ TORCH_LOGS: 'dynamo' }),
    });
    expect(seen(r.stdout).env.TORCH_LOGS).toBe('recompiles');
  });

  it("a script's uncaught exception gives node's exit code 1 and its stack on stderr", () => {
    const r = cli(['run', 'throws.ts'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('boom from the script');
  });
});

describe('compilog run: signals', () => {
  it('a child killed by a signal gives 128+n (SIGKILL: 137)', () => {
    const r = cli(['run', 'self-kill.mjs'], { cwd: dir });
    expect(r.code).toBe(137);
  });

  it('SIGTERM to compilog reaches the child; exit 143', async () => {
    const r = await cliUntil(['run', 'sleep.ts'], {
      cwd: dir,
      ready: 'ready',
      act: (pid) => process.kill(pid, 'SIGTERM'),
    });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(143);
  });

  it('SIGINT to compilog reaches the child, which decides: its handler exits 5', async () => {
    const r = await cliUntil(['run', 'catch-int.ts'], {
      cwd: dir,
      ready: 'ready',
      act: (pid) => process.kill(pid, 'SIGINT'),
    });
    // once: only compilog was signalled, and it passed the signal on once
    expect(r.stdout.match(/child got SIGINT/g)).toHaveLength(1);
    expect(r.code).toBe(5);
  });

  it('SIGINT to a child without a handler: exit 130', async () => {
    const r = await cliUntil(['run', 'sleep.ts'], {
      cwd: dir,
      ready: 'ready',
      act: (pid) => process.kill(pid, 'SIGINT'),
    });
    expect(r.code).toBe(130);
  });
});

describe('compilog run: errors before anything runs (exit 2)', () => {
  it('a missing script: E_RUN_NOT_FOUND', () => {
    const r = cli(['run', 'nope.ts'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^E_RUN_NOT_FOUND: Script not found: nope\.ts/);
    expect(cli(['run', '.'], { cwd: dir }).stderr).toContain('E_RUN_NOT_FOUND');
  });

  it('an unsupported extension: E_RUN_EXTENSION', () => {
    const r = cli(['run', 'notes.txt'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("E_RUN_EXTENSION: Cannot run notes.txt: unsupported extension '.txt'");
  });

  it('a typo in --logs fails fast with the did-you-mean, and the script is not started', () => {
    const r = cli(['run', '--logs', '+dynamo,graph_cod', 'marker.ts'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Invalid log settings: +dynamo,graph_cod');
    expect(r.stderr).toContain('compilog [E_LOGS_UNKNOWN_NAME]');
    expect(r.stderr).toContain("Did you mean 'graph_code'");
    expect(existsSync(join(dir, 'started'))).toBe(false);
  });

  it('a bad TORCH_LOGS from the environment: syntax error, exit 2', () => {
    const r = cli(['run', 'marker.ts'], { cwd: dir, env: cleanEnv({ TORCH_LOGS: '+dynamo guards' }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('TORCH_LOGS (from the environment) is not valid');
    expect(r.stderr).toContain('compilog [E_LOGS_SYNTAX]');
    expect(existsSync(join(dir, 'started'))).toBe(false);
  });

  it('--no-check lets a script with its own subsystems receive names the included compiler lacks', () => {
    const rejected = cli(['run', '--logs', 'mycompiler', 'report.ts'], { cwd: dir });
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toContain('E_LOGS_UNKNOWN_NAME');
    expect(rejected.stderr).toContain('pass --registry <file.json> or --no-check');
    const r = cli(['run', '--no-check', '--logs', 'mycompiler', 'report.ts'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(seen(r.stdout).env.TORCH_LOGS).toBe('mycompiler');
  });

  it("--registry <file.json> checks against a user compiler's own registry", () => {
    writeScript(
      dir,
      'my-registry.json',
      JSON.stringify({ logs: { mycompiler: ['mycompiler'] }, artifacts: [{ name: 'kernels' }] }),
    );
    const ok = cli(['run', '--registry', 'my-registry.json', '--logs', '+mycompiler,kernels', 'report.ts'], {
      cwd: dir,
    });
    expect(ok.code, ok.stderr).toBe(0);
    const bad = cli(['run', '--registry', './my-registry.json', '--logs', 'kernel', 'report.ts'], {
      cwd: dir,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Did you mean 'kernels'");
  });

  it('--registry pytorch-2.11 checks against PyTorch 2.11 names', () => {
    const ok = cli(['run', '--registry', 'pytorch-2.11', '--logs', '+dynamo,cudagraphs', 'report.ts'], {
      cwd: dir,
    });
    expect(ok.code, ok.stderr).toBe(0);
    // `runtime` is the included compiler's subsystem, not PyTorch's
    const bad = cli(['run', '--registry', 'pytorch-2.11', '--logs', 'runtime', 'report.ts'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('E_LOGS_UNKNOWN_NAME');
    const unknown = cli(['run', '--registry', 'pytorch-9', '--logs', 'dynamo', 'report.ts'], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('E_REGISTRY_UNKNOWN');
  });

  it('qualified logger names of the included compiler pass the check', () => {
    const r = cli(['run', '--logs', '+compilog.inductor.scheduler,compilog.dynamo', 'report.ts'], {
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
  });

  it('an option without its value is a usage error (yargs, exit 1), and nothing runs', () => {
    const r = cli(['run', '--logs'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Not enough');
  });

  it("the settings reach the script's logging: a user compiler logs to TORCH_LOGS_OUT in the chosen format", () => {
    const dist = pathToFileURL(join(ROOT, 'dist/index.js')).href;
    writeScript(
      dir,
      'my-compiler.ts',
      `import { getLogger, registerLog } from ${JSON.stringify(dist)};\n` +
        `registerLog('mycompiler', 'mycompiler');\n` +
        `getLogger('mycompiler.codegen').info('kernel emitted');\n` +
        `getLogger('mycompiler.codegen').debug('not at INFO');\n`,
    );
    const r = cli(
      [
        'run',
        '--no-check',
        '--logs',
        'mycompiler',
        '--format',
        'short',
        '--out',
        'out.log',
        'my-compiler.ts',
      ],
      {
        cwd: dir,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('INFO:mycompiler.codegen:kernel emitted\n');
    expect(readFileSync(join(dir, 'out.log'), 'utf8')).toBe('INFO:mycompiler.codegen:kernel emitted\n');
  });

  it('--trace: a compiling script writes a trace there that reads back clean; stderr says where it is', async () => {
    const dist = pathToFileURL(join(ROOT, 'dist/index.js')).href;
    writeScript(
      dir,
      'tiny-compile.ts',
      `import { compile, randn, type Tensor } from ${JSON.stringify(dist)};\n` +
        `const f = compile((x: Tensor) => x.sin().add(1).relu());\n` +
        `console.log(f(randn([8, 4], { seed: 1 })).shape.join('x'));\n`,
    );
    const r = cli(['run', '--trace', 'tiny-trace', 'tiny-compile.ts'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('8x4\n');
    const files = readdirSync(join(dir, 'tiny-trace'));
    expect(files).toHaveLength(1);
    expect(r.stderr).toContain(`compilog run: trace tiny-trace/${files[0]}`);
    const reading = readTrace(join(dir, 'tiny-trace'));
    const kinds = new Set<string | null>();
    for await (const e of reading) kinds.add(e.kind);
    expect(kinds).toContain('dynamo_output_graph');
    expect(reading.stats.badLines).toEqual({ glog: 0, json: 0, md5: 0, truncated: 0, invalidUtf8: 0 });
  });
});

describe('compilog run --report: run, trace and report in one command', () => {
  const example = join(ROOT, 'examples/graph-break.ts');

  it('writes the trace to a temporary directory and the report of it, and says where both are', () => {
    const out = join(tempDir(), 'report');
    const r = cli(['run', '--report', out, example], { cwd: ROOT });
    expect(r.code, r.stderr).toBe(0);
    const trace = /compilog run: trace (.+\.log)\n/.exec(r.stderr)?.[1];
    expect(trace).toBeDefined();
    expect(existsSync(trace!)).toBe(true);
    expect(r.stderr).not.toContain('report it with');
    const dirJson = JSON.parse(readFileSync(join(out, 'compile_directory.json'), 'utf8'));
    expect(Object.keys(dirJson)).toEqual(['[0/0]', '[0/0_1]', '[1/0]', '[1/0_1]', '[2/0]']);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.inputs).toEqual([trace]);
    // the artifact count depends on the kernel cache (a hit logs fewer artifacts): the line gives the report's
    expect(r.stderr).toContain(
      `compilog run: report ${join(out, 'index.html')} (5 compiles, ${report.artifacts} artifacts, 2 failures/restarts)\n`,
    );
  });

  it('includes the compare pages of the recompiles', () => {
    const out = join(tempDir(), 'report');
    const r = cli(['run', '--report', out, join(ROOT, 'examples/recompile.ts')], { cwd: ROOT });
    expect(r.code, r.stderr).toBe(0);
    const pages = readdirSync(join(out, 'compare'));
    expect(pages.length).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'compare', pages[0]), 'utf8')).toContain('compared with');
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).options.compare).toBe(true);
  });

  it('with --trace, the trace goes there, and an older trace in it is listed, not reported', () => {
    const traceDir = tempDir();
    const old = join(traceDir, 'dedicated_log_torch_trace_oldrun00.log');
    writeFileSync(
      old,
      readFileSync(
        join(ROOT, '../shared/fixtures/pytorch-2.11/traces/p1_simple/dedicated_log_torch_trace_bhxjml22.log'),
      ),
    );
    utimesSync(old, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    const out = join(tempDir(), 'report');
    const r = cli(['run', '--trace', traceDir, '--report', out, example], { cwd: ROOT });
    expect(r.code, r.stderr).toBe(0);
    const written = readdirSync(traceDir).filter((f) => f !== 'dedicated_log_torch_trace_oldrun00.log');
    expect(written).toHaveLength(1);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.inputs).toEqual([join(traceDir, written[0])]);
    expect(report.compiles).toBe(5);
  });

  it('a --report directory that is in the way fails before the script starts (exit 2)', () => {
    const out = tempDir();
    writeFileSync(join(out, 'keep.txt'), 'mine');
    rmSync(join(dir, 'started'), { force: true });
    const r = cli(['run', '--report', out, 'marker.ts'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_REPORT_OUT_EXISTS');
    expect(existsSync(join(dir, 'started'))).toBe(false);
    expect(readdirSync(out)).toEqual(['keep.txt']);
  });

  it('a script that fails after compiling keeps its exit code, and its trace is still reported', () => {
    writeScript(
      dir,
      'compile-then-throw.ts',
      `import ${JSON.stringify(pathToFileURL(example).href)};\nthrow new Error('failed after compiling');\n`,
    );
    const out = join(tempDir(), 'report');
    const r = cli(['run', '--report', out, 'compile-then-throw.ts'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('failed after compiling');
    expect(r.stderr).toContain(`compilog run: report ${join(out, 'index.html')} (5 compiles`);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
  });

  it('a script that compiles nothing: no trace, no report, and it says so', () => {
    const out = join(tempDir(), 'report');
    const r = cli(['run', '--report', out, 'throws.ts'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no trace written');
    expect(existsSync(out)).toBe(false);
  });
});
