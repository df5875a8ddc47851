// Byte-exact texts against PyTorch 2.11's own output (../shared/fixtures/pytorch-2.11/logs), and the help layout
// for registries that are not PyTorch's.
import { describe, expect, it } from 'vitest';
import {
  CompilogError,
  helpMessage,
  invalidSettingsMessage,
  isPytorchRegistry,
  LogRegistry,
  loadShippedRegistry,
  parseTorchLogs,
} from '../../src/logging/index.js';
import { readFixture } from './torch-logs-cases.js';

function thrown(fn: () => unknown): CompilogError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CompilogError) return err;
    throw err;
  }
  throw new Error('expected a CompilogError');
}

describe('PyTorch 2.11 texts, byte for byte', () => {
  const registry = loadShippedRegistry('pytorch-2.11');

  it('marks the shipped PyTorch registry so its help uses PyTorch examples', () => {
    expect(isPytorchRegistry(registry)).toBe(true);
  });

  it('TORCH_LOGS=help is help.txt', () => {
    const err = thrown(() => parseTorchLogs('help', registry));
    expect(err.code).toBe('E_LOGS_HELP');
    expect(Buffer.from(err.message)).toEqual(Buffer.from(readFixture('help.txt')));
    expect(helpMessage(registry)).toBe(readFixture('help.txt'));
  });

  it("TORCH_LOGS='+help' is help_verbose.txt", () => {
    const err = thrown(() => parseTorchLogs('+help', registry));
    expect(err.code).toBe('E_LOGS_HELP_VERBOSE');
    expect(Buffer.from(err.message)).toEqual(Buffer.from(readFixture('help_verbose.txt')));
  });

  it('TORCH_LOGS=foo is invalid_settings_foo.txt', () => {
    const err = thrown(() => parseTorchLogs('foo', registry));
    expect(err.code).toBe('E_LOGS_UNKNOWN_NAME');
    expect(Buffer.from(err.message)).toEqual(Buffer.from(readFixture('invalid_settings_foo.txt')));
  });

  it('the error tail is what PyTorch pins (test_invalid_artifact_flag_error_msg)', () => {
    const lines = thrown(() =>
      parseTorchLogs('not_an_existing_log_artifact_should_error', registry),
    ).message.split('\n');
    expect(lines.at(-4)).toBe('For more info on various settings, try TORCH_LOGS="help"');
    expect(lines.at(-3)).toBe('Valid settings:');
    expect(lines.length).toBeLessThan(50);
  });
});

describe('help for a registry that is not PyTorch', () => {
  const registry = new LogRegistry();
  registry.registerLog('capture', ['mini.capture']);
  registry.registerLog('codegen', ['mini.codegen', 'mini.codegen.kernels']);
  registry.registerArtifact('fusion', { description: 'Fusion decisions', visible: true });
  registry.registerArtifact('a_very_long_artifact_name_beyond_30', { description: 'Long', visible: false });

  it('keeps the layout and builds the examples from its own names', () => {
    const text = helpMessage(registry);
    expect(
      text.startsWith('\nTORCH_LOGS Info\n\nExamples:\n  TORCH_LOGS="+capture,codegen" sets capture'),
    ).toBe(true);
    expect(text).toContain('TORCH_LOGS="fusion" turns on the fusion artifact');
    expect(text).toContain('TORCH_LOGS="+mini.capture" sets the logger mini.capture');
    expect(text).not.toContain('TorchDynamo');
    expect(
      text.endsWith(
        "\n\nVisible registered names (use TORCH_LOGS='+help' for full list)\n  all\n  capture\n  codegen\n" +
          `  fusion${' '.repeat(24)}\tFusion decisions\n`,
      ),
    ).toBe(true);
  });

  it('+help lists hidden artifacts and widens the name column for names over 30 characters', () => {
    const text = helpMessage(registry, { verbose: true });
    const tail = text.slice(text.indexOf('All registered names\n'));
    expect(tail).toBe(
      'All registered names\n  all\n  capture\n  codegen\n' +
        '  a_very_long_artifact_name_beyond_30\tLong\n' +
        `  fusion${' '.repeat(29)}\tFusion decisions\n`,
    );
  });

  it('works for an empty registry', () => {
    expect(helpMessage(new LogRegistry())).toContain('\n  all\n');
  });

  it('the invalid-settings message lists all, aliases and artifacts sorted by code point', () => {
    expect(invalidSettingsMessage('x', ['all', 'b'])).toBe(
      '\nInvalid log settings: x, must be a comma separated list of fully\n' +
        'qualified module names, registered log names or registered artifact names.\n' +
        'For more info on various settings, try TORCH_LOGS="help"\nValid settings:\nall, b\n',
    );
    const err = thrown(() => parseTorchLogs('nope', registry));
    expect(err.message.split('\n').at(-2)).toBe(
      'a_very_long_artifact_name_beyond_30, all, capture, codegen, fusion',
    );
  });
});
