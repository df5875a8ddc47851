/**
 * "Did you mean ...?" for a mistyped setting name: case-insensitive equality first, then names that start with
 * what was typed, then the closest names by edit distance (optimal string alignment, so a swap counts once).
 */

export function suggestNames(typed: string, candidates: Iterable<string>, max = 3): string[] {
  const unique = [...new Set(candidates)].filter((c) => c !== typed);
  const lower = typed.toLowerCase();
  const scored: Array<{ name: string; score: number }> = [];
  for (const name of unique) {
    const score = similarity(typed, lower, name);
    if (score !== undefined) scored.push({ name, score });
  }
  scored.sort((a, b) => a.score - b.score || a.name.length - b.name.length || (a.name < b.name ? -1 : 1));
  return scored.slice(0, max).map((s) => s.name);
}

/** Lower is closer; undefined means "not similar enough to suggest". */
function similarity(typed: string, lower: string, name: string): number | undefined {
  const nameLower = name.toLowerCase();
  if (nameLower === lower) return 0;
  if (lower.length >= 3 && nameLower.startsWith(lower)) return 0.5;
  // `aot_autograd` -> `aot`, `autograd`: a name that is one of the typed name's `_`/`.` separated parts.
  if (nameLower.length >= 3 && lower.split(/[_.]/).includes(nameLower)) return 1.5;
  const limit = Math.max(1, Math.min(3, Math.floor(Math.max(typed.length, name.length) / 3)));
  const d = editDistance(lower, nameLower, limit);
  return d <= limit ? d : undefined;
}

/** Optimal-string-alignment distance, stopping early once every path exceeds `limit`. */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  const x = Array.from(a);
  const y = Array.from(b);
  if (Math.abs(x.length - y.length) > limit) return limit + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return limit + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[y.length];
}
