// Corrupt input never crashes the reader and is counted: truncation at any offset, flipped bytes,
// invalid JSON, wrong md5s, binary garbage, empty files.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  readTrace,
  scanTraceFile,
  scanTraceFileSync,
  type TraceStats,
  traceFileInfo,
} from '../../src/artifacts/index.js';
import { INPUTS, tmp } from '../report/support.js';
import { glogPrefix, traceText } from './trace-text.js';

const dir = tmp('compilog-corrupt-');
let n = 0;
function scan(content: Buffer | string): { stats: TraceStats; kinds: Array<string | null> } {
  const p = join(dir, `t${n++}.log`);
  writeFileSync(p, content);
  const kinds: Array<string | null> = [];
  const { stats } = scanTraceFileSync(traceFileInfo(p), {
    onEnvelope: (e, payload) => kinds.push(e.kind) && payload?.text(),
  });
  return { stats, kinds };
}

const simple = readFileSync(join(INPUTS, 'inputs/comp_metrics.log'));
const full = scan(simple).stats;

describe('corrupt traces', () => {
  it('truncated at any offset: no crash, every byte accounted, the cut counted', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: simple.length }), (cut) => {
        const { stats } = scan(simple.subarray(0, cut));
        expect(stats.bytes).toBe(cut);
        expect(stats.envelopes).toBeLessThanOrEqual(full.envelopes);
        const cutMidLine = cut > 0 && simple[cut - 1] !== 10;
        expect(stats.badLines.truncated).toBe(cutMidLine ? 1 : 0);
        expect(stats.badLines.glog + stats.badLines.json + stats.badLines.md5).toBeLessThanOrEqual(2);
      }),
      { numRuns: 150 },
    );
  });

  it('flipped bytes: no crash; all damage lands in counters', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(simple.length - 1), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 20,
        }),
        (flips) => {
          const buf = Buffer.from(simple);
          for (const [at, x] of flips) buf[at] ^= x;
          const { stats } = scan(buf);
          const bad = stats.badLines;
          expect(stats.envelopes + stats.strings + bad.glog + bad.json + bad.invalidUtf8).toBeGreaterThan(0);
          expect(stats.ok).toBeLessThanOrEqual(full.ok + flips.length);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('invalid JSON, non-object JSON and schema violations are fail_json; the next record still parses', () => {
    const text =
      `${glogPrefix()} {"dynamo_start": \n` +
      `${glogPrefix()} [1, 2]\n` +
      `${glogPrefix()} {"artifact": {"name": "no_encoding"}}\n` +
      `${glogPrefix()} {"chromium_event": {}, "rank": "zero"}\n` +
      `${glogPrefix()} {"chromium_event": {}, "frame_id": "x"}\n` +
      `${glogPrefix()} {"x": NaN}\n`;
    const { stats, kinds } = scan(text);
    expect(stats.badLines.json).toBe(5);
    expect(kinds).toEqual(['chromium_event']);
  });

  it('a wrong md5 and a non-hex md5 are counted; the payload is still used', () => {
    const text = traceText([
      { meta: { artifact: { name: 'a', encoding: 'string' } }, payload: 'x', md5: '0'.repeat(32) },
      { meta: { artifact: { name: 'b', encoding: 'string' } }, payload: 'y', md5: 'not hex' },
      { meta: { artifact: { name: 'c', encoding: 'string' } }, payload: 'z' },
    ]);
    const { stats, kinds } = scan(text);
    expect(stats.badLines.md5).toBe(2);
    expect(kinds).toEqual(['artifact', 'artifact', 'artifact']);
  });

  it('stray payload lines and lines without a glog prefix are fail_glog', () => {
    const text = `\tstray payload line\nhello world\n${traceText([{ meta: { chromium_event: {} } }])}`;
    expect(scan(text).stats.badLines.glog).toBe(2);
  });

  it('binary garbage, an empty file, and invalid UTF-8 never crash', () => {
    const garbage = scan(randomBytes(200_000)).stats;
    expect(garbage.envelopes).toBe(0);
    expect(garbage.badLines.glog + garbage.badLines.invalidUtf8).toBeGreaterThan(0);
    const empty = scan('').stats;
    expect(empty).toMatchObject({ bytes: 0, lines: 0, envelopes: 0 });
    const latin1 = Buffer.concat([
      Buffer.from(`${glogPrefix()} {"artifact": {"name": "`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('", "encoding": "string"}}\n'),
    ]);
    expect(scan(latin1).stats.badLines.invalidUtf8).toBe(1);
  });

  it('a cut .gz file keeps what was readable and counts the cut', async () => {
    const gz = gzipSync(simple);
    const p = join(dir, 'dedicated_log_torch_trace_cut.log.gz');
    writeFileSync(p, gz.subarray(0, Math.floor(gz.length / 2)));
    const reading = readTrace(p);
    let n = 0;
    for await (const _ of reading) n++;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(full.envelopes);
    expect(reading.stats.badLines.truncated).toBeGreaterThanOrEqual(1);
    const { stats } = await scanTraceFile(traceFileInfo(p), { onEnvelope() {} });
    expect(stats.envelopes).toBe(n);
  });

  it('a huge payload spanning many read chunks is read whole', () => {
    const big = 'x'.repeat(1000).concat('\n').repeat(12_000);
    const { stats } = scan(
      traceText([
        { meta: { artifact: { name: 'big', encoding: 'string' } }, payload: big },
        { meta: { chromium_event: {} } },
      ]),
    );
    expect(stats).toMatchObject({ envelopes: 2, payloadLines: 12_001 });
    expect(stats.badLines.md5).toBe(0);
  });
});
