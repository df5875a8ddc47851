// `compilog logs help|parse` through the built CLI (node dist/cli.js), as a user runs it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { protectLogsArgs, rawSettingsArgument } from '../../src/cli/logs.js';
import { readFixture } from './torch-logs-cases.js';

const REPO = resolve(import.meta.dirname, '../..');

/** Runs the CLI; `logs` commands check against PyTorch 2.11's registry unless the test names another. */
function cli(
  args: string[],
  options: { input?: string; env?: Record<string, string>; ownDefault?: boolean } = {},
) {
  if (args[0] === 'logs' && !options.ownDefault && !args.some((a) => a.startsWith('--registry'))) {
    args = [...args, '--registry', 'pytorch-2.11'];
  }
  const env = { ...process.env, ...options.env };
  if (!options.env || !('TORCH_LOGS' in options.env)) delete env.TORCH_LOGS;
  const run = spawnSync(process.execPath, ['dist/cli.js', ...args], {
    cwd: REPO,
    input: options.input ?? '',
    encoding: 'utf8',
    env,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function json(stdout: string): Record<string, unknown> {
  const lines = stdout.split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toBe('');
  return JSON.parse(lines[0]);
}

const DYNAMO_QNAMES = [
  'torch._dynamo',
  'torch.fx.experimental.symbolic_shapes',
  'torch.fx.experimental.sym_node',
  'torch.fx.experimental.recording',
];

describe('compilog logs parse', () => {
  it('prints the qnames and sorted artifacts of a valid string, exit 0', () => {
    const r = cli(['logs', 'parse', 'output_code,+dynamo, guards']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(json(r.stdout)).toEqual({
      ok: true,
      qnames: Object.fromEntries(DYNAMO_QNAMES.map((q) => [q, 'DEBUG'])),
      artifacts: ['guards', 'output_code'],
    });
  });

  it('takes a value starting with "-" as typed, and reads $TORCH_LOGS when no value is given', () => {
    const minus = json(cli(['logs', 'parse', '-dynamo']).stdout);
    expect(minus.qnames).toEqual(Object.fromEntries(DYNAMO_QNAMES.map((q) => [q, 'ERROR'])));
    const fromEnv = cli(['logs', 'parse'], { env: { TORCH_LOGS: 'all' } });
    expect(fromEnv.status).toBe(0);
    expect(json(fromEnv.stdout)).toEqual({ ok: true, qnames: { torch: 'INFO' }, artifacts: [] });
    const empty = cli(['logs', 'parse', '']);
    expect(empty.status).toBe(0);
    expect(json(empty.stdout)).toEqual({ ok: true, qnames: {}, artifacts: [] });
  });

  it('rejects an unknown name with PyTorch message, a code and a hint, exit 2', () => {
    const r = cli(['logs', 'parse', 'foo']);
    expect(r.status).toBe(2);
    const out = json(r.stdout);
    expect(out.ok).toBe(false);
    expect(out.code).toBe('E_LOGS_UNKNOWN_NAME');
    expect(out.message).toBe(readFixture('invalid_settings_foo.txt'));
    expect(out.hint).toContain("'foo'");
    expect(out.stage).toBe('name_lookup');
  });

  it('points at the character of a syntax error', () => {
    const out = json(cli(['logs', 'parse', 'dynamo ,aot']).stdout);
    expect(out).toMatchObject({ ok: false, code: 'E_LOGS_SYNTAX', stage: 'syntax', column: 7, token: ' ' });
    expect(out.hint).toContain('whitespace before a comma');
  });

  it('`parse help` is the help text (as PyTorch raises it), not yargs help', () => {
    const r = cli(['logs', 'parse', 'help']);
    expect(r.status).toBe(2);
    expect(json(r.stdout)).toEqual({ ok: false, code: 'E_LOGS_HELP', message: readFixture('help.txt') });
    expect(json(cli(['logs', 'parse', '+help']).stdout).code).toBe('E_LOGS_HELP_VERBOSE');
  });

  it('reports a missing value as E_CLI_USAGE, exit 2', () => {
    const r = cli(['logs', 'parse']);
    expect(r.status).toBe(2);
    expect(json(r.stdout)).toMatchObject({ ok: false, code: 'E_CLI_USAGE' });
  });

  it('--batch: one result per stdin line, bad lines get E_BATCH_INPUT, exit 0', () => {
    const r = cli(['logs', 'parse', '--batch'], {
      input: '"+dynamo"\n42\nnot json\n""\n"help,dynamo"\r\n"guards"',
    });
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.pop()).toBe('');
    const out = lines.map((l) => JSON.parse(l));
    expect(out.map((o) => o.ok)).toEqual([true, false, false, true, false, true]);
    expect(out.map((o) => o.code)).toEqual([
      undefined,
      'E_BATCH_INPUT',
      'E_BATCH_INPUT',
      undefined,
      'E_LOGS_UNKNOWN_NAME',
      undefined,
    ]);
    expect(out[5]).toEqual({ ok: true, qnames: {}, artifacts: ['guards'] });
  });

  it('an unknown registry name is E_REGISTRY_UNKNOWN, exit 2', () => {
    const r = cli(['logs', 'parse', 'dynamo', '--registry', 'pytorch-9.9']);
    expect(r.status).toBe(2);
    expect(json(r.stdout)).toMatchObject({ ok: false, code: 'E_REGISTRY_UNKNOWN' });
    const h = cli(['logs', 'help', '--registry', 'nope']);
    expect(h.status).toBe(2);
    expect(h.stdout).toBe('');
    expect(h.stderr).toContain('E_REGISTRY_UNKNOWN');
  });
});

describe('compilog logs --registry <file>', () => {
  const dir = mkdtempSync(join(tmpdir(), 'compilog-logs-cli-'));
  const own = join(dir, 'mini.json');
  writeFileSync(
    own,
    JSON.stringify({
      logs: { capture: ['mini.capture'], codegen: 'mini.codegen' },
      artifacts: [{ name: 'fusion', description: 'Fusion decisions', visible: true }, { name: 'kernels' }],
    }),
  );

  it('parses against a user registry, where `all` sets the root of every alias', () => {
    const r = cli(['logs', 'parse', '+all,-codegen,fusion', '--registry', own]);
    expect(r.status).toBe(0);
    expect(json(r.stdout)).toEqual({
      ok: true,
      qnames: { 'mini.capture': 'DEBUG', 'mini.codegen': 'ERROR' },
      artifacts: ['fusion'],
    });
    const bad = json(cli(['logs', 'parse', 'dynamo', '--registry', own]).stdout);
    expect(bad.message).toContain('Valid settings:\nall, capture, codegen, fusion, kernels\n');
  });

  it('prints help with the registry names and examples built from them', () => {
    const r = cli(['logs', 'help', '--registry', own]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('TORCH_LOGS="+capture,codegen"');
    expect(r.stdout).toMatch(/\n {2}all\n {2}capture\n {2}codegen\n {2}fusion {24}\tFusion decisions\n$/);
    expect(cli(['logs', 'help', '--verbose', '--registry', own]).stdout).toContain('\n  kernels');
  });

  it("a registry dumped from PyTorch (with torch_version) prints PyTorch's help, byte for byte", () => {
    const dumped = resolve(REPO, '../shared/fixtures/pytorch-2.11/registry.json');
    expect(cli(['logs', 'help', '--registry', dumped]).stdout).toBe(readFixture('help.txt'));
  });

  it('reports a missing file and an invalid file with their own codes', () => {
    expect(json(cli(['logs', 'parse', 'x', '--registry', join(dir, 'absent.json')]).stdout).code).toBe(
      'E_REGISTRY_FILE',
    );
    const invalid = join(dir, 'invalid.json');
    writeFileSync(invalid, '{"logs": {"a": [1]}}');
    const r = cli(['logs', 'parse', 'x', '--registry', invalid]);
    expect(r.status).toBe(2);
    expect(json(r.stdout)).toMatchObject({ code: 'E_REGISTRY_INVALID' });
    writeFileSync(invalid, '{');
    expect(json(cli(['logs', 'parse', 'x', '--registry', invalid]).stdout).code).toBe('E_REGISTRY_INVALID');
  });
});

describe('compilog logs help', () => {
  it('prints help.txt and, with --verbose, help_verbose.txt, byte for byte', () => {
    const r = cli(['logs', 'help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFixture('help.txt'));
    expect(cli(['logs', 'help', '--verbose']).stdout).toBe(readFixture('help_verbose.txt'));
  });
});

describe('rawSettingsArgument', () => {
  it('skips parse options and honours --', () => {
    expect(rawSettingsArgument(['logs', 'parse', '--registry', 'r', '-dynamo'])).toBe('-dynamo');
    expect(rawSettingsArgument(['logs', 'parse', '--registry=r', '--batch', '--', '--x'])).toBe('--x');
    expect(rawSettingsArgument(['logs', 'parse', 'parse'])).toBe('parse');
    expect(rawSettingsArgument(['logs', 'parse'])).toBeUndefined();
  });
});

describe('protectLogsArgs', () => {
  it('hides a help word from yargs only where it is ours', () => {
    expect(protectLogsArgs(['logs', 'help', '--verbose'])).toEqual(['logs', '__help_text', '--verbose']);
    expect(protectLogsArgs(['logs', 'parse', 'help'])).toEqual(['logs', 'parse', '__settings__']);
    expect(protectLogsArgs(['logs', 'help', '--help'])).toEqual(['logs', 'help', '--help']);
    expect(protectLogsArgs(['report', 'help'])).toEqual(['report', 'help']);
    expect(protectLogsArgs(['view', 'logs', 'help'])).toEqual(['view', 'logs', 'help']);
  });
});

describe('compilog logs without --registry: the included compiler', () => {
  it("parses against the included compiler's subsystems and artifacts", () => {
    const r = cli(['logs', 'parse', '+inductor,output_code'], { ownDefault: true });
    expect(r.status).toBe(0);
    const out = json(r.stdout) as { ok: boolean; qnames: Record<string, string>; artifacts: string[] };
    expect(out.ok).toBe(true);
    expect(out.qnames['compilog.inductor']).toBe('DEBUG');
    expect(Object.keys(out.qnames).some((q) => q.startsWith('torch.'))).toBe(false);
    expect(out.artifacts).toEqual(['output_code']);
  });

  it('rejects a PyTorch-only name with a did-you-mean over our names', () => {
    const r = cli(['logs', 'parse', 'inductr'], { ownDefault: true });
    expect(r.status).toBe(2);
    const out = json(r.stdout);
    expect(out.code).toBe('E_LOGS_UNKNOWN_NAME');
    expect(String(out.hint)).toContain('inductor');
  });

  it('prints help listing the included compiler', () => {
    const r = cli(['logs', 'help', '--verbose'], { ownDefault: true });
    expect(r.status).toBe(0);
    for (const name of ['dynamo', 'aot', 'inductor', 'runtime', 'fusion', 'output_code', 'kernel_code']) {
      expect(r.stdout).toMatch(new RegExp(`\\n  ${name}\\b`));
    }
  });
});
