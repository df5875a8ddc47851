/**
 * chromium_event payloads are built as text directly (chromium.ts chromiumPayloadText) rather than through the
 * general encoder: the text must be exactly what `json.dumps(event, indent=0)` (pyJsonDumps) writes for the dict.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ChromiumEvent, chromiumPayloadText } from '../../src/artifacts/trace/chromium.js';
import { PyFloat, pyJsonDumps } from '../../src/artifacts/trace/py-json.js';

/** The dict PyTorch's ChromiumEventLogger writes, encoded by the general encoder. */
function viaEncoder(event: ChromiumEvent, args: Record<string, unknown>, ts: number): string {
  const payload: Record<string, unknown> = {
    name: event.name,
    ts: new PyFloat(ts),
    args,
    ph: event.ph,
    cat: event.category ?? 'dynamo_timed',
    tid: 0,
    pid: 0,
  };
  if (event.ph === 'i') payload.s = 'p';
  if (event.ph === 'X') payload.dur = new PyFloat(event.dur ?? 0);
  return pyJsonDumps(payload, { indent: 0 });
}

describe('chromium_event payload text', () => {
  it('equals the encoder output for every phase, name, category, timestamp and args', () => {
    const arg = fc.oneof(
      fc.string(),
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
    );
    fc.assert(
      fc.property(
        fc.string(),
        fc.constantFrom<ChromiumEvent['ph']>('B', 'E', 'X', 'i'),
        fc.option(fc.string(), { nil: undefined }),
        fc.double(),
        fc.option(fc.double(), { nil: undefined }),
        fc.dictionary(fc.string(), fc.oneof(arg, fc.array(arg), fc.dictionary(fc.string(), arg))),
        (name, ph, category, ts, dur, extra) => {
          const event: ChromiumEvent = { name, ph, category, dur };
          const args = { ...extra, compile_id: '0/0' };
          expect(chromiumPayloadText(event, args, ts)).toBe(viaEncoder(event, args, ts));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a kernel launch event, byte for byte', () => {
    const text = chromiumPayloadText(
      { name: 'js_poi_exp_0', ph: 'X', category: 'kernel', dur: 12.5 },
      { elements: 4096, compile_id: '0/0' },
      1764168000123456.5,
    );
    expect(text).toBe(
      '{\n"name": "js_poi_exp_0",\n"ts": 1764168000123456.5,\n"args": {\n"elements": 4096,\n"compile_id": "0/0"\n},\n"ph": "X",\n"cat": "kernel",\n"tid": 0,\n"pid": 0,\n"dur": 12.5\n}',
    );
  });
});
