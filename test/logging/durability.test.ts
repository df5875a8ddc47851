// Nothing logged is lost when the process ends abruptly: 100k lines to TORCH_LOGS_OUT and to stderr (a file),
// then process.exit(0), an uncaught exception, or SIGTERM (sent by the process itself, or by the parent).
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanChildEnv, expectAllLines, REPO, TSX_FLAGS } from './support.js';

const SCRIPT = resolve(REPO, 'test/logging/fixtures/write-lines.ts');
const N = 100_000;

async function run(
  mode: string,
  format?: string,
): Promise<{ code: number | null; signal: string | null; out: string; err: string }> {
  const dir = mkdtempSync(join(tmpdir(), `compilog-durability-${mode}-`));
  const outPath = join(dir, 'logs_out.txt');
  const errPath = join(dir, 'stderr.txt');
  const errFd = openSync(errPath, 'w');
  const child = spawn(process.execPath, [...TSX_FLAGS, SCRIPT, mode, String(N)], {
    cwd: REPO,
    env: cleanChildEnv({
      TORCH_LOGS: 'app',
      TORCH_LOGS_OUT: outPath,
      ...(format === undefined ? {} : { TORCH_LOGS_FORMAT: format }),
    }),
    stdio: ['ignore', 'pipe', errFd],
  });
  closeSync(errFd);
  if (mode === 'wait-sigterm') {
    child.stdout?.once('data', () => child.kill('SIGTERM'));
  }
  const [code, signal] = await new Promise<[number | null, string | null]>((r) =>
    child.on('close', (c, s) => r([c, s])),
  );
  return { code, signal, out: readFileSync(outPath, 'utf8'), err: readFileSync(errPath, 'utf8') };
}

describe('durability at abrupt exits', () => {
  it.each([
    ['exit', 0, null],
    ['throw', 1, null],
    ['sigterm', null, 'SIGTERM'],
    ['wait-sigterm', null, 'SIGTERM'],
  ])('%s: all 100k lines reach TORCH_LOGS_OUT and stderr, in order', async (mode, code, signal) => {
    const r = await run(mode);
    expect(r.code).toBe(code);
    expect(r.signal).toBe(signal);
    expectAllLines(r.out, N);
    expectAllLines(r.err, N);
    // The file holds exactly what stderr shows (stderr may also hold the crash report after our lines).
    expect(r.err.startsWith(r.out)).toBe(true);
    if (mode === 'throw') expect(r.err).toContain('uncaught after the loop');
  });

  it.each([['exit'], ['throw'], ['sigterm']])('json format, %s: all 100k records arrive', async (mode) => {
    const r = await run(mode, 'json');
    expectAllLines(r.out, N);
    expectAllLines(r.err, N);
    expect(JSON.parse(r.out.split('\n')[0]!)).toMatchObject({ name: 'app', msg: 'line 0', level: 30 });
  });
});
