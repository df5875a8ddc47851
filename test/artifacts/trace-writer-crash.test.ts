/**
 * A real child process with TORCH_TRACE set writes N records and then ends abruptly (process.exit, an uncaught
 * exception, SIGTERM): every record must be in the file and well formed (tlparse's line regex, JSON, md5). Also the
 * environment variables: TORCH_DTRACE, RANK, an unwritable directory, and no variable at all.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ReadEnvelope, readTrace } from '../../src/artifacts/index.js';
import { type CheckedRecord, checkTraceText } from './trace-writer-support.js';

const CHILD = join(process.cwd(), 'test/artifacts/trace-writer-child.ts');
const N = 2000;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'compilog-trace-crash-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function runChild(mode: string, env: Record<string, string | undefined>, n = N) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['TORCH_TRACE', 'TORCH_DTRACE', 'RANK', 'WORLD_SIZE', 'TORCH_LOGS']) delete childEnv[key];
  Object.assign(childEnv, env);
  return spawnSync(process.execPath, ['--import', 'tsx', CHILD, mode, String(n)], {
    cwd: process.cwd(),
    env: childEnv,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

function traceFiles(d: string): string[] {
  return readdirSync(d).filter((f) => f.endsWith('.log'));
}

function readOnlyTrace(d: string): { name: string; text: string; records: CheckedRecord[] } {
  const files = traceFiles(d);
  expect(files).toHaveLength(1);
  const text = readFileSync(join(d, files[0]), 'utf8');
  return { name: files[0], text, records: checkTraceText(text) };
}

/** Every child record 0..n-1, once, in order, with the payload it was given. */
function expectAllChildRecords(records: CheckedRecord[], n = N): void {
  const recs = records.filter((r) => 'child_record' in r.envelope);
  expect(recs.map((r) => (r.envelope.child_record as { i: number }).i)).toEqual([...Array(n).keys()]);
  for (const r of recs) {
    const i = (r.envelope.child_record as { i: number }).i;
    if (i % 2 === 1) {
      expect(r.envelope).toMatchObject({ frame_id: i % 5, frame_compile_id: 0, attempt: 0 });
      expect(r.envelope.stack).toBeUndefined();
    } else {
      expect(Array.isArray(r.envelope.stack)).toBe(true);
    }
    if (i % 3 === 0) expect(r.payload).toBeUndefined();
    if (i % 3 === 1) expect(r.payload).toBe(`record ${i}\nsecond line é\n`);
    if (i % 3 === 2) expect(JSON.parse(r.payload!)).toEqual({ i, list: [i, i + 1], s: 'x'.repeat(i % 50) });
  }
}

describe('abrupt endings lose nothing', () => {
  it('process.exit right after the writes', () => {
    const r = runChild('exit', { TORCH_TRACE: dir });
    expect(r.status).toBe(3);
    const { records, name } = readOnlyTrace(dir);
    expect(name).toMatch(/^dedicated_log_torch_trace_[a-z0-9_]{8}\.log$/);
    expectAllChildRecords(records);
  });

  it('an uncaught exception right after the writes', () => {
    const r = runChild('throw', { TORCH_TRACE: dir });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('child crashed on purpose');
    expectAllChildRecords(readOnlyTrace(dir).records);
  });

  it('SIGTERM right after the writes (the process still dies of the signal)', () => {
    const r = runChild('sigterm', { TORCH_TRACE: dir });
    expect(r.signal).toBe('SIGTERM');
    expectAllChildRecords(readOnlyTrace(dir).records);
  });

  it('SIGTERM during synchronous work, after which the program ends: it still dies of the signal', () => {
    // the handler can only run when the event loop polls; without the extra turn at the end the program
    // would exit 0 as if no signal had come
    const r = runChild('sigterm-sync', { TORCH_TRACE: dir });
    expect(r.signal).toBe('SIGTERM');
    expectAllChildRecords(readOnlyTrace(dir).records);
  });

  it("the extra turn at the end never calls the host program's own beforeExit listener twice", () => {
    const script = [
      `import { traceStructured } from ${JSON.stringify(join(process.cwd(), 'src/artifacts/index.ts'))};`,
      'let calls = 0;',
      "process.on('beforeExit', () => { calls++; });",
      "process.on('exit', () => { process.stdout.write('beforeExit calls: ' + calls + '\\n'); });",
      "traceStructured('one', { i: 1 });",
    ].join('\n');
    const childEnv: NodeJS.ProcessEnv = { ...process.env, TORCH_TRACE: dir };
    delete childEnv.TORCH_DTRACE;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: childEnv,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('beforeExit calls: 1\n');
    expect(readOnlyTrace(dir).records.some((rec) => 'one' in rec.envelope)).toBe(true);
  });

  it('the caller in the prefix and the stack is the line that called traceStructured', () => {
    runChild('exit', { TORCH_TRACE: dir }, 4);
    const { records } = readOnlyTrace(dir);
    const source = readFileSync(CHILD, 'utf8').split('\n');
    const callLine =
      source.findIndex((l) => l.includes("traceStructured('child_record', { i }, () => payloadFor(i));")) + 1;
    const compileCallLine =
      source.findIndex((l) => l.includes("traceStructured('child_record', { i }, () => payloadFor(i)),")) + 1;
    const outside = records.find((r) => (r.envelope.child_record as { i: number } | undefined)?.i === 0)!;
    const inside = records.find((r) => (r.envelope.child_record as { i: number } | undefined)?.i === 1)!;
    expect(outside.prefix!.pathname).toBe(' test/artifacts/trace-writer-child.ts');
    expect(Number(outside.prefix!.line)).toBe(callLine);
    expect(Number(inside.prefix!.line)).toBe(compileCallLine);
    expect(Number(outside.prefix!.thread)).toBeGreaterThan(0);
    const stack = outside.envelope.stack as Array<{
      line: number;
      name: string;
      filename: number;
      loc: string;
    }>;
    const inner = stack.at(-1)!;
    expect(inner).toMatchObject({ line: callLine, name: 'writeAll' });
    expect(inner.loc).toBe("traceStructured('child_record', { i }, () => payloadFor(i));");
    const strs = new Map(
      records
        .filter((x) => 'str' in x.envelope)
        .map((x) => (x.envelope.str as [string, number]).reverse() as [number, string]),
    );
    expect(strs.get(inner.filename)).toBe(CHILD);
  });
});

describe('a trace we write and read back is identical', () => {
  it('readTrace sees every envelope and payload of a crashed child, with zero bad lines', async () => {
    runChild('throw', { TORCH_TRACE: dir }, 300);
    const { records, name } = readOnlyTrace(dir);
    const reading = readTrace(join(dir, name), { payloadText: true });
    const read: ReadEnvelope[] = [];
    for await (const env of reading) read.push(env);
    expect(reading.stats.badLines).toEqual({ glog: 0, json: 0, md5: 0, truncated: 0, invalidUtf8: 0 });
    const written = records.filter((r) => !('str' in r.envelope));
    expect(read.map((e) => e.data)).toEqual(written.map((r) => r.envelope));
    expect(read.map((e) => e.payloadText)).toEqual(written.map((r) => r.payload));
    expect(reading.stats.strings).toBe(records.length - written.length);
    const withStack = read.find((e) => e.stack !== null)!;
    expect(withStack.stack!.at(-1)).toMatchObject({ file: CHILD, name: 'writeAll' });
    const inCompile = read.find((e) => (e.data.child_record as { i: number }).i === 1)!;
    expect(inCompile.compileId).toEqual({
      compiledAutogradId: null,
      frameId: 1,
      frameCompileId: 0,
      attempt: 0,
    });
  });
});

describe('environment', () => {
  it('TORCH_DTRACE writes dtraceStructured records too; TORCH_TRACE does not', () => {
    runChild('normal', { TORCH_DTRACE: dir }, 3);
    expect(readOnlyTrace(dir).records.filter((r) => 'child_dtrace' in r.envelope)).toHaveLength(1);
    const plain = mkdtempSync(join(tmpdir(), 'compilog-trace-plain-'));
    try {
      runChild('normal', { TORCH_TRACE: plain }, 3);
      expect(readOnlyTrace(plain).records.filter((r) => 'child_dtrace' in r.envelope)).toHaveLength(0);
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });

  it('RANK names the file rank_<N>_ and puts rank in envelopes (not in str records)', () => {
    runChild('normal', { TORCH_TRACE: dir, RANK: '1', WORLD_SIZE: '2' }, 3);
    const { name, records } = readOnlyTrace(dir);
    expect(name).toMatch(/^dedicated_log_torch_trace_rank_1_[a-z0-9_]{8}\.log$/);
    for (const r of records) {
      if ('str' in r.envelope) expect(r.envelope.rank).toBeUndefined();
      else expect(Object.keys(r.envelope)[1]).toBe('rank');
    }
  });

  it('an unwritable directory: one E_TRACE_DIR warning, tracing off, the program carries on', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    const r = runChild('normal', { TORCH_TRACE: join(file, 'sub') }, 50);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('done\n');
    expect(r.stderr.match(/E_TRACE_DIR/g)).toHaveLength(1);
    expect(r.stderr).toContain('hint: set TORCH_TRACE');
    expect(readdirSync(dir)).toEqual(['a-file']);
  });

  it('a full disk (a 64 KiB file-size limit): one E_TRACE_WRITE warning, tracing off, what was written reads', async () => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, TORCH_TRACE: dir };
    for (const key of ['TORCH_DTRACE', 'RANK', 'WORLD_SIZE', 'TORCH_LOGS']) delete childEnv[key];
    // Node ignores SIGXFSZ, so writes past the limit fail with EFBIG (as they would with ENOSPC on a full disk).
    const r = spawnSync(
      'bash',
      ['-c', `ulimit -f 64 && exec "${process.execPath}" --import tsx "${CHILD}" normal 3000`],
      { cwd: process.cwd(), env: childEnv, encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('done\n');
    expect(r.stderr.match(/warning E_TRACE_WRITE/g)).toHaveLength(1);
    expect(r.stderr).toContain('EFBIG');
    expect(r.stderr).toContain('hint: check free space');
    const [name] = traceFiles(dir);
    const reading = readTrace(join(dir, name!));
    const seen: number[] = [];
    for await (const env of reading) {
      const rec = env.data.child_record as { i: number } | undefined;
      if (rec !== undefined) seen.push(rec.i);
    }
    // Records written before the limit are whole and in order; at most the one cut by the limit is bad.
    expect(seen.length).toBeGreaterThan(100);
    expect(seen.length).toBeLessThan(3000);
    expect(seen).toEqual([...Array(seen.length).keys()]);
    const { glog, json, md5, truncated } = reading.stats.badLines;
    expect({ glog, md5 }).toEqual({ glog: 0, md5: 0 });
    expect(json + truncated).toBeLessThanOrEqual(2);
    expect(json).toBeLessThanOrEqual(1);
  });

  it('announces the file at INFO through the logging layer, as LazyTraceHandler does', () => {
    const r = runChild('normal', { TORCH_TRACE: dir, TORCH_LOGS: 'compilog.artifacts.trace' }, 2);
    const { name } = readOnlyTrace(dir);
    const lines = r.stderr.split('\n').filter((l) => l.includes('LazyTraceHandler'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^I\d{4} \d{2}:\d{2}:\d{2}\.\d{6} \d+ [^\]]+\] LazyTraceHandler: logging to (.+)$/,
    );
    expect(lines[0].endsWith(`LazyTraceHandler: logging to ${join(dir, name)}`)).toBe(true);
    // Not shown at the default level (WARNING).
    const quiet = runChild('normal', { TORCH_TRACE: dir }, 2);
    expect(quiet.stderr).toBe('');
  });

  it('without TORCH_TRACE nothing is written anywhere', () => {
    const r = runChild('normal', {}, 50);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('done\n');
    expect(r.stderr).toBe('');
  });
});
