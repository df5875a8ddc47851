/**
 * The trace writer in-process, against the real PyTorch 2.11 trace written by the same calls
 * (../shared/fixtures/pytorch-2.11/logs/trace_structured_api.log): same metadata and payloads give the same bytes
 * after the line prefix, the same md5s, and a prefix tlparse accepts. Uses a fixed clock and pid.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  disableTrace,
  dtraceStructured,
  enableTrace,
  flushTrace,
  internString,
  type ReadEnvelope,
  readTrace,
  traceArtifact,
  traceFilePath,
  traceStructured,
  withCompileId,
} from '../../src/artifacts/index.js';
import { isCompilogError, setRank } from '../../src/logging/index.js';
import { checkTraceText } from './trace-writer-support.js';

const FIXTURE_LOGS = resolve(process.cwd(), '../shared/fixtures/pytorch-2.11/logs');
// 12:32:00.229 local time on Nov 26, the moment of the fixture's first line.
const FIXED_CLOCK = (): number => new Date(2026, 10, 26, 12, 32, 0, 229).getTime();
const PREFIX = /^V1126 12:32:00\.229000 936 (?<path>[^:]+):(?<line>\d+)\] /;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'compilog-trace-'));
});
afterEach(() => {
  disableTrace();
  setRank(undefined);
  rmSync(dir, { recursive: true, force: true });
});

/** The calls of PyTorch's structured_run.py that produced the fixture, in order. */
function writeStructuredRun(): void {
  traceStructured('artifact', { name: 'no_ctx', encoding: 'string' }, () => 'line1\nline2\n');
  traceStructured('my_event', () => ({ a: 1, b: [1, 2] }), undefined, { expectTraceId: false });
  traceStructured('my_event2', { x: 'é' }, undefined, { suppressContext: true });
  traceStructured('dict_payload', {}, () => ({ k: new Set([1, 2]), n: null, s: 'v' }), {
    expectTraceId: false,
  });
  traceStructured('list_payload', {}, () => [{ a: 1 }, [2, 3], 's'], { expectTraceId: false });
  traceStructured('with_cid', {}, '', { compileId: { frameId: 3, frameCompileId: 4 } });
  traceStructured('with_ca_cid', {}, undefined, { compileId: { compiledAutogradId: 1 } });
  internString('/a/b.py');
  internString('/c.py');
  withCompileId({ frameId: 7, frameCompileId: 0 }, () => traceStructured('in_ctx', { z: 1 }, () => 'p'));
  withCompileId({ compileId: { frameId: 7, frameCompileId: 0 }, attempt: 1 }, () =>
    traceStructured('in_ctx_attempt1', {}),
  );
  traceArtifact('helper_art', 'json', () => '{"x": 1}');
  traceStructured('empty_payload', {}, '', { expectTraceId: false });
  traceStructured('tuple_meta', ['hello', 5], undefined, { suppressContext: true });
}

interface Rec {
  head: string;
  body: string;
}

/** Records of a trace text: the envelope line after its prefix, and the raw payload lines. */
function records(text: string): Rec[] {
  const out: Rec[] = [];
  for (const line of text.split('\n').slice(0, -1)) {
    if (line.startsWith('\t')) out[out.length - 1].body += `${line}\n`;
    else out.push({ head: line.slice(line.indexOf('] ') + 2), body: '' });
  }
  return out;
}

function writeAndRead(): string {
  enableTrace(dir, { clock: FIXED_CLOCK, pid: 936 });
  writeStructuredRun();
  flushTrace();
  return readFileSync(traceFilePath()!, 'utf8');
}

for (const [fixture, rank] of [
  ['trace_structured_api.log', undefined],
  ['trace_structured_api_rank0.log', 0],
] as const) {
  describe(`same calls as PyTorch → same bytes (${fixture})`, () => {
    it('writes every record without a stack byte-identical to PyTorch after the prefix', () => {
      setRank(rank);
      const ours = records(writeAndRead());
      const theirs = records(readFileSync(join(FIXTURE_LOGS, fixture), 'utf8'));
      const comparable = (r: Rec): boolean => !r.head.includes('"stack": ') && !r.head.startsWith('{"str": ');
      const ourPlain = ours.filter(comparable);
      const theirPlain = theirs.filter(comparable);
      expect(ourPlain.length).toBe(10);
      expect(ourPlain).toEqual(theirPlain);
    });

    it('writes stack records with the same keys, order and md5, and their str entries first', () => {
      setRank(rank);
      const text = writeAndRead();
      const ours = records(text);
      const theirs = records(readFileSync(join(FIXTURE_LOGS, fixture), 'utf8'));
      const withStack = (rs: Rec[]) => rs.filter((r) => r.head.includes('"stack": '));
      const [a, b] = withStack(ours);
      const [ta, tb] = withStack(theirs);
      for (const [o, t] of [
        [a, ta],
        [b, tb],
      ]) {
        const oe = JSON.parse(o.head);
        const te = JSON.parse(t.head);
        expect(Object.keys(oe)).toEqual(Object.keys(te));
        expect(oe.artifact).toEqual(te.artifact);
        expect(oe.has_payload).toBe(te.has_payload);
        expect(o.body).toBe(t.body);
        for (const frame of oe.stack) expect(Object.keys(frame)).toEqual(['line', 'name', 'filename', 'loc']);
      }
      // Every filename id was defined by a str record earlier in the file.
      const defined = new Map<number, string>();
      for (const r of ours) {
        const env = JSON.parse(r.head);
        if (env.str) defined.set(env.str[1], env.str[0]);
        for (const frame of env.stack ?? []) expect(defined.has(frame.filename)).toBe(true);
      }
      // The innermost frame is this test file, at the line of the call, with its source text.
      const inner = JSON.parse(a.head).stack.at(-1);
      expect(defined.get(inner.filename)).toBe(resolve('test/artifacts/trace-writer.test.ts'));
      expect(inner.loc).toMatch(/^traceStructured\('artifact'/);
      // The /a/b.py and /c.py entries are str records like PyTorch's (ids depend on the stacks interned before).
      expect(ours.filter((r) => /^\{"str": \["\/(a\/b|c)\.py", \d+\]\}$/.test(r.head))).toHaveLength(2);
    });

    it('writes glog prefixes tlparse accepts, with this file as the caller', () => {
      setRank(rank);
      const text = writeAndRead();
      const checked = checkTraceText(text);
      expect(checked.length).toBeGreaterThan(13);
      for (const line of text.split('\n').filter((l) => l !== '' && !l.startsWith('\t'))) {
        const m = PREFIX.exec(line);
        expect(m, line).not.toBeNull();
        expect(m!.groups!.path).toBe('test/artifacts/trace-writer.test.ts');
      }
      expect(traceFilePath()).toMatch(
        rank === undefined
          ? /\/dedicated_log_torch_trace_[a-z0-9_]{8}\.log$/
          : /\/dedicated_log_torch_trace_rank_0_[a-z0-9_]{8}\.log$/,
      );
    });
  });
}

describe('a trace we write and read back is identical', () => {
  it('readTrace returns the same envelopes and payloads, zero bad lines, stacks resolved', async () => {
    setRank(0);
    const text = writeAndRead();
    const written = checkTraceText(text).filter((r) => !('str' in r.envelope));
    const reading = readTrace(traceFilePath()!, { payloadText: true });
    const read: ReadEnvelope[] = [];
    for await (const env of reading) read.push(env);
    expect(reading.stats.badLines).toEqual({ glog: 0, json: 0, md5: 0, truncated: 0, invalidUtf8: 0 });
    expect(read.map((e) => e.data)).toEqual(written.map((r) => r.envelope));
    expect(read.map((e) => e.payloadText)).toEqual(written.map((r) => r.payload));
    expect(read.map((e) => e.rank)).toEqual(
      written.map((r) => (r.envelope.rank as number | undefined) ?? null),
    );
    const caCid = read.find((e) => 'with_ca_cid' in e.data)!;
    expect(caCid.compileId).toMatchObject({ compiledAutogradId: 1, frameId: null, frameCompileId: null });
    const noCtx = read.find((e) => (e.data.artifact as { name?: string } | undefined)?.name === 'no_ctx')!;
    expect(noCtx.stack!.at(-1)!.file).toBe(resolve('test/artifacts/trace-writer.test.ts'));
  });
});

describe('traceStructured details', () => {
  it('rejects reserved names with E_TRACE_RESERVED_NAME, even when tracing is off', () => {
    for (const enabled of [false, true]) {
      if (enabled) enableTrace(dir);
      else disableTrace();
      for (const name of [
        'rank',
        'frame_id',
        'frame_compile_id',
        'attempt',
        'compiled_autograd_id',
        'severity',
      ]) {
        let caught: unknown;
        try {
          traceStructured(name, {});
        } catch (err) {
          caught = err;
        }
        expect(isCompilogError(caught) && caught.code).toBe('E_TRACE_RESERVED_NAME');
        expect((caught as Error).message).toBe(`name '${name}' is reserved and cannot be used`);
      }
    }
  });

  it('never calls the thunks and creates no file when tracing is off', () => {
    disableTrace();
    let calls = 0;
    traceStructured(
      'x',
      () => {
        calls++;
        return {};
      },
      () => {
        calls++;
        return 'p';
      },
    );
    traceArtifact('a', 'string', () => {
      calls++;
      return 'p';
    });
    expect(calls).toBe(0);
    expect(traceFilePath()).toBeUndefined();
  });

  it('creates the file lazily, on the first record', () => {
    enableTrace(join(dir, 'nested', 'deeper'));
    expect(readdirSync(dir)).toEqual([]);
    traceStructured('first', {}, undefined, { expectTraceId: false });
    flushTrace();
    expect(readdirSync(join(dir, 'nested', 'deeper'))).toHaveLength(1);
  });

  it('writes payload edge cases as PyTorch: trailing newline, empty payload, unicode, CRLF', () => {
    enableTrace(dir);
    traceStructured('a', {}, 'x\n', { expectTraceId: false });
    traceStructured('b', {}, '', { expectTraceId: false });
    traceStructured('c', {}, 'é😀\r\nz', { expectTraceId: false });
    traceStructured('d', {}, [1, 2], { expectTraceId: false, payloadEncoding: 'json' });
    flushTrace();
    const rs = records(readFileSync(traceFilePath()!, 'utf8'));
    expect(rs.map((r) => r.body)).toEqual(['\tx\n\t\n', '\t\n', '\té😀\r\n\tz\n', '\t[\n\t1,\n\t2\n\t]\n']);
    const checked = checkTraceText(readFileSync(traceFilePath()!, 'utf8'));
    expect(checked.map((r) => r.payload)).toEqual(['x\n', '', 'é😀\r\nz', '[\n1,\n2\n]']);
  });

  it('round-trips arbitrary unicode payloads and JSON metadata through the file (property)', () => {
    enableTrace(dir);
    const cases: Array<[unknown, string]> = [];
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.string({ unit: 'grapheme', maxLength: 200 }).map((s) => s.replaceAll('|', '\n')),
        (meta, payload) => {
          cases.push([meta, payload]);
          traceStructured('prop', meta, payload, { expectTraceId: false });
        },
      ),
      { numRuns: 300 },
    );
    flushTrace();
    const back = checkTraceText(readFileSync(traceFilePath()!, 'utf8'));
    expect(back).toHaveLength(cases.length);
    back.forEach((r, i) => {
      expect(r.envelope.prop).toEqual(JSON.parse(JSON.stringify(cases[i][0])));
      expect(r.payload).toBe(cases[i][1]);
    });
  });

  it('drops a record whose payload cannot be encoded and keeps going (no throw into the host)', () => {
    enableTrace(dir);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => traceStructured('bad', {}, () => cyclic, { expectTraceId: false })).not.toThrow();
    expect(() =>
      traceStructured(
        'bad2',
        () => {
          throw new Error('metadata failed');
        },
        undefined,
        { expectTraceId: false },
      ),
    ).not.toThrow();
    traceStructured('good', {}, undefined, { expectTraceId: false });
    // A failing record with a stack still defines the str ids it took, so later stacks can use them.
    traceStructured('bad3', {}, () => cyclic);
    traceStructured('good2', {});
    flushTrace();
    const text = readFileSync(traceFilePath()!, 'utf8');
    const heads = records(text).map((r) => r.head);
    expect(heads.filter((h) => !h.startsWith('{"str"'))).toEqual([
      '{"good": {}}',
      expect.stringMatching(/^\{"good2": \{\}, "stack": /),
    ]);
    const defined = new Set(
      checkTraceText(text).flatMap((r) =>
        'str' in r.envelope ? [(r.envelope.str as [string, number])[1]] : [],
      ),
    );
    const good2 = checkTraceText(text).find((r) => 'good2' in r.envelope)!;
    for (const f of good2.envelope.stack as Array<{ filename: number }>)
      expect(defined.has(f.filename)).toBe(true);
  });

  it('writes dtraceStructured records only when enabled as dtrace', () => {
    enableTrace(dir);
    dtraceStructured('d1', {});
    traceStructured('t1', {}, undefined, { expectTraceId: false });
    enableTrace(dir, { dtrace: true });
    dtraceStructured('d2', {});
    flushTrace();
    const heads = readdirSync(dir).flatMap((f) =>
      records(readFileSync(join(dir, f), 'utf8')).map((r) => r.head),
    );
    expect(heads.sort()).toEqual(['{"d2": {}}', '{"t1": {}}']);
  });
});
