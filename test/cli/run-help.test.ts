// `TORCH_LOGS=help compilog run <example>` lists every subsystem and artifact of the included compiler.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultLogRegistry, type LogRegistry } from '../../src/logging/index.js';
import { cleanEnv, cli, ROOT, tempDir } from './support.js';

let registry: LogRegistry;
let cwd: string;

beforeAll(async () => {
  await import('../../src/runtime/registrations.js');
  registry = defaultLogRegistry().clone();
  cwd = tempDir();
});

const EXAMPLES = ['examples/mlp.ts', 'examples/transformer-block.ts']
  .map((e) => join(ROOT, e))
  .filter((e) => existsSync(e));

/** The name column of the help text: each listed line's first word. */
function listedNames(help: string): Set<string> {
  const out = new Set<string>();
  for (const line of help.split('\n')) {
    const m = /^ {2}(\S+)(\s|$)/.exec(line);
    if (m) out.add(m[1]);
  }
  for (const line of help.split('\n'))
    if (line.startsWith('  ') && line.includes(', ')) {
      for (const name of line.trim().split(', ')) out.add(name);
    }
  return out;
}

describe('TORCH_LOGS=help compilog run', () => {
  it('the included compiler registers its subsystems and artifacts (the test would be empty otherwise)', () => {
    expect([...registry.aliases.keys()]).toEqual(
      expect.arrayContaining(['dynamo', 'aot', 'inductor', 'runtime']),
    );
    expect(registry.artifacts.size).toBeGreaterThanOrEqual(14);
  });

  for (const example of EXAMPLES) {
    it(`${example.slice(ROOT.length + 1)}: lists every subsystem and artifact, exit 0, the script does not run`, () => {
      const r = cli(['run', example], { cwd, env: cleanEnv({ TORCH_LOGS: 'help' }) });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('TORCH_LOGS Info');
      const names = listedNames(r.stdout);
      for (const alias of ['all', ...registry.aliases.keys()]) expect(names, alias).toContain(alias);
      for (const artifact of registry.artifacts.keys()) expect(names, artifact).toContain(artifact);
      // Names of another compiler are not there (PyTorch-only ones).
      expect(names).not.toContain('cudagraphs');
      // Nothing of the example's own output: it was not started.
      expect(r.stdout).not.toMatch(/transformer block:|checksum/);
    });
  }

  it('+help (and --logs +help) describe every artifact', () => {
    for (const r of [
      cli(['run', EXAMPLES[0]], { cwd, env: cleanEnv({ TORCH_LOGS: '+help' }) }),
      cli(['run', '--logs', '+help', EXAMPLES[0]], { cwd }),
    ]) {
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('All registered names');
      for (const a of registry.artifacts.values()) expect(r.stdout).toContain(a.description);
    }
  });

  it('help with --registry pytorch-2.11 lists PyTorch 2.11 names instead', () => {
    const r = cli(['run', '--registry', 'pytorch-2.11', '--logs', 'help', EXAMPLES[0]], { cwd });
    expect(r.code).toBe(0);
    const names = listedNames(r.stdout);
    expect(names).toContain('cudagraphs');
    expect(names).not.toContain('runtime');
  });
});
