/**
 * What produced the trace: the PyTorch, Python, Triton and CUDA versions PyTorch records in every
 * compilation_metrics record (taken from the first that has them), or a `torch_version` artifact. Shown at the
 * top of the index page, so a shared report says which build it came from (tlparse#11, #73).
 */
import type { CompilationMetricsMeta } from '../artifacts/index.js';

export interface Producer {
  /** label → version, in display order */
  versions: Array<[label: string, version: string]>;
}

const FIELDS: Array<[key: string, label: string]> = [
  ['pytorch_version', 'PyTorch'],
  ['python_version', 'Python'],
  ['triton_version', 'Triton'],
  ['cuda_version', 'CUDA'],
];

/** The versions a compilation_metrics record names, or null if it names none. */
export function producerFromMetrics(m: CompilationMetricsMeta): Producer | null {
  const versions: Producer['versions'] = [];
  for (const [key, label] of FIELDS) {
    const v = m[key];
    if (typeof v !== 'string' || v.trim() === '') continue;
    // Python's sys.version continues with the build date and compiler: the first word is the version
    versions.push([label, (label === 'Python' ? v.trim().split(/\s+/)[0] : v.trim()).slice(0, 100)]);
  }
  return versions.length > 0 ? { versions } : null;
}

/** A `torch_version` artifact's payload (a version string), or null if it does not look like one. */
export function producerFromTorchVersion(text: string): Producer | null {
  let v = text.trim();
  try {
    const parsed: unknown = JSON.parse(v);
    if (typeof parsed === 'string') v = parsed;
    else if (typeof parsed === 'object' && parsed !== null) {
      const o = parsed as Record<string, unknown>;
      const s = o.version ?? o.torch_version ?? o.__version__;
      if (typeof s !== 'string') return null;
      v = s;
    }
  } catch {
    // a plain string payload
  }
  v = v.trim();
  return v !== '' && v.length <= 100 && !v.includes('\n') ? { versions: [['PyTorch', v]] } : null;
}

interface Artifact {
  url: string;
  name: string;
  link?: boolean;
}

/**
 * The config artifacts (e.g. `torch._functorch.config`) of the first compile that logged any, in log order:
 * PyTorch logs them with every compile, so the first compile's are "the configs at the first compile" (and
 * thousands of compiles need not be searched).
 */
export function firstConfigs(
  compiles: Iterable<{ artifacts: readonly Artifact[] }>,
): Array<{ name: string; url: string }> {
  for (const c of compiles) {
    const seen = new Map<string, string>();
    for (const a of c.artifacts) {
      if (a.link || !a.name.endsWith('.txt')) continue;
      const m = CONFIG_FILE.exec(a.name.slice(a.name.lastIndexOf('/') + 1));
      if (m !== null && !seen.has(m[1])) seen.set(m[1], a.url);
    }
    if (seen.size > 0) return [...seen].map(([name, url]) => ({ name, url }));
  }
  return [];
}

const CONFIG_FILE = /^(.*\.config)_\d+\.txt$/;
