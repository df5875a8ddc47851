/**
 * Golden `TORCH_LOGS=fusion,output_code` output of examples/transformer-block.ts, run through the built
 * CLI (`npm run build` first, as for the CLI tests) with an empty kernel cache, so fusion runs and logs.
 * UPDATE_GOLDEN=1 rewrites the golden file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const GOLDEN = resolve(import.meta.dirname, 'fixtures/transformer-block.fusion-output-code.golden.txt');

/** The artifact lines without the glog prefix (time, pid, file:line), the cache key and the example's line numbers. */
function normalize(stderr: string): string {
  return (
    stderr
      .split('\n')
      .filter((l) => l.includes('[__fusion]') || l.includes('[__output_code]'))
      .map((l) => l.slice(l.indexOf('] ') + 2))
      .map((l) => l.replace(/cache key: [0-9a-f]{32}/, 'cache key: <key>'))
      // The example's own line numbers move when it is edited; its code text stays in the golden.
      .map((l) => l.replace(/transformer-block\.ts:\d+/, 'transformer-block.ts:<line>'))
      .join('\n')
  );
}

it('examples/transformer-block.ts: fusion decisions and output_code are stable', () => {
  const cache = mkdtempSync(join(tmpdir(), 'compilog-example-cache-'));
  try {
    const r = spawnSync(process.execPath, ['dist/cli.js', 'run', 'examples/transformer-block.ts'], {
      cwd: ROOT,
      env: { ...process.env, TORCH_LOGS: 'fusion,output_code', TORCH_TRACE: '', COMPILOG_CACHE_DIR: cache },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    // The default (fast) mode rounds to float32 only at stores: within float32 rounding of eager.
    const diff = Number(/max \|compiled - eager\|: (\S+)/.exec(r.stdout)?.[1]);
    expect(diff).toBeLessThan(1e-5);
    const text = normalize(r.stderr);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, text);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
    expect(text.match(/^\[0\/0\] \[__output_code\] \/\/ kernel \d+:/gm)).toHaveLength(12);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});
