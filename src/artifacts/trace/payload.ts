/**
 * Payload encoding (PyTorch's trace_structured): a string is written as is, a list as one compact JSON item per
 * line between `[` and `]`, anything else as `json.dumps(obj, indent=0)`. `has_payload` is the MD5 of the UTF-8 text.
 */
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

/** The md5 `has_payload` carries (of the payload's UTF-8 bytes); the trace writer's own. */
export { md5Hex } from '../../logging/index.js';
