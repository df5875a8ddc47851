// In-process test harness: a fresh logging state with a fixed clock and pid, a private environment and stderr
// captured in memory.
import { readFileSync } from 'node:fs';
import { registerArtifact, registerLog, resetLogging } from '../../src/logging/index.js';
import type { TextSink } from '../../src/logging/output.js';

export class Capture implements TextSink {
  text = '';
  write(text: string): void {
    this.text += text;
  }
  flush(): void {}
  lines(): string[] {
    return this.text.split('\n').filter((l) => l !== '');
  }
}

/** 2026-11-26 12:28:44.736412 local time, like PyTorch's example line. */
export const FIXED_TIME = new Date(2026, 10, 26, 12, 28, 44, 736).getTime() + 0.412;
export const FIXED_PID = 4242;

export function freshState(
  env: Record<string, string> = {},
  options: { colour?: boolean; keepRegistrations?: boolean } = {},
): Capture {
  const stderr = new Capture();
  resetLogging({
    keepRegistrations: options.keepRegistrations ?? false,
    overrides: {
      now: () => FIXED_TIME,
      pid: FIXED_PID,
      hostname: 'host',
      stderr,
      env,
      colour: options.colour ?? false,
    },
  });
  return stderr;
}

/** The 1-based line of this repo file that contains `marker` (so golden lines name exact call sites). */
export function lineOf(file: string, marker: string): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`marker ${marker} not in ${file}`);
  return i + 1;
}

/** A small compiler's registrations (aliases torch/dynamo/inductor, one visible and one off-by-default artifact). */
export function registerCompiler(): void {
  registerLog('torch', ['c']);
  registerLog('dynamo', ['c.dynamo']);
  registerLog('inductor', ['c.inductor']);
  registerArtifact('guards', { description: 'guards', visible: true });
  registerArtifact('output_code', { description: 'code', offByDefault: true });
}

/** The message part of each printed line (after the glog prefix's `] `). */
export const messages = (text: string): string[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.slice(l.indexOf('] ') + 2));
