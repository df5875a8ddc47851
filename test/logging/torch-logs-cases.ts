// Loads ../shared/fixtures/torch_logs_cases.json (PyTorch 2.11's own parser outcomes) and sorts every case into
// how we can check it. Shared by the library test and the CLI test.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compareCodePoints, type ModuleResolver } from '../../src/logging/index.js';

export const SHARED = resolve(import.meta.dirname, '../../../shared');
export const LOGS_FIXTURES = resolve(SHARED, 'fixtures/pytorch-2.11/logs');

type Level = 'DEBUG' | 'INFO' | 'ERROR';

export interface TorchLogsCase {
  env: string;
  expect: {
    error: boolean;
    error_kind?: 'invalid_settings' | 'help' | 'help_verbose' | 'module_lookup_error';
    stage?: 'syntax' | 'name_lookup';
    message_settings?: string;
    exception_message?: string;
    logs?: Record<string, Level>;
    artifacts?: string[];
    qnames?: Record<string, Level>;
    qname_count?: number;
    qnames_subset?: Record<string, Level>;
    registers_new_aliases?: string[];
    registers_child_logs_count?: number;
  };
  verification: string;
  assumes?: string[];
}

export const CASES: TorchLogsCase[] = JSON.parse(
  readFileSync(resolve(SHARED, 'fixtures/torch_logs_cases.json'), 'utf8'),
);

/**
 * How each case is checked:
 * - 'exact': the pytorch-2.11 registry and our default resolver reproduce PyTorch's outcome (aliases, artifacts,
 *   `all`, syntax errors, help, names that are not modules).
 * - 'python-modules': the case names Python modules that PyTorch found with importlib (its `assumes` say which).
 *   We stand in a resolver that knows exactly those modules (and the submodules the case itself lists), so the
 *   levels, last-wins order and registrations are checked; the real size of a package walk (qname_count, e.g.
 *   110 modules under torch._dynamo) is Python's file system and is not checked.
 * - 'divergence': PyTorch leaks Python's ModuleNotFoundError/ImportError for a dotted name whose parent package
 *   does not exist (or a relative name). We answer with the ordinary invalid-settings error instead (documented).
 */
export type CaseMode = 'exact' | 'python-modules' | 'divergence';

export function caseMode(c: TorchLogsCase): CaseMode {
  if (c.expect.error_kind === 'module_lookup_error') return 'divergence';
  if (c.assumes?.some((a) => a.includes('importable'))) return 'python-modules';
  return 'exact';
}

/** A resolver knowing the Python modules a case assumes importable, and the submodules the case lists. */
export function pythonModulesResolver(c: TorchLogsCase): ModuleResolver {
  const modules = new Set<string>();
  for (const a of c.assumes ?? []) {
    const m = /^module '([^']+)' importable/.exec(a);
    if (m) modules.add(m[1]);
  }
  const roots = [...modules];
  for (const q of Object.keys({ ...c.expect.qnames, ...c.expect.qnames_subset })) {
    if (roots.some((r) => q.startsWith(`${r}.`))) modules.add(q);
  }
  return {
    exists: (q) => modules.has(q),
    submodules: (q) => [...modules].filter((m) => m.startsWith(`${q}.`)).sort(compareCodePoints),
  };
}

/** The whitespace-stripped string PyTorch names in a lookup error (Python's \s set). */
export function pythonStrip(s: string): string {
  return s.replace(/[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/gu, '');
}

export function readFixture(name: string): string {
  return readFileSync(resolve(LOGS_FIXTURES, name), 'utf8');
}
