// The streaming trace reader: tlparse's counts on every shipped log, line grammar, compile ids, ranks,
// payloads on demand (plain and gzip), directories, and the errors it raises on purpose.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  compileIdDirName,
  formatCompileIdKey,
  type ReadEnvelope,
  readCompileId,
  readPayload,
  readTrace,
  scanTraceFileSync,
  traceFileInfo,
} from '../../src/artifacts/index.js';
import { allLogs, INPUTS, manifest, tmp } from '../report/support.js';
import { cid, glogPrefix, traceText } from './trace-text.js';

async function collect(path: string, opts = {}) {
  const reading = readTrace(path, opts);
  const envs: ReadEnvelope[] = [];
  for await (const e of reading) envs.push(e);
  return { envs, stats: reading.stats, reading };
}

function writeTmp(name: string, content: string | Buffer): string {
  const p = join(tmp('compilog-reader-'), name);
  writeFileSync(p, content);
  return p;
}

describe('tlparse counts on every shipped log', () => {
  const defaults = manifest.filter((r) => r.name.endsWith('__default'));
  it.each(defaults.map((r) => [r.input, r] as const))('%s', (input, run) => {
    const { stats } = scanTraceFileSync(traceFileInfo(join(INPUTS, input)), { onEnvelope() {} });
    const line = run.stats_lines.find((l) => l.startsWith('Stats'))!;
    const field = (k: string) => Number(new RegExp(`${k}: (\\d+)`).exec(line)?.[1] ?? 0);
    expect(stats.ok).toBe(field('ok'));
    expect(stats.badLines.md5).toBe(field('fail_payload_md5'));
    expect(stats.unknown).toBe(field('unknown'));
    expect(stats.otherRank).toBe(field('other_rank'));
    expect(stats.badLines.glog + stats.badLines.json).toBe(field('fail_glog') + field('fail_json'));
  });

  it('reads every log under tlparse-inputs and the fixtures without a bad glog or JSON line', () => {
    const logs = allLogs();
    expect(logs.length).toBeGreaterThanOrEqual(45);
    for (const p of logs) {
      const { stats } = scanTraceFileSync(traceFileInfo(p), { onEnvelope() {} });
      expect(stats.envelopes, p).toBeGreaterThan(0);
      expect(stats.badLines.glog + stats.badLines.json, p).toBe(0);
    }
  });
});

describe('line grammar', () => {
  it('parses the glog prefix like tlparse: leading space kept in pathname, text before the prefix tolerated', async () => {
    const text = `${traceText([{ meta: { dynamo_start: { stack: [] }, ...cid(0, 0) } }])}[host-7] ${glogPrefix(9, 'a/b.py')} {"chromium_event": {}}\n`;
    const { envs } = await collect(writeTmp('t.log', text));
    expect(envs.map((e) => e.glog.pathname)).toEqual([' torch/_dynamo/utils.py', ' a/b.py']);
    expect(envs[0].glog).toMatchObject({
      level: 'V',
      month: 11,
      day: 26,
      hour: 12,
      minute: 28,
      second: 44,
      micros: 736000,
      thread: 595,
      line: 1,
    });
    expect(envs[1].glog.line).toBe(9);
    expect(envs.map((e) => e.kind)).toEqual(['dynamo_start', 'chromium_event']);
  });

  it('joins payload lines without their TAB, skips blank lines (md5 then fails, as in tlparse) and CRLF', async () => {
    const good = traceText([
      { meta: { artifact: { name: 'a', encoding: 'string' } }, payload: 'line1\n\nline3' },
    ]);
    const withBlank = good.replace('\t\n', '\n'); // a blank line where the empty payload line was
    const p = writeTmp('t.log', `${withBlank.replaceAll('\n', '\r\n')}`);
    const { envs, stats } = await collect(p, { payloadText: true });
    expect(envs[0].payloadText).toBe('line1\nline3');
    expect(stats.badLines.md5).toBe(1);
    expect(stats.blankLines).toBe(1);
    expect(await readPayload(envs[0])).toBe('line1\nline3');
  });

  it('an empty payload is one TAB line; md5 of "" checks', async () => {
    const { envs, stats } = await collect(
      writeTmp('t.log', traceText([{ meta: { artifact: { name: 'e', encoding: 'string' } }, payload: '' }])),
      {
        payloadText: true,
      },
    );
    expect(envs[0].payloadText).toBe('');
    expect(envs[0].payload).toMatchObject({ md5Ok: true, lines: 1, size: 0 });
    expect(stats.badLines.md5).toBe(0);
  });

  it('resolves stacks against the str table and keeps unknown kinds with their key', async () => {
    const text =
      `${glogPrefix()} {"str": ["/src/model.py", 0]}\n` +
      traceText([
        {
          meta: {
            my_event: { a: 1 },
            stack: [
              { line: 3, name: 'f', filename: 0, loc: 'x = 1' },
              { line: 4, name: 'g', filename: 7 },
            ],
          },
        },
      ]);
    const { envs, reading } = await collect(writeTmp('t.log', text));
    expect(envs[0].kind).toBe('my_event');
    expect(envs[0].unknownKeys).toEqual(['my_event']);
    expect(envs[0].stack).toEqual([
      { file: '/src/model.py', line: 3, name: 'f', loc: 'x = 1' },
      { file: '(unknown)', line: 4, name: 'g', loc: null },
    ]);
    expect(reading.stats.unknownKeys).toEqual({ my_event: 1 });
    expect([...reading.perFile.values()][0].strings.get(0)).toBe('/src/model.py');
  });
});

describe('compile ids and ranks', () => {
  it('formats ids and folders like tlparse', () => {
    const f = (o: Record<string, unknown>) => {
      const id = readCompileId(o)!;
      return [formatCompileIdKey(id), compileIdDirName(id)];
    };
    expect(f(cid(0, 0))).toEqual(['[0/0]', '-_0_0_0']);
    expect(f(cid(1, 0, 1))).toEqual(['[1/0_1]', '-_1_0_1']);
    expect(f({})).toEqual(['[-/-]', '-_-_-_-']);
    expect(f({ compiled_autograd_id: 0, frame_id: 1, frame_compile_id: 0 })).toEqual(['[!0/1/0]', '0_1_0_-']);
    expect(readCompileId({ frame_id: 'x' })).toBeNull();
  });

  it('the first non-null rank fixes the file rank; later other ranks (and null) are other_rank', async () => {
    const text = traceText([
      { meta: { chromium_event: {} } },
      { meta: { chromium_event: {}, rank: 1 } },
      { meta: { chromium_event: {}, rank: 2 } },
      { meta: { chromium_event: {} } },
    ]);
    const { envs, stats } = await collect(writeTmp('t.log', text));
    expect(envs.map((e) => e.otherRank)).toEqual([false, false, true, true]);
    expect(stats).toMatchObject({ ok: 2, otherRank: 2, ranks: [1, 2] });
  });
});

describe('payloads on demand', () => {
  it('readPayload returns the payload whose md5 is has_payload, for every envelope of simple.log', async () => {
    const { envs } = await collect(join(INPUTS, 'inputs/simple.log'));
    const withPayload = envs.filter((e) => e.payload !== null);
    expect(withPayload.length).toBeGreaterThan(50);
    for (const e of withPayload) {
      const text = await readPayload(e);
      expect(createHash('md5').update(text).digest('hex')).toBe(e.payload!.declaredMd5);
      expect(Buffer.byteLength(text)).toBe(e.payload!.size);
    }
    const unchecked = await collect(join(INPUTS, 'inputs/simple.log'), { verifyMd5: false });
    expect(unchecked.envs.map((e) => e.payload?.size)).toEqual(envs.map((e) => e.payload?.size));
    expect(unchecked.stats.badLines.md5).toBe(0);
  });

  it('reads .gz traces: same envelopes, offsets in the decompressed stream, payloads re-inflated on demand', async () => {
    const src = join(INPUTS, 'inputs/comp_metrics.log');
    const gz = writeTmp('dedicated_log_torch_trace_x.log.gz', gzipSync(readFileSync(src)));
    const plain = await collect(src, { payloadText: true });
    const zipped = await collect(gz, { payloadText: true });
    expect(zipped.envs.map((e) => [e.offset, e.kind, e.payloadText])).toEqual(
      plain.envs.map((e) => [e.offset, e.kind, e.payloadText]),
    );
    expect(zipped.stats.ok).toBe(12);
    const last = zipped.envs.filter((e) => e.payload !== null).at(-1)!;
    expect(await readPayload(last)).toBe(last.payloadText);
  });
});

describe('streaming', () => {
  it('hands out envelopes before the file is fully read, and stops cleanly on break', async () => {
    const recs = Array.from({ length: 3000 }, (_, i) => ({
      meta: { artifact: { name: `a${i}`, encoding: 'string' } },
      payload: 'x'.repeat(4000),
    }));
    const p = writeTmp('big.log', traceText(recs));
    const reading = readTrace(p, { payloadText: true });
    let seen = 0;
    for await (const e of reading) {
      if (seen === 0) {
        expect(e.payloadText).toBe('x'.repeat(4000));
        expect(reading.perFile.size).toBe(0); // the file is still being read
      }
      if (++seen === 10) break;
    }
    expect(seen).toBe(10);
    const all = await collect(p);
    expect(all.envs.length).toBe(3000);
    expect(all.stats.badLines.md5).toBe(0);
  });
});

describe('directories and errors', () => {
  it('reads every trace file of a directory in rank order; --latest picks the newest', async () => {
    const dir = tmp('compilog-dir-');
    const simple = readFileSync(join(INPUTS, 'inputs/simple.log'));
    writeFileSync(join(dir, 'dedicated_log_torch_trace_rank_1_zz.log'), simple);
    writeFileSync(join(dir, 'dedicated_log_torch_trace_rank_0_aa.log'), simple);
    writeFileSync(join(dir, 'notes.txt'), 'not a trace');
    utimesSync(join(dir, 'dedicated_log_torch_trace_rank_1_zz.log'), new Date(), new Date(Date.now() + 5000));
    const all = await collect(dir);
    expect(all.reading.files.map((f) => f.rank)).toEqual([0, 1]);
    expect(all.stats.ok).toBe(128);
    expect(new Set(all.envs.map((e) => e.fileRank))).toEqual(new Set([0, 1]));
    const latest = await collect(dir, { latest: true });
    expect(latest.reading.files.map((f) => f.name)).toEqual(['dedicated_log_torch_trace_rank_1_zz.log']);
  });

  it('a missing path is E_TRACE_NOT_FOUND; a directory without traces is E_TRACE_EMPTY_DIR', () => {
    expect(() => readTrace('/nonexistent/trace/dir')).toThrow(
      expect.objectContaining({ code: 'E_TRACE_NOT_FOUND' }),
    );
    const dir = tmp('compilog-empty-');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'another.log'), '');
    expect(() => readTrace(dir)).toThrow(expect.objectContaining({ code: 'E_TRACE_EMPTY_DIR' }));
  });
});
