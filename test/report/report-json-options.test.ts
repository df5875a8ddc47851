import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INPUTS, readJson, reportCli, tmp } from './support.js';

const cli = reportCli;

describe('report.json options', () => {
  it('records every option that shaped the report', () => {
    const dir = tmp();
    const out = join(dir, 'out');
    const input = join(INPUTS, 'inputs/comp_metrics.log');
    expect(cli(input, '--out', out, '--strict', '-i', '--plain-text', '--compare').code).toBe(0);
    expect((readJson(join(out, 'report.json')) as { options: unknown }).options).toEqual({
      out,
      latest: false,
      allRanks: false,
      plainText: true,
      overwrite: false,
      strict: true,
      inductorProvenance: true,
      exportMode: false,
      compare: true,
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
      compare: false,
    });
  });
});
