/**
 * Payload encoding (PyTorch's trace_structured): a string is written as is, a list as one compact JSON item per
 * line between `[` and `]`, anything else as `json.dumps(obj, indent=0)`. `has_payload` is the MD5 of the UTF-8 text.
 */
import * as crypto from 'node:crypto';
import { pyJsonDumps } from './py-json.js';

/**
 * How a payload value becomes text. `auto` (default) is PyTorch's rule by type. JavaScript cannot tell a Python
 * list from a tuple, so `json` forces the indent=0 layout an array would get as a tuple (or a set), `list` forces
 * the one-item-per-line layout, and `string` writes String(value).
 */
export type PayloadEncoding = 'auto' | 'string' | 'list' | 'json';

/** The payload text, or undefined when there is no payload (null or undefined). */
export function encodePayload(payload: unknown, encoding: PayloadEncoding = 'auto'): string | undefined {
  if (payload === undefined || payload === null) return undefined;
  if (typeof payload === 'string') return payload;
  if (encoding === 'string') return String(payload);
  if (encoding === 'json') return pyJsonDumps(payload, { indent: 0 });
  if (
    encoding === 'list' &&
    !Array.isArray(payload) &&
    typeof payload === 'object' &&
    Symbol.iterator in payload
  ) {
    payload = [...(payload as Iterable<unknown>)];
  }
  if (Array.isArray(payload)) {
    let out = '[\n';
    for (let i = 0; i < payload.length; i++) {
      if (i > 0) out += ',\n';
      out += pyJsonDumps(payload[i]);
    }
    return `${out}\n]`;
  }
  return pyJsonDumps(payload, { indent: 0 });
}

// crypto.hash (Node >= 20.12) is a one-shot digest, much cheaper than a Hash object for small inputs.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

export function md5Hex(text: string): string {
  return oneShot ? oneShot('md5', text, 'hex') : crypto.createHash('md5').update(text, 'utf8').digest('hex');
}

/** The physical lines of a payload: a TAB before every line of the text, each on its own line. */
export function payloadLines(text: string): string {
  return `\n\t${text.replaceAll('\n', '\n\t')}`;
}
