/**
 * Registries that ship with compilog as data (data/registries/<name>.json), chosen with `--registry <name>`.
 * `pytorch-2.11` is PyTorch 2.11's own registry, read from a running PyTorch, so our parser answers
 * exactly what PyTorch's would.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { CompilogError } from './errors.js';
import { markPytorchRegistry } from './help.js';
import { LogRegistry, type RegistryData } from './registry.js';

// src/logging/ and dist/logging/ both sit two levels below the package root.
const DATA_DIR = new URL('../../data/registries/', import.meta.url);

export function shippedRegistryNames(): string[] {
  if (!existsSync(DATA_DIR)) return [];
  return readdirSync(DATA_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export function loadShippedRegistry(name: string): LogRegistry {
  const file = new URL(`${encodeURIComponent(name)}.json`, DATA_DIR);
  if (!/^[\w.-]+$/.test(name) || !existsSync(file)) {
    throw new CompilogError(
      'E_REGISTRY_UNKNOWN',
      `Unknown registry '${name}'.`,
      `Choose one of: ${shippedRegistryNames().join(', ') || '(none shipped)'}`,
    );
  }
  const data = JSON.parse(readFileSync(file, 'utf8')) as RegistryData;
  const registry = LogRegistry.fromData(data);
  // PyTorch's own registries print PyTorch's examples in their help text.
  return name.startsWith('pytorch-') ? markPytorchRegistry(registry) : registry;
}
