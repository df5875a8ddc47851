/** The TORCH_TRACE files a run left in a directory (PyTorch's naming: dedicated_log_torch_trace_*.log). */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Trace files in `dir`, sorted by name; with `sinceMs`, only those modified at or after that time. */
export function traceFilesIn(dir: string, sinceMs = 0): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith('dedicated_log_torch_trace') && f.endsWith('.log'))
    .sort()
    .map((f) => join(dir, f))
    .filter((path) => sinceMs === 0 || statSync(path).mtimeMs >= sinceMs);
}
