// Golden lines for every format: the glog default (byte-compatible with PyTorch's TorchLogsFormatter), short,
// basic, %-templates, json (parsed), per-artifact formats, colours only on a TTY, the trace-id filter.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  flushLogs,
  getArtifactLogger,
  getLogger,
  initLogs,
  registerArtifact,
  registerLog,
  resetLogging,
  setRank,
  setSpanContextProvider,
  withCompileId,
} from '../../src/logging/index.js';
import { FIXED_PID, freshState, lineOf } from './capture.js';

const FILE = 'test/logging/formats.test.ts';
const ABS = fileURLToPath(import.meta.url);
const at = (marker: string): string => `${FILE}:${lineOf(ABS, marker)}`;

function setup(env: Record<string, string> = {}, colour = false) {
  const stderr = freshState(env, { colour });
  registerLog('dynamo', ['compilog.dynamo']);
  registerArtifact('guards', { description: 'guards', visible: true });
  registerArtifact('custom_fmt', { description: 'custom', logFormat: '%(message)s' });
  initLogs();
  return stderr;
}

afterAll(() => resetLogging());

describe('glog default format', () => {
  it('matches PyTorch byte for byte: level letter, local time with microseconds, pid, caller file:line', () => {
    const stderr = setup({ TORCH_LOGS: '+dynamo' });
    const log = getLogger('compilog.dynamo');
    log.debug('hello world'); // @glog-1
    log.info('two\nlines'); // @glog-2
    log.warning('warn'); // @glog-3
    log.warn('warn synonym'); // @glog-4
    log.error('err'); // @glog-5
    log.critical('crit'); // @glog-6
    expect(stderr.text).toBe(
      [
        `V1126 12:28:44.736412 ${FIXED_PID} ${at('@glog-1')}] hello world`,
        `I1126 12:28:44.736412 ${FIXED_PID} ${at('@glog-2')}] two`,
        `I1126 12:28:44.736412 ${FIXED_PID} ${at('@glog-2')}] lines`,
        `W1126 12:28:44.736412 ${FIXED_PID} ${at('@glog-3')}] warn`,
        `W1126 12:28:44.736412 ${FIXED_PID} ${at('@glog-4')}] warn synonym`,
        `E1126 12:28:44.736412 ${FIXED_PID} ${at('@glog-5')}] err`,
        `C1126 12:28:44.736412 ${FIXED_PID} ${at('@glog-6')}] crit`,
        '',
      ].join('\n'),
    );
    // PyTorch's own test regex (test_logging.py LOG_PREFIX_PATTERNS).
    for (const line of stderr.lines())
      expect(line).toMatch(/^[A-Z]\d{2,4}\s+\d{2}:\d{2}:\d{2}(?:\.\d+)?\s+\d+\s+[^\]]+\]\s*/);
  });

  it('adds [rankN]:, [frame/compile_attempt] and [__artifact] in PyTorch order', () => {
    const stderr = setup({ TORCH_LOGS: 'guards', RANK: '3' });
    const guards = getArtifactLogger('compilog.dynamo.guards', 'guards');
    withCompileId({ compileId: { frameId: 0, frameCompileId: 1 }, attempt: 2 }, () => guards('payload')); // @art-1
    setRank(0);
    guards.info(() => 'thunk payload'); // @art-2
    expect(stderr.lines()).toEqual([
      `[rank3]:V1126 12:28:44.736412 ${FIXED_PID} ${at('@art-1')}] [0/1_2] [__guards] payload`,
      `[rank0]:I1126 12:28:44.736412 ${FIXED_PID} ${at('@art-2')}] [__guards] thunk payload`,
    ]);
  });

  it('appends an Error stack as prefixed lines, and keeps empty lines with the prefix', () => {
    const stderr = setup();
    const log = getLogger('compilog.dynamo');
    const err = new Error('boom');
    log.error('failed', err); // @err-1
    log.warning('a\n\nb'); // @err-2
    const lines = stderr.text.split('\n');
    const prefix = `E1126 12:28:44.736412 ${FIXED_PID} ${at('@err-1')}]`;
    expect(lines[0]).toBe(`${prefix} failed`);
    expect(lines[1]).toBe(`${prefix} Error: boom`);
    const stackLines = err.stack!.split('\n');
    expect(lines.slice(1, stackLines.length + 1)).toEqual(stackLines.map((l) => `${prefix} ${l}`));
    const w = `W1126 12:28:44.736412 ${FIXED_PID} ${at('@err-2')}]`;
    expect(lines.slice(stackLines.length + 1)).toEqual([`${w} a`, `${w} `, `${w} b`, '']);
  });

  it('prints an artifact with its own log format verbatim (no prefix)', () => {
    const stderr = setup({ TORCH_LOGS: 'custom_fmt' });
    getArtifactLogger('compilog.dynamo', 'custom_fmt')('raw text');
    expect(stderr.text).toBe('raw text\n');
  });

  it('colours the prefix only when stderr is a TTY, and never the TORCH_LOGS_OUT file', () => {
    const plain = setup({}, false);
    getLogger('compilog.dynamo').warning('w');
    expect(plain.text).not.toContain('\u001b[');
    const out = join(mkdtempSync(join(tmpdir(), 'compilog-tty-')), 'out.log');
    const tty = setup({ TORCH_LOGS_OUT: out }, true);
    getLogger('compilog.dynamo').warning('w'); // @tty-1
    const line = `W1126 12:28:44.736412 ${FIXED_PID} ${at('@tty-1')}]`;
    expect(tty.text).toBe(`\u001b[33m${line}\u001b[39m w\n`);
    flushLogs();
    expect(readFileSync(out, 'utf8')).toBe(`${line} w\n`);
  });

  it('TORCH_LOGS_TRACE_ID_FILTER keeps only records of the listed compiles, without blank lines', () => {
    const stderr = setup({ TORCH_LOGS: 'dynamo', TORCH_LOGS_TRACE_ID_FILTER: '[0/1], 1/0_1' });
    const log = getLogger('compilog.dynamo');
    log.info('outside');
    withCompileId({ frameId: 0, frameCompileId: 0 }, () => log.info('in 0/0'));
    withCompileId({ frameId: 0, frameCompileId: 1 }, () => log.info('in 0/1'));
    withCompileId({ compileId: { frameId: 1, frameCompileId: 0 }, attempt: 1 }, () => log.info('in 1/0_1'));
    expect(stderr.lines().map((l) => l.slice(l.indexOf(']') + 2))).toEqual([
      '[0/1] in 0/1',
      '[1/0_1] in 1/0_1',
    ]);
    expect(stderr.text).not.toContain('\n\n');
    expect(stderr.text.startsWith('\n')).toBe(false);
  });
});

describe('TORCH_LOGS_FORMAT', () => {
  it('short and basic are Python BASIC_FORMAT, multi-line continuation bare', () => {
    for (const fmt of ['short', 'basic', '%(levelname)s:%(name)s:%(message)s']) {
      const stderr = setup({ TORCH_LOGS: '+dynamo,guards', TORCH_LOGS_FORMAT: fmt });
      getLogger('compilog.dynamo').debug('a\nb');
      getArtifactLogger('compilog.dynamo.guards', 'guards')('G');
      expect(stderr.text).toBe('DEBUG:compilog.dynamo:a\nb\nDEBUG:compilog.dynamo.guards.__guards:G\n');
    }
  });

  it('templates over record attributes, with width, precision and conversions', () => {
    const stderr = setup({
      TORCH_LOGS: 'dynamo',
      TORCH_LOGS_FORMAT:
        '%(asctime)s|%(levelno)d|%(levelname)-8s|%(filename)s:%(lineno)d|%(funcName)s|%(module)s|%(process)d|%(msecs)03d|%(created).3f|%%|%(message)r',
    });
    function caller(): void {
      getLogger('compilog.dynamo').info("it's"); // @tpl-1
    }
    caller();
    const created = (new Date(2026, 10, 26, 12, 28, 44, 736).getTime() / 1000).toFixed(3);
    expect(stderr.text).toBe(
      `2026-11-26 12:28:44,736|20|INFO    |formats.test.ts:${lineOf(ABS, '@tpl-1')}|caller|formats.test|${FIXED_PID}|736|${created}|%|'it\\'s'\n`,
    );
  });

  it('an unknown key is reported once (E_LOGS_FORMAT_KEY) and records fall back to the default line', () => {
    const stderr = setup({ TORCH_LOGS: 'dynamo', TORCH_LOGS_FORMAT: '%(nope)s %(message)s' });
    getLogger('compilog.dynamo').info('one'); // @key-1
    getLogger('compilog.dynamo').info('two');
    const lines = stderr.lines();
    expect(lines.filter((l) => l.includes('E_LOGS_FORMAT_KEY'))).toHaveLength(1);
    expect(stderr.text).toContain("formatting field not found in record: 'nope'");
    expect(lines.slice(-2)).toEqual([
      `I1126 12:28:44.736412 ${FIXED_PID} ${at('@key-1')}] one`,
      expect.stringMatching(/\] two$/),
    ]);
  });

  it('json: one pino object per record with name, artifact, compile id, trace and span ids, fields (no caller)', () => {
    const stderr = setup({ TORCH_LOGS: '+dynamo,guards', TORCH_LOGS_FORMAT: 'json' });
    const log = getLogger('compilog.dynamo');
    log.info('plain');
    withCompileId({ frameId: 2, frameCompileId: 0 }, () =>
      getArtifactLogger('compilog.dynamo.guards', 'guards')(() => 'guarded', { n: 3 }),
    );
    setSpanContextProvider(() => ({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) }));
    log.error('bad', new Error('boom'));
    setSpanContextProvider(undefined);
    log.critical('multi\nline');
    const records = stderr.lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toHaveLength(4);
    const time = Math.floor(new Date(2026, 10, 26, 12, 28, 44, 736).getTime());
    expect(records[0]).toEqual({
      level: 30,
      time,
      pid: FIXED_PID,
      hostname: 'host',
      name: 'compilog.dynamo',
      msg: 'plain',
    });
    expect(records[1]).toMatchObject({
      level: 20,
      name: 'compilog.dynamo.guards.__guards',
      artifact: 'guards',
      compile_id: '2/0',
      n: 3,
      msg: 'guarded',
    });
    expect(records[2]).toMatchObject({
      level: 50,
      trace_id: 'a'.repeat(32),
      span_id: 'b'.repeat(16),
      msg: 'bad',
      err: { type: 'Error', message: 'boom' },
    });
    expect((records[2]!.err as { stack: string }).stack).toContain('Error: boom');
    expect(records[3]).toMatchObject({ level: 60, msg: 'multi\nline' });
    expect(records[3]).not.toHaveProperty('compile_id');
  });
});
