/**
 * Chromium events are queued and built in batches (TraceSession.defer): the file must still hold every record in
 * the order it was emitted, with the time and compile id of the moment it was emitted, and nothing may be lost
 * when the process exits right after an event.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  completeEvent,
  disableTrace,
  enableTrace,
  flushTrace,
  getStructuredLoggingOverhead,
  timed,
  traceFilePath,
  traceStructured,
  withCompileId,
} from '../../src/artifacts/index.js';
import { checkTraceText } from './trace-writer-support.js';

const ROOT = resolve(import.meta.dirname, '../..');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'compilog-trace-deferred-'));
  enableTrace(dir);
});
afterEach(() => {
  disableTrace();
  rmSync(dir, { recursive: true, force: true });
});

const lineTime = (line: string): string => line.split(' ').slice(0, 2).join(' ');

describe('queued chromium events', () => {
  it('keep the order of emission around other records, with their own compile id, time and payload', () => {
    withCompileId({ frameId: 3, frameCompileId: 1 }, () => {
      timed('outer', () => {
        traceStructured('inside', { a: 1 });
        completeEvent('kernel', 1795697754247000.5, 12, { category: 'kernel' });
      });
    });
    traceStructured('after', {});
    flushTrace();
    const text = readFileSync(traceFilePath()!, 'utf8');
    const records = checkTraceText(text);
    // (the record outside a compile carries a stack, so `str` records for its file names come first)
    const names = records
      .filter((r) => !('str' in r.envelope))
      .map((r) => {
        const key = Object.keys(r.envelope)[0];
        return key === 'chromium_event' ? `${JSON.parse(r.payload!).name}:${JSON.parse(r.payload!).ph}` : key;
      });
    expect(names).toEqual(['outer:B', 'inside', 'kernel:X', 'outer:E', 'after']);
    const chromium = records.filter((r) => 'chromium_event' in r.envelope);
    for (const r of chromium) {
      expect(r.envelope).toMatchObject({ frame_id: 3, frame_compile_id: 1, attempt: 0 });
      expect(JSON.parse(r.payload!).args.compile_id).toBe('3/1');
    }
    // line prefix times never go backwards: each record carries the time it was emitted, not built
    const times = text
      .split('\n')
      .filter((l) => /^V\d{4} /.test(l))
      .map(lineTime);
    expect([...times].sort()).toEqual(times);
    // their building time still counts toward their compile's structured_logging_overhead_s
    expect(getStructuredLoggingOverhead({ frameId: 3, frameCompileId: 1 })).toBeGreaterThan(0);
  });

  it('are written at exit when the process ends right after them', () => {
    const script = join(dir, 'exit-now.ts');
    const traceDir = join(dir, 'child-trace');
    writeFileSync(
      script,
      `import { timed, withCompileId } from ${JSON.stringify(join(ROOT, 'src/artifacts/index.js'))};\n` +
        `withCompileId({ frameId: 0, frameCompileId: 0 }, () => timed('last', () => 0));\n` +
        'process.exit(3);\n',
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      env: { ...process.env, TORCH_TRACE: traceDir, TORCH_DTRACE: undefined, TORCH_LOGS: undefined },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(3);
    const [file] = readdirSync(traceDir);
    const records = checkTraceText(readFileSync(join(traceDir, file), 'utf8'));
    expect(records.map((x) => JSON.parse(x.payload!).ph)).toEqual(['B', 'E']);
  });
});
