/**
 * Compile ids in trace envelopes: they flow through async code (await, setTimeout, promises), envelopes inside a
 * compile carry frame_id/frame_compile_id/attempt and no stack, and CompileContext numbers frames, recompiles and
 * restarts as PyTorch does. Also the chromium_event, compilation_metrics, dump_file and overhead helpers.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CompileContext,
  chromiumEvent,
  compilationMetrics,
  completeEvent,
  disableTrace,
  dumpFile,
  enableTrace,
  flushTrace,
  getStructuredLoggingOverhead,
  internStack,
  RestartCompile,
  timed,
  traceFilePath,
  traceStructured,
  withCompileAttempt,
  withCompileId,
} from '../../src/artifacts/index.js';
import { type CheckedRecord, checkTraceText } from './trace-writer-support.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'compilog-trace-ctx-'));
  enableTrace(dir);
});
afterEach(() => {
  disableTrace();
  rmSync(dir, { recursive: true, force: true });
});

function read(): CheckedRecord[] {
  flushTrace();
  return checkTraceText(readFileSync(traceFilePath()!, 'utf8'));
}

const named = (rs: CheckedRecord[], name: string): CheckedRecord[] => rs.filter((r) => name in r.envelope);

describe('compile ids through async code', () => {
  it('carries the id across await, setTimeout, setImmediate and Promise.all, with no stack', async () => {
    await withCompileId({ frameId: 2, frameCompileId: 1 }, async () => {
      traceStructured('sync', {});
      await sleep(1);
      traceStructured('after_await', {});
      await new Promise<void>((done) =>
        setTimeout(() => {
          traceStructured('in_timeout', {});
          done();
        }, 1),
      );
      await new Promise<void>((done) =>
        setImmediate(() => {
          traceStructured('in_immediate', {});
          done();
        }),
      );
      await Promise.all(
        [1, 2, 3].map(async (i) => {
          await sleep(i);
          traceStructured('parallel', { i });
        }),
      );
    });
    traceStructured('outside', {});
    const rs = read();
    const inside = rs.filter((r) => !('outside' in r.envelope) && !('str' in r.envelope));
    expect(inside).toHaveLength(7);
    for (const r of inside) {
      expect(r.envelope).toMatchObject({ frame_id: 2, frame_compile_id: 1, attempt: 0 });
      expect(r.envelope).not.toHaveProperty('stack');
      expect(Object.keys(r.envelope).slice(1)).toEqual(['frame_id', 'frame_compile_id', 'attempt']);
    }
    const [outside] = named(rs, 'outside');
    expect(outside.envelope).toHaveProperty('stack');
    expect(outside.envelope).not.toHaveProperty('frame_id');
  });

  it('keeps two concurrent compiles apart', async () => {
    const run = (frameId: number) =>
      withCompileId({ frameId, frameCompileId: 0 }, async () => {
        for (let i = 0; i < 5; i++) {
          await sleep(1);
          traceStructured('step', { frameId, i });
        }
      });
    await Promise.all([run(0), run(1)]);
    const steps = named(read(), 'step');
    expect(steps).toHaveLength(10);
    for (const r of steps) expect(r.envelope.frame_id).toBe((r.envelope.step as { frameId: number }).frameId);
  });

  it('withCompileAttempt changes only the attempt; compiled_autograd_id comes first', () => {
    withCompileId({ frameId: 4, frameCompileId: 2, compiledAutogradId: 9 }, () => {
      withCompileAttempt(2, () => traceStructured('restarted', {}));
    });
    withCompileAttempt(5, () => traceStructured('no_compile', {}, undefined, { expectTraceId: false }));
    const [r] = named(read(), 'restarted');
    expect(r.envelopeText).toBe(
      '{"restarted": {}, "compiled_autograd_id": 9, "frame_id": 4, "frame_compile_id": 2, "attempt": 2}',
    );
    expect(named(read(), 'no_compile')[0].envelopeText).toBe('{"no_compile": {}}');
  });
});

describe('CompileContext', () => {
  it('numbers frames per code object, compiles per frame, attempts per restart', async () => {
    const ctx = new CompileContext();
    const f = (): number => 1;
    const g = (): number => 2;
    expect(ctx.nextCompileId(f)).toEqual({ frameId: 0, frameCompileId: 0 });
    expect(ctx.nextCompileId(g)).toEqual({ frameId: 1, frameCompileId: 0 });
    expect(ctx.nextCompileId(f)).toEqual({ frameId: 0, frameCompileId: 1 }); // recompile
    expect(ctx.frameId('resume_in_f')).toBe(2);
    expect(ctx.frameId('resume_in_f')).toBe(2);

    const attempts: string[] = [];
    const result = ctx.compile(g, (id) => {
      attempts.push(`${id.compileId.frameId}/${id.compileId.frameCompileId}_${id.attempt}`);
      traceStructured('attempt_run', {});
      if (id.attempt < 2) throw new RestartCompile('graph break');
      return 'compiled';
    });
    expect(result).toBe('compiled');
    expect(attempts).toEqual(['1/1_0', '1/1_1', '1/1_2']);

    const asyncResult = await ctx.compile(f, async (id) => {
      await sleep(1);
      if (id.attempt === 0) throw new RestartCompile('restart');
      traceStructured('async_attempt', {});
      return id.attempt;
    });
    expect(asyncResult).toBe(1);
    const rs = read();
    expect(named(rs, 'attempt_run').map((r) => r.envelope.attempt)).toEqual([0, 1, 2]);
    expect(named(rs, 'async_attempt')[0].envelope).toMatchObject({
      frame_id: 0,
      frame_compile_id: 2,
      attempt: 1,
    });
    await expect(ctx.compile(f, () => Promise.reject(new Error('real failure')))).rejects.toThrow(
      'real failure',
    );
  });
});

describe('helpers', () => {
  it('timed writes B/E chromium events with PyTorch payload shape, also for async work and throws', async () => {
    await withCompileId({ frameId: 0, frameCompileId: 0 }, async () => {
      timed('sync_phase', () => 1, { args: { fn_name: 'f' } });
      await timed('async_phase', async () => sleep(2));
      expect(() =>
        timed('failing', () => {
          throw new Error('x');
        }),
      ).toThrow('x');
    });
    const events = named(read(), 'chromium_event').map((r) => ({
      env: r.envelope,
      p: JSON.parse(r.payload!),
    }));
    expect(events.map((e) => `${e.p.name}:${e.p.ph}`)).toEqual([
      'sync_phase:B',
      'sync_phase:E',
      'async_phase:B',
      'async_phase:E',
      'failing:B',
      'failing:E',
    ]);
    for (const e of events) {
      expect(Object.keys(e.p)).toEqual(['name', 'ts', 'args', 'ph', 'cat', 'tid', 'pid']);
      expect(e.p).toMatchObject({ cat: 'dynamo_timed', tid: 0, pid: 0, args: { compile_id: '0/0' } });
      expect(e.env).toMatchObject({ chromium_event: {}, frame_id: 0, frame_compile_id: 0, attempt: 0 });
    }
    expect(Object.keys(events[0].p.args)).toEqual(['fn_name', 'compile_id']);
    const async = events.filter((e) => e.p.name === 'async_phase');
    expect(async[1].p.ts - async[0].p.ts).toBeGreaterThan(1000); // microseconds
  });

  it('writes ts as a Python float and instant/complete events with s and dur', () => {
    chromiumEvent({ name: 'inst', ph: 'i', ts: 1795697754247621 });
    completeEvent('kernel', 1795697754247000.5, 12);
    const rs = named(read(), 'chromium_event');
    expect(rs[0].payload).toBe(
      '{\n"name": "inst",\n"ts": 1795697754247621.0,\n"args": {\n"compile_id": "None"\n},\n"ph": "i",\n"cat": "dynamo_timed",\n"tid": 0,\n"pid": 0,\n"s": "p"\n}',
    );
    expect(rs[0].envelopeText).toBe(`{"chromium_event": {}, "has_payload": "${rs[0].envelope.has_payload}"}`);
    expect(JSON.parse(rs[1].payload!)).toMatchObject({ ph: 'X', dur: 12, ts: 1795697754247000.5 });
  });

  it('compilationMetrics reports the structured logging overhead of its compile', () => {
    withCompileId({ frameId: 5, frameCompileId: 0 }, () => {
      for (let i = 0; i < 20; i++) traceStructured('work', { i }, 'payload');
      expect(getStructuredLoggingOverhead()).toBeGreaterThan(0);
      withCompileAttempt(1, () => traceStructured('more', {}));
      compilationMetrics({
        compile_id: '5/0',
        co_name: 'f',
        entire_frame_compile_time_s: 2,
        dynamo_time_before_restart_s: 0,
      });
    });
    expect(getStructuredLoggingOverhead()).toBeUndefined(); // outside a compile
    const overhead = getStructuredLoggingOverhead({ frameId: 5, frameCompileId: 0 })!;
    const [m] = named(read(), 'compilation_metrics');
    expect(m.envelopeText).toMatch(
      /^\{"compilation_metrics": \{"compile_id": "5\/0", "co_name": "f", "entire_frame_compile_time_s": 2\.0, "dynamo_time_before_restart_s": 0\.0, "structured_logging_overhead_s": [0-9.e-]+\}, "frame_id": 5, "frame_compile_id": 0, "attempt": 0\}$/,
    );
    const written = (m.envelope.compilation_metrics as { structured_logging_overhead_s: number })
      .structured_logging_overhead_s;
    expect(written).toBeGreaterThan(0);
    expect(written).toBeCloseTo(overhead, 6); // metrics are not counted in the overhead itself
  });

  it('dumpFile writes each generated file once; internStack interns user frames', () => {
    dumpFile('<eval_with_key>.0', () => 'def forward(self):\n    return 1\n');
    dumpFile('<eval_with_key>.0', 'again');
    withCompileId({ frameId: 0, frameCompileId: 0 }, () =>
      traceStructured('dynamo_start', () => ({
        stack: internStack([{ filename: '/u/model.py', line: 3, name: 'f' }]),
      })),
    );
    const rs = read();
    const dumps = named(rs, 'dump_file');
    expect(dumps).toHaveLength(1);
    expect(dumps[0].envelope.dump_file).toEqual({ name: '<eval_with_key>.0' });
    expect(dumps[0].payload).toBe('def forward(self):\n    return 1\n');
    const strs = named(rs, 'str').map((r) => r.envelope.str as [string, number]);
    const start = named(rs, 'dynamo_start')[0];
    const id = strs.find(([s]) => s === '/u/model.py')![1];
    expect(start.envelopeText).toBe(
      `{"dynamo_start": {"stack": [{"line": 3, "name": "f", "filename": ${id}}]}, "frame_id": 0, "frame_compile_id": 0, "attempt": 0}`,
    );
    expect(
      rs.indexOf(named(rs, 'str').find((r) => (r.envelope.str as [string])[0] === '/u/model.py')!),
    ).toBeLessThan(rs.indexOf(start));
  });
});
