import { spawnSync } from 'node:child_process';
// Shared paths and helpers for the report tests: the tlparse inputs and expected outputs are read in place.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';

export const SHARED = resolve(process.cwd(), '../shared');
export const INPUTS = join(SHARED, 'tlparse-inputs');
export const EXPECTED = join(SHARED, 'tlparse-expected');
export const FIXTURES = join(SHARED, 'fixtures/pytorch-2.11');

export interface ManifestRun {
  name: string;
  input: string;
  flags: string[];
  rc: number;
  stats_lines: string[];
  files: Array<[string, number]>;
  summary?: {
    index_compile_ids: string[];
    stack_trie_links: Array<[string, string]>;
    num_breaks: number;
    failures_and_restarts: Array<[string, string]>;
    raw_jsonl_lines: number;
    string_table_len: number;
    raw_jsonl_payload_filename_count: number;
    chromium_events_count: number;
  };
  per_rank?: Record<
    string,
    { index_compile_ids: string[]; raw_jsonl_lines: number; chromium_events_count: number }
  >;
  landing_contains?: string[];
  landing_not_contains?: string[];
  [k: string]: unknown;
}

export const manifest: ManifestRun[] = JSON.parse(readFileSync(join(EXPECTED, 'manifest.json'), 'utf8'));

const created: string[] = [];
// each test file gets its own copy of this module, so this runs after each file
afterAll(() => {
  for (const d of created.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh temp directory, removed after the test file. */
export function tmp(prefix = 'compilog-report-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  created.push(d);
  return d;
}

/** Every file under `dir`, as relative paths with '/'. */
export function listFiles(dir: string, pre = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...listFiles(p, `${pre}${e}/`));
    else out.push(`${pre}${e}`);
  }
  return out.sort();
}

/** Every trace log under the shared inputs and fixtures (recursively), excluding the empty decoys. */
export function allLogs(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(log|txt)$/.test(e) && !e.endsWith('.md') && statSync(p).size > 0) out.push(p);
    }
  };
  walk(INPUTS);
  walk(join(FIXTURES, 'traces'));
  return out.sort();
}

export const readJson = (p: string): unknown => JSON.parse(readFileSync(p, 'utf8'));

/** `compilog report <args>` through the built CLI, as a user runs it. */
export function reportCli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [resolve('dist/cli.js'), 'report', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A report's files without compilog's own additions to tlparse's layout: report.json and the compare pages
 * of recompiles (compare/), at the top or in a rank's folder.
 */
export const tlparseLayout = (files: string[]): string[] =>
  files.filter((f) => !/(?:^|\/)report\.json$/.test(f) && !/(?:^|\/)compare\//.test(f));
