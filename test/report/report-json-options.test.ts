// report.json's `options`: every option that shaped the report (the built CLI).
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INPUTS, readJson, tmp } from './support.js';

const CLI = resolve('dist/cli.js');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'report', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('report.json options', () => {
  it('records every option that shaped the report', () => {
    const dir = tmp();
    const out = join(dir, 'out');
    const input = join(INPUTS, 'inputs/comp_metrics.log');
    expect(cli(input, '--out', out, '--strict', '-i', '--plain-text').code).toBe(0);
    expect((readJson(join(out, 'report.json')) as { options: unknown }).options).toEqual({
      out,
      latest: false,
      allRanks: false,
      plainText: true,
      overwrite: false,
      strict: true,
      inductorProvenance: true,
      exportMode: false,
    });
    const exp = join(dir, 'exp');
    expect(cli(join(INPUTS, 'inputs/export.log'), '--out', exp, '--export').code).toBe(0);
    expect((readJson(join(exp, 'report.json')) as { options: unknown }).options).toEqual({
      out: exp,
      latest: false,
      allRanks: false,
      plainText: false,
      overwrite: false,
      strict: false,
      inductorProvenance: false,
      exportMode: true,
    });
  });
});
