// settingsFromSetLogs: PyTorch's set_logs checks and messages, and equivalence with the TORCH_LOGS grammar
// (PyTorch's own tests run every logging test once through TORCH_LOGS and once through set_logs).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CompilogError,
  LogRegistry,
  loadShippedRegistry,
  type ModuleResolver,
  parseTorchLogs,
  type SetLogsOptions,
  settingsFromSetLogs,
} from '../../src/logging/index.js';

const pytorch = loadShippedRegistry('pytorch-2.11');

function thrown(fn: () => unknown): CompilogError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CompilogError) return err;
    throw err;
  }
  throw new Error('expected a CompilogError');
}

describe('settingsFromSetLogs', () => {
  it('applies all first, then aliases in order; later wins per qname (test_all)', () => {
    const s = settingsFromSetLogs({ dynamo: 'INFO', all: 'DEBUG' }, pytorch);
    expect(Object.fromEntries(s.qnames)).toEqual({
      torch: 10,
      'torch._dynamo': 20,
      'torch.fx.experimental.symbolic_shapes': 20,
      'torch.fx.experimental.sym_node': 20,
      'torch.fx.experimental.recording': 20,
    });
  });

  it('accepts every Python level number and every level name, including WARNING, CRITICAL and NOTSET', () => {
    for (const [value, level] of [
      [0, 0],
      [10, 10],
      [30, 30],
      [50, 50],
      ['WARNING', 30],
      ['CRITICAL', 50],
    ] as const) {
      expect(settingsFromSetLogs({ onnx: value }, pytorch).qnames.get('torch.onnx')).toBe(level);
    }
  });

  it('turns on artifacts given true, ignores false, null and undefined', () => {
    const s = settingsFromSetLogs(
      { guards: true, output_code: false, dynamo: null, aot: undefined },
      pytorch,
    );
    expect([...s.artifacts]).toEqual(['guards']);
    expect(s.qnames.size).toBe(0);
  });

  it('rejects a bad level with PyTorch message (E_SETLOGS_LEVEL)', () => {
    const err = thrown(() => settingsFromSetLogs({ dynamo: 5 }, pytorch));
    expect(err.code).toBe('E_SETLOGS_LEVEL');
    expect(err.message).toBe(
      'Unrecognized log level for log dynamo: 5, valid level values are: 50,40,30,20,10,0',
    );
    expect(
      thrown(() => settingsFromSetLogs({ dynamo: 'debug' } as unknown as SetLogsOptions, pytorch)).code,
    ).toBe('E_SETLOGS_LEVEL');
    expect(thrown(() => settingsFromSetLogs({ dynamo: true }, pytorch)).message).toContain('dynamo: True,');
  });

  it('rejects a non-boolean artifact value with PyTorch message (E_SETLOGS_ARTIFACT_VALUE)', () => {
    const err = thrown(() => settingsFromSetLogs({ aot_graphs: 5 }, pytorch));
    expect(err.code).toBe('E_SETLOGS_ARTIFACT_VALUE');
    expect(err.message).toBe('Expected bool to enable artifact aot_graphs, received 5');
  });

  it('rejects an unknown name with PyTorch message and a suggestion (E_SETLOGS_UNKNOWN_NAME)', () => {
    const err = thrown(() => settingsFromSetLogs({ modules: { not_a_module_xyz: 10 } }, pytorch));
    expect(err.code).toBe('E_SETLOGS_UNKNOWN_NAME');
    expect(err.message).toBe('Unrecognized log or artifact name passed to set_logs: not_a_module_xyz');
    expect(thrown(() => settingsFromSetLogs({ dynamoo: 'INFO' }, pytorch)).hint).toContain("'dynamo'");
    expect(thrown(() => settingsFromSetLogs({ modules: { all: 10 } }, pytorch)).hint).toContain('top level');
  });

  it('resolves qualified names in modules, expands them, and registers only when asked', () => {
    const registry = new LogRegistry();
    registry.registerLog('codegen', 'mini.codegen');
    const resolver: ModuleResolver = {
      exists: (q) => ['mini.codegen.kernels', 'other', 'other.sub'].includes(q),
      submodules: (q) => (q === 'other' ? ['other.sub'] : []),
    };
    const s = settingsFromSetLogs({ modules: { 'mini.codegen.kernels': 'DEBUG', other: 40 } }, registry, {
      resolver,
    });
    expect(Object.fromEntries(s.qnames)).toEqual({ 'mini.codegen.kernels': 10, other: 40, 'other.sub': 40 });
    expect(s.registrations).toEqual({ aliases: ['other'], childLogs: ['mini.codegen.kernels', 'other.sub'] });
    expect(registry.isLog('other')).toBe(false);
    settingsFromSetLogs({ modules: { other: 'INFO' } }, registry, { resolver, register: true });
    expect(registry.aliases.get('other')).toEqual(['other']);
    expect(registry.childLogQnames.has('other.sub')).toBe(true);
    // A child log named before is accepted without a resolver, like PyTorch's `alias in child_log_qnames`.
    expect(settingsFromSetLogs({ modules: { 'other.sub': 'ERROR' } }, registry).qnames.get('other.sub')).toBe(
      40,
    );
  });

  it('equals parseTorchLogs of the same settings written as a TORCH_LOGS string (kwargs_to_settings)', () => {
    const aliases = [...pytorch.aliases.keys()];
    const artifacts = [...pytorch.artifacts.keys()];
    const entry = fc.oneof(
      fc.tuple(fc.constantFrom(...aliases, 'all'), fc.constantFrom(10, 20, 40)),
      fc.tuple(fc.constantFrom(...artifacts), fc.constant(true)),
    );
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: ([k]) => k, minLength: 1, maxLength: 8 }), (entries) => {
        // `all` is applied first by setLogs, so the string puts it first too.
        entries.sort(([a], [b]) => Number(b === 'all') - Number(a === 'all'));
        const options: SetLogsOptions = Object.fromEntries(entries);
        const env = entries
          .map(([k, v]) => (v === true ? k : `${v === 10 ? '+' : v === 40 ? '-' : ''}${k}`))
          .join(',');
        const fromApi = settingsFromSetLogs(options, pytorch);
        const fromEnv = parseTorchLogs(env, pytorch);
        expect([...fromApi.qnames]).toEqual([...fromEnv.qnames]);
        expect([...fromApi.artifacts].sort()).toEqual([...fromEnv.artifacts].sort());
      }),
      { numRuns: 500 },
    );
  });
});
