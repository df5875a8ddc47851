/**
 * pino and chalk, loaded on first use rather than when compilog is imported: most processes that import
 * compilog never write a json-format record or a coloured line (and `compilog report` never logs), and
 * loading both costs ~30 ms of start-up. chalk is ESM-only; Node ≥ 20.19 `require`s it synchronously.
 */
import { createRequire } from 'node:module';

type ChalkModule = typeof import('chalk');
type PinoModule = typeof import('pino');

const load = createRequire(import.meta.url);
let chalkModule: ChalkModule | undefined;
let pinoModule: PinoModule | undefined;

export function chalk(): ChalkModule {
  if (chalkModule === undefined) chalkModule = load('chalk') as ChalkModule;
  return chalkModule;
}

export function pino(): PinoModule {
  if (pinoModule === undefined) pinoModule = load('pino') as PinoModule;
  return pinoModule;
}
