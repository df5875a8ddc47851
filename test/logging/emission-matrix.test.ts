// End to end against PyTorch 2.11's observed emission matrix: for each TORCH_LOGS setting, a fresh process with
// PyTorch's registry logs one message per (logger, level) marker; the markers on stderr must be exactly the ones
// PyTorch printed, each printed exactly once.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ChildResult, REPO, runTs, SHARED, withConcurrency } from './support.js';

interface Run {
  env: Record<string, string>;
  exit_code: number;
  emitted: string[];
  script?: string;
  stderr_tail?: string;
}
const MATRIX = resolve(SHARED, 'fixtures/pytorch-2.11/emission_matrix.json');
const matrix = JSON.parse(readFileSync(MATRIX, 'utf8')) as { markers: Record<string, unknown>; runs: Run[] };
const SCRIPT = resolve(REPO, 'test/logging/fixtures/emit-markers.ts');

// JSON_* come from Python's stdlib `json` logger through Python's lastResort handler: not a torch logger.
const isTorchMarker = (m: string): boolean => !m.startsWith('JSON_');
const markers = Object.keys(matrix.markers).filter(isTorchMarker);
const unsetRow = matrix.runs.find((r) => Object.keys(r.env).length === 0 && r.script === undefined)!;

/** Occurrences of each marker as a whole word on stderr. */
function countMarkers(stderr: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of markers) {
    const re = new RegExp(`(?<![A-Z_])${m}(?![A-Z_])`, 'g');
    const n = (stderr.match(re) ?? []).length;
    if (n > 0) counts.set(m, n);
  }
  return counts;
}

/**
 * Rows we compare differently, with the reason:
 * - `script` rows run PyTorch-specific ad-hoc scripts (re-init duplication bug, set_logs); covered in
 *   set-logs.test.ts and state.test.ts instead.
 * - exit_code 1 rows: PyTorch fails `import torch`; compilog prints the same error (or help) once and continues
 *   with default settings, so the markers must be the no-TORCH_LOGS row's. `""` is "no settings" (PyTorch crashes).
 */
const dir = mkdtempSync(join(tmpdir(), 'compilog-matrix-'));
const rows = matrix.runs.filter((r) => r.script === undefined);

describe('emission matrix (PyTorch 2.11)', () => {
  it('prints exactly the markers PyTorch printed, once each, for every env setting', async () => {
    expect(rows.length).toBe(27);
    const results: ChildResult[] = await withConcurrency(
      2,
      rows.map((row, i) => () => {
        const env = { ...row.env };
        if (env.TORCH_LOGS_OUT !== undefined) env.TORCH_LOGS_OUT = join(dir, `out-${i}.txt`);
        return runTs(SCRIPT, [MATRIX], env);
      }),
    );
    let applied = 0;
    rows.forEach((row, i) => {
      const result = results[i]!;
      const label = JSON.stringify(row.env);
      expect(result.code, `${label}: ${result.stderr}`).toBe(0);
      const counts = countMarkers(result.stderr);
      const expected = (row.exit_code === 0 ? row.emitted : unsetRow.emitted).filter(isTorchMarker);
      expect([...counts.keys()].sort(), label).toEqual([...expected].sort());
      for (const [m, n] of counts) expect(n, `${label} ${m} printed ${n} times`).toBe(1);
      if (row.exit_code !== 0) {
        const tl = row.env.TORCH_LOGS;
        if (tl === 'help')
          expect(result.stderr).toContain("Visible registered names (use TORCH_LOGS='+help' for full list)");
        else if (tl === '+help') expect(result.stderr).toContain('All registered names');
        else if (tl === '') expect(result.stderr).not.toContain('compilog [');
        else {
          expect(result.stderr).toContain(`Invalid log settings: ${tl}, must be a comma separated list`);
          expect(result.stderr).toContain('compilog [E_LOGS_UNKNOWN_NAME]');
          // Printed once, not per logger or per record.
          expect(result.stderr.split('Invalid log settings').length).toBe(2);
        }
      }
      if (row.env.TORCH_LOGS_OUT !== undefined) {
        expect(readFileSync(join(dir, `out-${i}.txt`), 'utf8')).toBe(result.stderr);
      }
      applied++;
    });
    expect(applied).toBe(27);
  });
});
