/**
 * Test support for the trace writer: a JSON parser that keeps what Python's json module distinguishes and
 * JSON.parse loses (floats written as `1.0`, key insertion order, NaN/Infinity), so a PyTorch payload can be parsed
 * and re-serialized by our writer and compared byte for byte; and a checker for trace files (tlparse's line regex,
 * JSON.parse of each envelope, md5 of each payload).
 */
import { createHash } from 'node:crypto';
import { PyFloat } from '../../src/artifacts/index.js';

export function parsePythonJson(text: string): unknown {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at ${i}`);
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const map = new Map<string, unknown>();
      ws();
      if (text[i] === '}') {
        i++;
        return map;
      }
      for (;;) {
        ws();
        const key = value();
        if (typeof key !== 'string') fail('key');
        ws();
        if (text[i++] !== ':') fail('colon');
        map.set(key as string, value());
        ws();
        const d = text[i++];
        if (d === '}') return map;
        if (d !== ',') fail('comma');
      }
    }
    if (c === '[') {
      i++;
      const list: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return list;
      }
      for (;;) {
        list.push(value());
        ws();
        const d = text[i++];
        if (d === ']') return list;
        if (d !== ',') fail('comma');
      }
    }
    if (c === '"') {
      i++;
      let out = '';
      for (;;) {
        const ch = text[i++];
        if (ch === undefined) fail('unterminated string');
        if (ch === '"') return out;
        if (ch !== '\\') {
          out += ch;
          continue;
        }
        const e = text[i++];
        if (e === 'u') {
          out += String.fromCharCode(Number.parseInt(text.slice(i, i + 4), 16));
          i += 4;
        } else out += ({ n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' } as Record<string, string>)[e] ?? e;
      }
    }
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
      ['NaN', new PyFloat(Number.NaN)],
      ['Infinity', new PyFloat(Number.POSITIVE_INFINITY)],
      ['-Infinity', new PyFloat(Number.NEGATIVE_INFINITY)],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    const m = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail('value');
    i += m[0].length;
    if (m[1] !== undefined || m[2] !== undefined) return new PyFloat(Number(m[0]));
    const n = Number(m[0]);
    return Number.isSafeInteger(n) ? n : BigInt(m[0]);
  };
  const result = value();
  ws();
  if (i !== text.length) fail('trailing text');
  return result;
}

/** tlparse's glog regex (src/lib.rs), unanchored as tlparse uses it. */
export const TLPARSE_GLOG =
  /(?<level>[VIWEC])(?<month>\d{2})(?<day>\d{2}) (?<hour>\d{2}):(?<minute>\d{2}):(?<second>\d{2}).(?<millisecond>\d{6}) (?<thread>\d+)(?<pathname>[^:]+):(?<line>\d+)\] (?<payload>.)/;

export interface CheckedRecord {
  prefix: RegExpExecArray['groups'];
  envelopeText: string;
  envelope: Record<string, unknown>;
  payload: string | undefined;
}

/**
 * Reads a trace file as tlparse does and checks every record: each non-payload line matches the glog regex, its
 * JSON parses, and a declared payload follows with the right md5. Throws on the first problem.
 */
export function checkTraceText(text: string): CheckedRecord[] {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('trace does not end with a newline');
  const lines = text.split('\n').slice(0, -1);
  const records: CheckedRecord[] = [];
  for (let n = 0; n < lines.length; ) {
    const line = lines[n];
    const m = TLPARSE_GLOG.exec(line);
    if (m?.index !== 0) throw new Error(`line ${n + 1} does not match the glog regex: ${line.slice(0, 120)}`);
    const envelopeText = line.slice(line.indexOf('] ') + 2);
    const envelope = JSON.parse(envelopeText) as Record<string, unknown>;
    n++;
    let payload: string | undefined;
    if (typeof envelope.has_payload === 'string') {
      const body: string[] = [];
      while (n < lines.length && lines[n].startsWith('\t')) body.push(lines[n++].slice(1));
      if (body.length === 0) throw new Error(`record at line ${n} declares a payload but has none`);
      payload = body.join('\n');
      const md5 = createHash('md5').update(payload, 'utf8').digest('hex');
      if (md5 !== envelope.has_payload) throw new Error(`md5 mismatch for record at line ${n}`);
    }
    records.push({ prefix: m.groups, envelopeText, envelope, payload });
  }
  return records;
}
