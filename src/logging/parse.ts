/**
 * The TORCH_LOGS grammar with PyTorch 2.11's semantics (work in progress: interface first).
 */
import { CompilogError } from './errors.js';
import type { LogRegistry } from './registry.js';
import { emptySettings, type LogSettings } from './settings.js';

/** Answers "is this qualified logger name something we can log to?" (PyTorch asks importlib). */
export interface ModuleResolver {
  exists(qname: string): boolean;
  /** The qname and every descendant to set explicitly (PyTorch's directory-based expansion); default: just qname. */
  submodules?(qname: string): string[];
}

export interface ParseOptions {
  resolver?: ModuleResolver;
  /** Register module tokens in `registry` like PyTorch does (new alias or child log). Default true. */
  register?: boolean;
}

export function parseTorchLogs(settings: string, _registry: LogRegistry, _options: ParseOptions = {}): LogSettings {
  if (settings === '') return emptySettings();
  throw new CompilogError('E_LOGS_SYNTAX', 'parseTorchLogs: not implemented yet');
}
