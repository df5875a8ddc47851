/**
 * Process-wide defaults of the capture stage, set by the runtime's entry point (src/runtime/index.ts) so that
 * capture does not import the backend (which imports capture's types): the backend compile() uses when none is
 * given, and a source of backend figures merged into each `compilation_metrics` record.
 */
import type { Backend } from './api.js';

let backend: Backend | undefined;
let metricsProvider: ((compileId: string) => object | undefined) | undefined;

/** The backend `compile(fn)` uses without `{ backend }` (PyTorch's default is inductor). */
export function setDefaultBackend(b: Backend): void {
  backend = b;
}

export function defaultBackend(): Backend | undefined {
  return backend;
}

/** Figures the backend recorded for a compile id (`0/1`), added to that compile's `compilation_metrics`. */
export function setMetricsProvider(provider: (compileId: string) => object | undefined): void {
  metricsProvider = provider;
}

export function backendMetricsFor(compileId: string): object | undefined {
  return metricsProvider?.(compileId);
}
