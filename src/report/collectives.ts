/** The c10d collectives in generated code, as tlparse's multi-rank parity check counts them. */

const CALL_RE = /torch\s*\.\s*ops\s*\.\s*_?c10d_functional\s*\.\s*([A-Za-z0-9_]+)\s*\.\s*default\s*\(/g;
const COMMENT_RE = /#.*$|\/\/.*$|\/\*[\s\S]*?\*\//gm;

/** Normalizes a collective op name the way tlparse's parity check does. */
export function normalizeCollective(op: string): string | null {
  const o = op.replace(/_+$/, '');
  for (const n of ['all_reduce', 'reduce_scatter', 'all_gather', 'broadcast', 'all_to_all'])
    if (o.includes(n)) return n;
  return o.includes('reduce') ? 'reduce' : null;
}

/** c10d functional calls in generated code (comments stripped): counts per op and wait_tensor calls. */
export function countCollectiveCalls(code: string): { counts: Record<string, number>; waits: number } {
  const counts: Record<string, number> = {};
  let waits = 0;
  if (!code.includes('c10d_functional')) return { counts, waits };
  const clean = code.replace(COMMENT_RE, '');
  for (const m of clean.matchAll(CALL_RE)) {
    if (m[1] === 'wait_tensor') waits++;
    else {
      const n = normalizeCollective(m[1]);
      if (n !== null) counts[n] = (counts[n] ?? 0) + 1;
    }
  }
  return { counts, waits };
}
