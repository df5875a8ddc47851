// setLogs (PyTorch's set_logs): TORCH_LOGS wins (one warning, PyTorch's text), each call replaces the state,
// level names, artifacts, modules, the TORCH_LOGS grammar as a string, validation before any change.
import { afterAll, describe, expect, it } from 'vitest';
import {
  CompilogError,
  currentLogSettings,
  DEBUG,
  ERROR,
  getArtifactLogger,
  getLogger,
  INFO,
  resetLogging,
  SET_LOGS_IGNORED_WARNING,
  setLogs,
} from '../../src/logging/index.js';
import { freshState, messages, registerCompiler } from './capture.js';

afterAll(() => resetLogging());

describe('setLogs', () => {
  it('is ignored with PyTorch warning (printed once) when TORCH_LOGS is set, even to ""', () => {
    for (const value of ['dynamo', '']) {
      const stderr = freshState({ TORCH_LOGS: value });
      registerCompiler();
      const log = getLogger('c.dynamo');
      setLogs({ dynamo: 'DEBUG' });
      setLogs({ dynamo: 'DEBUG' });
      log.debug('hidden');
      const lines = stderr.lines();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^W\d{4} [\d:.]+ \d+ src\/logging\/state\.ts:\d+\] /);
      expect(lines[0]!.endsWith(`] ${SET_LOGS_IGNORED_WARNING}`)).toBe(true);
      expect(SET_LOGS_IGNORED_WARNING).toBe(
        'Using TORCH_LOGS environment variable for log settings, ignoring call to set_logs',
      );
      expect(currentLogSettings().qnames.get('c.dynamo')).toBe(value === 'dynamo' ? INFO : undefined);
    }
  });

  it('applies levels by name and number, artifacts by boolean; each call replaces the whole state', () => {
    const stderr = freshState();
    registerCompiler();
    const dyn = getLogger('c.dynamo');
    const ind = getLogger('c.inductor');
    const code = getArtifactLogger('c.inductor.graph', 'output_code');
    setLogs({ dynamo: 'DEBUG', inductor: 40, output_code: true });
    dyn.debug('dyn-debug');
    ind.warning('ind-warning-hidden');
    code('code');
    expect(dyn.isEnabledFor(DEBUG)).toBe(true);
    setLogs({ inductor: 'INFO' }); // replaces: dynamo back to WARNING, output_code off
    dyn.debug('dyn-debug-hidden');
    ind.info('ind-info');
    code('code-hidden');
    setLogs();
    ind.info('ind-info-hidden');
    ind.warning('ind-warning');
    expect(messages(stderr.text)).toEqual(['dyn-debug', '[__output_code] code', 'ind-info', 'ind-warning']);
  });

  it('all first, then later names win per qname (set_logs(all=DEBUG, dynamo=INFO))', () => {
    freshState();
    registerCompiler();
    setLogs({ all: 'DEBUG', dynamo: 'INFO' });
    const s = currentLogSettings();
    expect(s.qnames.get('c')).toBe(DEBUG);
    expect(s.qnames.get('c.dynamo')).toBe(INFO);
    expect(getLogger('c.inductor.x').isEnabledFor(DEBUG)).toBe(true);
    expect(getLogger('c.dynamo.x').isEnabledFor(DEBUG)).toBe(false);
  });

  it('modules take qualified logger names and artifacts', () => {
    const stderr = freshState();
    registerCompiler();
    getLogger('c.dynamo.output_graph');
    setLogs({ dynamo: 'ERROR', modules: { 'c.dynamo.output_graph': 'DEBUG', guards: true } });
    getLogger('c.dynamo.output_graph').debug('og-debug');
    getLogger('c.dynamo').warning('dyn-warning-hidden');
    getArtifactLogger('c.dynamo.guards', 'guards')('g');
    expect(messages(stderr.text)).toEqual(['og-debug', '[__guards] g']);
    expect(currentLogSettings().qnames.get('c.dynamo')).toBe(ERROR);
  });

  it('accepts the TORCH_LOGS grammar as a string', () => {
    const stderr = freshState();
    registerCompiler();
    setLogs('+dynamo,guards');
    getLogger('c.dynamo').debug('dyn-debug');
    getArtifactLogger('c.dynamo.guards', 'guards')('g');
    expect(messages(stderr.text)).toEqual(['dyn-debug', '[__guards] g']);
  });

  it('rejects bad input with a CompilogError and leaves the state as it was', () => {
    freshState();
    registerCompiler();
    setLogs({ dynamo: 'INFO' });
    const cases: Array<[Parameters<typeof setLogs>[0], string]> = [
      [{ dynamo: 5 }, 'E_SETLOGS_LEVEL'],
      [{ dynamo: 'VERBOSE' as 'DEBUG' }, 'E_SETLOGS_LEVEL'],
      [{ guards: 5 }, 'E_SETLOGS_ARTIFACT_VALUE'],
      [{ inductor: 'DEBUG', nonexistent_thing: 'DEBUG' }, 'E_SETLOGS_UNKNOWN_NAME'],
      ['+dynamo,nope', 'E_LOGS_UNKNOWN_NAME'],
    ];
    for (const [options, code] of cases) {
      let error: unknown;
      try {
        setLogs(options);
      } catch (err) {
        error = err;
      }
      expect(error, JSON.stringify(options)).toBeInstanceOf(CompilogError);
      expect((error as CompilogError).code).toBe(code);
      const s = currentLogSettings();
      expect([...s.qnames]).toEqual([['c.dynamo', INFO]]);
    }
  });

  it('PyTorch matrix rows setlogs_no_env / setlogs_with_env: effective level DEBUG, resp. INFO from TORCH_LOGS', () => {
    freshState();
    registerCompiler();
    setLogs({ dynamo: 'DEBUG' });
    expect(getLogger('c.dynamo').isEnabledFor(DEBUG)).toBe(true);
    freshState({ TORCH_LOGS: 'dynamo' });
    registerCompiler();
    setLogs({ dynamo: 'DEBUG' });
    expect(getLogger('c.dynamo').isEnabledFor(DEBUG)).toBe(false);
    expect(getLogger('c.dynamo').isEnabledFor(INFO)).toBe(true);
  });
});
