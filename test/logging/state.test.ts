// The logging state: levels and inheritance, artifacts, lazy initialisation, late registrations, zero-cost
// disabled calls (the shared noop, thunks never called), errors that never reach the host.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CompilogError,
  DEBUG,
  ERROR,
  flushLogs,
  getArtifactLogger,
  getLogger,
  INFO,
  initLogs,
  registerArtifact,
  registerLog,
  resetLogging,
  WARNING,
} from '../../src/logging/index.js';
import { freshState, messages, registerCompiler } from './capture.js';

afterAll(() => resetLogging());

describe('levels and inheritance', () => {
  it('defaults to WARNING, children inherit from the nearest configured ancestor, one line per record', () => {
    const stderr = freshState({ TORCH_LOGS: '+dynamo,-inductor,c.dynamo.deep' });
    registerCompiler();
    const child = getLogger('c.dynamo.child');
    const deep = getLogger('c.dynamo.deep.er');
    const ind = getLogger('c.inductor.sched');
    const other = getLogger('elsewhere');
    initLogs();
    child.debug('child-debug');
    deep.debug('deep-debug');
    deep.info('deep-info');
    ind.warning('ind-warning');
    ind.error('ind-error');
    other.info('other-info');
    other.warning('other-warning');
    expect(messages(stderr.text)).toEqual(['child-debug', 'deep-info', 'ind-error', 'other-warning']);
    expect(child.isEnabledFor(DEBUG)).toBe(true);
    expect(deep.isEnabledFor(DEBUG)).toBe(false);
    expect(deep.isEnabledFor(INFO)).toBe(true);
    expect(ind.isEnabledFor(WARNING)).toBe(false);
    expect(ind.isEnabledFor(ERROR)).toBe(true);
    expect(child.isEnabledFor('DEBUG')).toBe(true);
    expect(ind.isEnabledFor('WARNING')).toBe(false);
  });

  it('prints a record once even when a registered qname is also named directly and init runs twice', () => {
    const stderr = freshState({ TORCH_LOGS: '+c.dynamo' });
    registerCompiler();
    const log = getLogger('c.dynamo');
    initLogs();
    initLogs(); // PyTorch prints every record twice after a re-init here (spec §4.4); we must not.
    log.debug('once');
    expect(messages(stderr.text)).toEqual(['once']);
  });

  it('loggers created before and after settings are applied both follow them', () => {
    const stderr = freshState({ TORCH_LOGS: 'dynamo' });
    registerCompiler();
    const before = getLogger('c.dynamo.before');
    initLogs();
    const after = getLogger('c.dynamo.after');
    before.info('before');
    after.info('after');
    after.debug('hidden');
    expect(messages(stderr.text)).toEqual(['before', 'after']);
  });
});

describe('artifacts', () => {
  it('an enabled artifact prints regardless of its component; off-by-default ones only when named', () => {
    const stderr = freshState({ TORCH_LOGS: '-dynamo,guards,+inductor' });
    registerCompiler();
    const guards = getArtifactLogger('c.dynamo.guards', 'guards');
    const code = getArtifactLogger('c.inductor.graph', 'output_code');
    getLogger('c.dynamo').warning('dyn-warning');
    guards('guards-debug');
    guards.info('guards-info');
    code('code-hidden');
    code.warning('code-warning-hidden');
    expect(messages(stderr.text)).toEqual(['[__guards] guards-debug', '[__guards] guards-info']);
  });

  it('an artifact not named inherits its component level; an off-by-default one prints when named', () => {
    const stderr = freshState({ TORCH_LOGS: 'dynamo,output_code' });
    registerCompiler();
    const guards = getArtifactLogger('c.dynamo.guards', 'guards');
    const code = getArtifactLogger('c.inductor.graph', 'output_code');
    guards('guards-debug-hidden');
    guards.info('guards-info');
    code('code');
    expect(messages(stderr.text)).toEqual(['[__guards] guards-info', '[__output_code] code']);
  });

  it('rejects an unregistered artifact with E_ARTIFACT_UNREGISTERED', () => {
    freshState();
    registerCompiler();
    let error: unknown;
    try {
      getArtifactLogger('c.dynamo', 'gaurds');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CompilogError);
    expect((error as CompilogError).code).toBe('E_ARTIFACT_UNREGISTERED');
    expect((error as CompilogError).message).toContain("Artifact name: 'gaurds' not registered");
    expect((error as CompilogError).hint).toContain('guards');
  });
});

describe('zero cost when off', () => {
  it('disabled methods are one shared no-op and thunks are never called', () => {
    freshState({ TORCH_LOGS: 'inductor' });
    registerCompiler();
    const a = getLogger('c.dynamo');
    const b = getLogger('c.inductor');
    const guards = getArtifactLogger('c.dynamo.guards', 'guards');
    let calls = 0;
    const thunk = (): string => {
      calls++;
      return 'x';
    };
    // Before initialisation (lazy stubs): the first call initialises, and still does not call the thunk.
    a.debug(thunk);
    initLogs();
    for (let i = 0; i < 1000; i++) {
      a.debug(thunk);
      a.info(thunk);
      b.debug(thunk);
      guards(thunk);
      guards.debug(thunk);
    }
    expect(calls).toBe(0);
    expect(a.debug).toBe(b.debug);
    expect(a.info).toBe(guards.debug);
    expect((guards as unknown as { callDebug: unknown }).callDebug).toBe(a.debug);
    b.info(thunk);
    expect(calls).toBe(1);
  });
});

describe('initialisation', () => {
  it('initLogs throws E_LOGS_UNKNOWN_NAME for a bad TORCH_LOGS; the known items still apply', () => {
    const stderr = freshState({ TORCH_LOGS: 'dynamo,nope' });
    registerCompiler();
    expect(() => initLogs()).toThrowError(expect.objectContaining({ code: 'E_LOGS_UNKNOWN_NAME' }));
    getLogger('c.dynamo').warning('still works');
    getLogger('c.dynamo').info('dynamo at INFO');
    getLogger('c.inductor').info('inductor at the default WARNING');
    expect(messages(stderr.text)).toEqual(['still works', 'dynamo at INFO']);
  });

  it('initLogs throws the help text for TORCH_LOGS=help', () => {
    freshState({ TORCH_LOGS: 'help' });
    registerCompiler();
    expect(() => initLogs()).toThrowError(expect.objectContaining({ code: 'E_LOGS_HELP' }));
  });

  it('lazily (first log call) applies the known items, then prints an unknown name once after the turn', async () => {
    const stderr = freshState({ TORCH_LOGS: 'dynamo,nope' });
    registerCompiler();
    const log = getLogger('c.dynamo');
    expect(() => log.warning('w1')).not.toThrow();
    log.info('i1'); // `dynamo` (INFO) applies at once although `nope` is unknown
    getLogger('c.other').warning('w3');
    expect(stderr.text).not.toContain('Invalid log settings');
    await new Promise((r) => setImmediate(r));
    expect(stderr.text.split('Invalid log settings: dynamo,nope,').length).toBe(2);
    expect(stderr.text).toContain('compilog [E_LOGS_UNKNOWN_NAME]');
    expect(messages(stderr.text).slice(0, 3)).toEqual(['w1', 'i1', 'w3']);
    await new Promise((r) => setImmediate(r));
    expect(stderr.text.split('Invalid log settings').length).toBe(2);
  });

  it('initialises on process.nextTick after the first getLogger, so errors show even if nothing logs', async () => {
    const stderr = freshState({ TORCH_LOGS: 'nope' });
    registerCompiler();
    getLogger('c.dynamo');
    expect(stderr.text).toBe('');
    await new Promise((r) => process.nextTick(r));
    await new Promise((r) => setImmediate(r));
    expect(stderr.text).toContain('Invalid log settings: nope,');
  });

  it('a syntax error is printed at once (no registration can fix it)', () => {
    const stderr = freshState({ TORCH_LOGS: 'dynamo aot' });
    registerCompiler();
    getLogger('c.dynamo').warning('w');
    expect(stderr.text).toContain('Invalid log settings: dynamo aot,');
    expect(stderr.text).toContain('compilog [E_LOGS_SYNTAX]');
  });

  it('a subsystem registered after start-up picks up the TORCH_LOGS settings that name it, with no error', async () => {
    const stderr = freshState({ TORCH_LOGS: '+late,late_art' });
    registerCompiler();
    getLogger('c.dynamo').warning('early');
    registerLog('late', ['plugin.late']);
    registerArtifact('late_art', { description: 'late artifact', offByDefault: true });
    getLogger('plugin.late.sub').debug('late-debug');
    getArtifactLogger('plugin.late', 'late_art')('late-artifact');
    expect(messages(stderr.text).slice(-2)).toEqual(['late-debug', '[__late_art] late-artifact']);
    await new Promise((r) => setImmediate(r));
    expect(stderr.text).not.toContain('Invalid log settings');
  });

  it('a qualified logger name created after start-up is picked up', () => {
    const stderr = freshState({ TORCH_LOGS: '+plugin.codegen' });
    registerCompiler();
    getLogger('c.dynamo').warning('early');
    const log = getLogger('plugin.codegen');
    log.debug('codegen-debug');
    expect(messages(stderr.text).slice(-1)).toEqual(['codegen-debug']);
  });

  it('a throwing thunk or odd input never reaches the host', () => {
    const stderr = freshState({ TORCH_LOGS: 'dynamo' });
    registerCompiler();
    const log = getLogger('c.dynamo');
    expect(() =>
      log.info(() => {
        throw new TypeError('bad payload');
      }),
    ).not.toThrow();
    expect(messages(stderr.text)).toEqual(['<log message thunk threw: TypeError: bad payload>']);
  });
});

describe('TORCH_LOGS_OUT', () => {
  it('appends (pre-existing content kept) exactly what stderr shows', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'compilog-out-')), 'logs.txt');
    writeFileSync(file, 'pre-existing line\n');
    const stderr = freshState({ TORCH_LOGS: '+dynamo', TORCH_LOGS_OUT: file });
    registerCompiler();
    const log = getLogger('c.dynamo');
    log.debug('one');
    log.info('two\nlines');
    getArtifactLogger('c.dynamo.guards', 'guards')('art');
    flushLogs();
    expect(stderr.lines()).toHaveLength(4);
    expect(readFileSync(file, 'utf8')).toBe(`pre-existing line\n${stderr.text}`);
  });

  it('reports an unopenable path once (E_LOGS_OUT_OPEN) and keeps logging to stderr', () => {
    const stderr = freshState({ TORCH_LOGS_OUT: '/nonexistent-dir/x/logs.txt' });
    registerCompiler();
    getLogger('c.dynamo').warning('w');
    expect(stderr.text).toContain('E_LOGS_OUT_OPEN');
    expect(messages(stderr.text).slice(-1)).toEqual(['w']);
  });
});
