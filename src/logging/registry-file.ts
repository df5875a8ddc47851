/**
 * Loading a registry for the CLI: a shipped name (`pytorch-2.11`) or a path to a JSON file in the RegistryData
 * shape, so users can check TORCH_LOGS strings against their own compiler's registrations.
 */
import { existsSync, readFileSync } from 'node:fs';
import { CompilogError } from './errors.js';
import { markPytorchRegistry } from './help.js';
import { LogRegistry, type RegistryData } from './registry.js';
import { loadShippedRegistry } from './shipped-registries.js';

/** Treated as a path when it contains a path separator or ends in `.json`; otherwise a shipped registry name. */
export function loadRegistry(nameOrPath: string): LogRegistry {
  if (/[/\\]/.test(nameOrPath) || nameOrPath.endsWith('.json')) return loadRegistryFile(nameOrPath);
  return loadShippedRegistry(nameOrPath);
}

export function loadRegistryFile(path: string): LogRegistry {
  if (!existsSync(path)) {
    throw new CompilogError(
      'E_REGISTRY_FILE',
      `Registry file not found: ${path}`,
      'Pass a shipped registry name (e.g. pytorch-2.11) or the path of a JSON file with "logs" and "artifacts".',
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CompilogError(
      'E_REGISTRY_INVALID',
      `Registry file ${path} is not valid JSON: ${(err as Error).message}`,
      'The file must be one JSON object: {"logs": {"alias": ["qname", ...]}, "artifacts": [{"name": ...}]}.',
    );
  }
  const registry = LogRegistry.fromData(validateRegistryData(data, path));
  // A registry dumped from PyTorch carries its version; its help text then uses PyTorch's examples.
  if (typeof (data as { torch_version?: unknown }).torch_version === 'string') markPytorchRegistry(registry);
  return registry;
}

/** Checks the RegistryData shape; `description`, `visible` and `off_by_default` may be omitted. */
export function validateRegistryData(data: unknown, source = 'registry'): RegistryData {
  const fail = (what: string): never => {
    throw new CompilogError(
      'E_REGISTRY_INVALID',
      `Invalid registry ${source}: ${what}`,
      'Expected {"logs": {"alias": ["qname", ...]}, "artifacts": [{"name": "x", "description": "...", "visible": true, "off_by_default": false}]}.',
    );
  };
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return fail('not a JSON object');
  const { logs = {}, artifacts = [] } = data as { logs?: unknown; artifacts?: unknown };
  if (typeof logs !== 'object' || logs === null || Array.isArray(logs))
    return fail('"logs" must be an object');
  const outLogs: Record<string, string[]> = {};
  for (const [alias, qnames] of Object.entries(logs)) {
    const list = typeof qnames === 'string' ? [qnames] : qnames;
    if (!Array.isArray(list) || !list.every((q) => typeof q === 'string' && q !== '')) {
      return fail(`"logs.${alias}" must be a qname or a list of qnames`);
    }
    outLogs[alias] = list;
  }
  if (!Array.isArray(artifacts)) return fail('"artifacts" must be an array');
  const outArtifacts = artifacts.map((a: unknown, i) => {
    if (typeof a !== 'object' || a === null) return fail(`artifacts[${i}] must be an object`);
    const { name, description = '', visible = false, off_by_default = false } = a as Record<string, unknown>;
    if (typeof name !== 'string' || name === '')
      return fail(`artifacts[${i}].name must be a non-empty string`);
    if (typeof description !== 'string') return fail(`artifacts[${i}].description must be a string`);
    if (typeof visible !== 'boolean') return fail(`artifacts[${i}].visible must be a boolean`);
    if (typeof off_by_default !== 'boolean') return fail(`artifacts[${i}].off_by_default must be a boolean`);
    return { name, description, visible, off_by_default };
  });
  return { logs: outLogs, artifacts: outArtifacts };
}
