/**
 * Cache status per compile, from the artifacts PyTorch logs for cache events (`fx_graph_cache_miss`,
 * `aotautograd_cache_hit`, `autotune_cache_bypass`, ...: tlparse marks names with cache_miss / cache_hit /
 * cache_bypass). Counted per cache kind, so every compile shows the same kinds in the same order.
 */
import type { OutputFile } from './model.js';

export type CacheOutcome = 'hit' | 'miss' | 'bypass' | 'disabled';
export const CACHE_OUTCOMES: readonly CacheOutcome[] = ['hit', 'miss', 'bypass', 'disabled'];

export interface CacheKind {
  /** artifact name prefix, e.g. `fx_graph`, `aotautograd` */
  id: string;
  label: string;
}

/** The caches every compile row shows, logged or not; other kinds are added when a trace has them. */
export const MAIN_CACHES: readonly CacheKind[] = [
  { id: 'fx_graph', label: 'FX graph' },
  { id: 'aotautograd', label: 'AOT autograd' },
];

const CACHE_ARTIFACT = /^(.*?)_?cache_(hit|miss|bypass|disabled)_\d+\.[a-z]+$/;
/** older PyTorch logs `autograd_cache_*` for the AOT autograd cache */
const ALIASES: Record<string, string> = { autograd: 'aotautograd' };

export interface CacheEvent {
  kind: string;
  outcome: CacheOutcome;
  file: OutputFile;
}

/** The cache events among a compile's output files, in log order. */
export function cacheEvents(files: readonly OutputFile[]): CacheEvent[] {
  const out: CacheEvent[] = [];
  for (const f of files) {
    if (f.link || !f.url.includes('cache_')) continue;
    const m = CACHE_ARTIFACT.exec(f.url.slice(f.url.lastIndexOf('/') + 1));
    if (m === null) continue;
    const kind = ALIASES[m[1]] ?? (m[1] || 'other');
    out.push({ kind, outcome: m[2] as CacheOutcome, file: f });
  }
  return out;
}

/** kind -> outcome -> count */
export type CacheSummary = Map<string, Map<CacheOutcome, number>>;

export function summarizeCache(events: readonly CacheEvent[]): CacheSummary {
  const s: CacheSummary = new Map();
  for (const e of events) {
    let k = s.get(e.kind);
    if (k === undefined) {
      k = new Map();
      s.set(e.kind, k);
    }
    k.set(e.outcome, (k.get(e.outcome) ?? 0) + 1);
  }
  return s;
}

/** A readable label for a cache kind id (`fx_graph` -> `FX graph`, `autotune` -> `autotune`). */
export function cacheLabel(id: string): string {
  return MAIN_CACHES.find((c) => c.id === id)?.label ?? id.replaceAll('_', ' ');
}
