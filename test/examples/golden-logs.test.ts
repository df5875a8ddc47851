/**
 * Golden logs of the examples: `TORCH_LOGS=<setting> compilog run examples/<name>.ts` through the built CLI,
 * stderr compared byte for byte with test/golden/<name>.<setting>.txt after two normalisations (the glog
 * time and pid, which change every run, and the repository's absolute path, which changes per checkout).
 * `UPDATE_GOLDEN=1 npx vitest run test/examples/golden-logs.test.ts` rewrites the files.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = resolve(ROOT, 'dist/cli.js');
const GOLDEN = resolve(ROOT, 'test/golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const CASES: ReadonlyArray<readonly [example: string, logs: string]> = [
  ['recompile', 'recompiles'],
  ['recompile', 'guards'],
  ['recompile', 'graph_code'],
  ['graph-break', 'graph_breaks'],
  ['graph-break', 'graph_code'],
  ['graph-break', 'guards'],
  ['graph-break', 'graph'],
  ['mlp', 'graph_code'],
  ['mlp', 'guards'],
];

/**
 * `V1126 13:51:02.988076 20654 src/...` -> `VMMDD HH:MM:SS.ffffff PID src/...`; the checkout path -> `<repo>`;
 * the line numbers of compilog's own files (`src/runtime/capture/instrument.ts:284` ->
 * `src/runtime/capture/instrument.ts:LINE`), which move with any edit to them. The file names stay, and
 * user files (`examples/mlp.ts:23`) keep their exact lines: those are what the logs must get right.
 */
export function normalise(text: string): string {
  return text
    .replace(/^([VIWEC])(\d{4}) \d{2}:\d{2}:\d{2}\.\d{6} \d+ /gm, '$1MMDD HH:MM:SS.ffffff PID ')
    .replaceAll(ROOT, '<repo>')
    .replace(OWN_FILE_LINE, '$1:LINE');
}

/** A compilog source file (`src/...` or `dist/...`, relative or under `<repo>/`) followed by `:<line>`. */
const OWN_FILE_LINE = /((?<![\w./-])(?:<repo>\/)?(?:src|dist)\/[\w./-]+\.(?:ts|js)):\d+/g;

function runExample(example: string, logs: string): string {
  const env: NodeJS.ProcessEnv = { ...process.env, TORCH_LOGS: logs };
  for (const name of ['TORCH_TRACE', 'TORCH_DTRACE', 'TORCH_LOGS_FORMAT', 'TORCH_LOGS_OUT']) delete env[name];
  const r = spawnSync(process.execPath, [CLI, 'run', `examples/${example}.ts`], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return normalise(r.stderr);
}

describe.skipIf(!existsSync(CLI))(
  'golden TORCH_LOGS output of the examples (built CLI)',
  { timeout: 60_000 },
  () => {
    for (const [example, logs] of CASES) {
      it(`TORCH_LOGS=${logs} compilog run examples/${example}.ts`, () => {
        const file = resolve(GOLDEN, `${example}.${logs}.txt`);
        const got = runExample(example, logs);
        expect(got.length, 'the setting prints something').toBeGreaterThan(0);
        if (UPDATE || !existsSync(file)) writeFileSync(file, got);
        expect(got).toBe(readFileSync(file, 'utf8'));
      });
    }

    it("the normalisation only touches the time, the pid, the checkout path and compilog's own line numbers", () => {
      const line = `V1126 13:51:02.988076 20654 src/runtime/capture/instrument.ts:184] [0/0] [__graph_code] # File: ${ROOT}/examples/mlp.ts:23`;
      expect(normalise(line)).toBe(
        'VMMDD HH:MM:SS.ffffff PID src/runtime/capture/instrument.ts:LINE] [0/0] [__graph_code] # File: <repo>/examples/mlp.ts:23',
      );
      // own files anywhere in a line, absolute or relative, .ts or built .js; user files and other
      // paths that merely end in src/ keep their numbers
      expect(
        normalise(
          `  at f (${ROOT}/src/logging/caller.ts:12:5) dist/cli.js:7 examples/src/x.ts:9 mysrc/a.ts:3`,
        ),
      ).toBe(
        '  at f (<repo>/src/logging/caller.ts:LINE:5) dist/cli.js:LINE examples/src/x.ts:9 mysrc/a.ts:3',
      );
      // a change of a user line number is still a difference
      expect(normalise('W1126 13:51:02.988076 1 src/a.ts:5] x (<repo>/examples/mlp.ts:24)')).not.toBe(
        normalise('W1126 13:51:02.988076 1 src/a.ts:6] x (<repo>/examples/mlp.ts:23)'),
      );
    });
  },
);
