/** How tlparse names the report's output files (file stems, the global `_N` suffix, cache-status marks). */

/** Path.file_stem of Rust for a file name (no directories). */
export function fileStem(p: string): string | null {
  const base = p.split('/').pop() ?? '';
  if (base === '' || base === '..') return null;
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? base : base.slice(0, dot);
}

/** tlparse's add_unique_suffix: `<dir>/<stem>_<N>.<ext>`. */
export function uniqueSuffix(path: string, n: number): string {
  const slash = path.lastIndexOf('/');
  const dir = slash >= 0 ? path.slice(0, slash + 1) : '';
  const base = path.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return `${dir}${base}_${n}`;
  return `${dir}${base.slice(0, dot)}_${n}${base.slice(dot)}`;
}

/** tlparse's cache-status mark after an artifact's name. */
export function cacheSuffix(path: string): string {
  if (path.includes('cache_miss')) return '❌';
  if (path.includes('cache_hit')) return '✅';
  if (path.includes('cache_bypass')) return '❓';
  return '';
}
