// Every case of ../shared/fixtures/torch_logs_cases.json (PyTorch 2.11's own outcomes) through parseTorchLogs and
// through `compilog logs parse --batch` (one child process for all cases).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  isCompilogError,
  levelName,
  loadShippedRegistry,
  type ModuleResolver,
  parseTorchLogs,
  TorchLogsError,
} from '../../src/logging/index.js';
import {
  CASES,
  caseMode,
  pythonModulesResolver,
  pythonStrip,
  readFixture,
  type TorchLogsCase,
} from './torch-logs-cases.js';

const REPO = resolve(import.meta.dirname, '../..');
const HELP = readFixture('help.txt');
const HELP_VERBOSE = readFixture('help_verbose.txt');
const FOO = readFixture('invalid_settings_foo.txt');

type Outcome = { ok: boolean; code?: string; message?: string; hint?: string; stage?: string } & {
  qnames?: Record<string, string>;
  artifacts?: string[];
};

function libraryOutcome(env: string, resolver?: ModuleResolver): Outcome {
  const registry = loadShippedRegistry('pytorch-2.11');
  try {
    // The cases were recorded on Linux, where PyTorch keeps outer quotes.
    const parsed = parseTorchLogs(env, registry, {
      stripOuterQuotes: false,
      ...(resolver ? { resolver } : {}),
    });
    return {
      ok: true,
      qnames: Object.fromEntries([...parsed.qnames].map(([q, l]) => [q, levelName(l)])),
      artifacts: [...parsed.artifacts].sort(),
    };
  } catch (err) {
    if (!isCompilogError(err)) throw err;
    return { ok: false, ...err.toJSON() } as Outcome;
  }
}

/** PyTorch's message for these settings: the fixture for `foo` with the settings text swapped in. */
function pytorchInvalidMessage(settings: string): string {
  return FOO.replace('Invalid log settings: foo,', `Invalid log settings: ${settings},`);
}

function checkOutcome(c: TorchLogsCase, got: Outcome): void {
  const e = c.expect;
  const mode = caseMode(c);
  if (!e.error) {
    expect(got.ok, JSON.stringify(got)).toBe(true);
    expect(got.artifacts).toEqual(e.artifacts);
    if (e.qnames) {
      // Same entries in the same (first-insertion) order as PyTorch's dict.
      expect(Object.entries(got.qnames ?? {})).toEqual(Object.entries(e.qnames));
    } else if (e.qnames_subset) {
      for (const [q, level] of Object.entries(e.qnames_subset)) expect(got.qnames?.[q], q).toBe(level);
    } else {
      expect(Object.entries(got.qnames ?? {})).toEqual(Object.entries(qnamesFromLogs(e.logs ?? {})));
    }
    return;
  }
  expect(got.ok).toBe(false);
  if (e.error_kind === 'help') {
    expect(got.code).toBe('E_LOGS_HELP');
    expect(got.message).toBe(HELP);
    return;
  }
  if (e.error_kind === 'help_verbose') {
    expect(got.code).toBe('E_LOGS_HELP_VERBOSE');
    expect(got.message).toBe(HELP_VERBOSE);
    return;
  }
  if (mode === 'divergence') {
    // PyTorch: ModuleNotFoundError/ImportError; us: the invalid-settings error on the stripped string.
    expect(got.code).toBe('E_LOGS_UNKNOWN_NAME');
    expect(got.stage).toBe('name_lookup');
    expect(got.message).toBe(pytorchInvalidMessage(pythonStrip(c.env)));
    return;
  }
  expect(got.code).toBe(e.stage === 'syntax' ? 'E_LOGS_SYNTAX' : 'E_LOGS_UNKNOWN_NAME');
  expect(got.stage).toBe(e.stage);
  expect(got.message).toBe(pytorchInvalidMessage(e.message_settings ?? ''));
  expect(got.hint?.length ?? 0).toBeGreaterThan(20);
}

/** For the cases recorded without `qnames`: the alias expansion of `logs`, in order. */
function qnamesFromLogs(logs: Record<string, string>): Record<string, string> {
  const registry = loadShippedRegistry('pytorch-2.11');
  const out = new Map<string, string>();
  for (const [name, level] of Object.entries(logs)) {
    for (const q of registry.aliases.get(name) ?? [name]) out.set(q, level);
  }
  return Object.fromEntries(out);
}

const EXACT = CASES.filter((c) => caseMode(c) === 'exact');
const PYTHON_MODULES = CASES.filter((c) => caseMode(c) === 'python-modules');
const DIVERGENCE = CASES.filter((c) => caseMode(c) === 'divergence');

describe('torch_logs_cases.json', () => {
  it('sorts every case into a mode, and the counts do not silently drop', () => {
    expect(CASES).toHaveLength(148);
    expect(EXACT).toHaveLength(125);
    expect(PYTHON_MODULES).toHaveLength(17);
    expect(DIVERGENCE.map((c) => c.env)).toEqual([
      '+some.random.module,schedule',
      '.torch',
      'torch..utils',
      'dynamo.aot',
      'all.dynamo',
      'nonexistent_pkg_xyz.mod',
    ]);
  });

  it.each(EXACT.map((c) => [JSON.stringify(c.env), c] as const))(
    'exact %s: same outcome as PyTorch 2.11',
    (_, c) => {
      checkOutcome(c, libraryOutcome(c.env));
    },
  );

  it.each(PYTHON_MODULES.map((c) => [JSON.stringify(c.env), c] as const))(
    'python modules %s: levels and registrations as PyTorch 2.11, with a resolver standing in for importlib',
    (_, c) => {
      checkOutcome(c, libraryOutcome(c.env, pythonModulesResolver(c)));
      const parsed = parseTorchLogs(c.env, loadShippedRegistry('pytorch-2.11'), {
        resolver: pythonModulesResolver(c),
      });
      if (c.expect.registers_new_aliases) {
        expect(parsed.registrations.aliases).toEqual(c.expect.registers_new_aliases);
      }
      // The count of a real package walk is Python's (qname_count cases list only a subset of the submodules).
      if (c.expect.registers_child_logs_count !== undefined && c.expect.qnames) {
        expect(parsed.registrations.childLogs).toHaveLength(c.expect.registers_child_logs_count);
      }
    },
  );

  it.each(DIVERGENCE.map((c) => [JSON.stringify(c.env), c] as const))(
    'divergence %s: invalid-settings error instead of a leaked Python import error',
    (_, c) => {
      checkOutcome(c, libraryOutcome(c.env));
    },
  );

  it('strips one pair of matching outer quotes when asked (PyTorch on Windows)', () => {
    const registry = loadShippedRegistry('pytorch-2.11');
    const quoted = parseTorchLogs('"+schedule,+inductor,+output_code"', registry, { stripOuterQuotes: true });
    const plain = parseTorchLogs('+schedule,+inductor,+output_code', registry);
    expect([...quoted.qnames]).toEqual([...plain.qnames]);
    expect([...quoted.artifacts]).toEqual([...plain.artifacts]);
    expect(parseTorchLogs("''", registry, { stripOuterQuotes: true }).qnames.size).toBe(0);
    const mixed = (() => {
      try {
        parseTorchLogs('"dynamo\'', registry, { stripOuterQuotes: true });
      } catch (e) {
        return e as TorchLogsError;
      }
    })();
    expect(mixed?.code).toBe('E_LOGS_SYNTAX');
    expect(mixed?.hint).toContain('quote');
  });

  it('lookup errors are TorchLogsError with the offending item and its column', () => {
    const registry = loadShippedRegistry('pytorch-2.11');
    const err = (() => {
      try {
        parseTorchLogs('dynamo,\t +aot_g', registry);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TorchLogsError);
    const e = err as TorchLogsError;
    expect([e.code, e.stage, e.token, e.column]).toEqual([
      'E_LOGS_UNKNOWN_NAME',
      'name_lookup',
      '+aot_g',
      10,
    ]);
    expect(e.suggestions[0]).toBe('aot_graphs');
    expect(e.message).toBe(pytorchInvalidMessage('dynamo,+aot_g'));
  });
});

describe('torch_logs_cases.json through `compilog logs parse --batch`', () => {
  it('gives the same outcome as the library for every applicable case, in one process', () => {
    const cases = [...EXACT, ...DIVERGENCE];
    const input = `${cases.map((c) => JSON.stringify(c.env)).join('\n')}\n`;
    const run = spawnSync(
      process.execPath,
      ['dist/cli.js', 'logs', 'parse', '--batch', '--registry', 'pytorch-2.11'],
      {
        cwd: REPO,
        input,
        encoding: 'utf8',
      },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(cases.length);
    cases.forEach((c, i) => {
      const got = JSON.parse(lines[i]) as Outcome;
      checkOutcome(c, got);
      expect(got).toEqual(libraryOutcome(c.env));
    });
  });
});
