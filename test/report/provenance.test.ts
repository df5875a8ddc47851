// --inductor-provenance: the provenance pages tlparse -i writes, with the line mappings its tests assert.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeReport } from '../../src/report/index.js';
import { EXPECTED, INPUTS, listFiles, manifest, readJson, tlparseLayout, tmp } from './support.js';

const expectedMaps = readJson(join(EXPECTED, 'provenance_line_mappings.json')) as Record<string, unknown>;
const cases: Array<[string, string, string]> = [
  ['aot_cuda', 'inductor_provenance_aot_cuda_log.txt', '-_-_-_-'],
  ['aot_debug_handle', 'inductor_provenance_aot_debug_handle_log.txt', '-_-_-_-'],
  ['aot', 'inductor_provenance_aot_log.txt', '-_-_-_-'],
  ['aot_old', 'inductor_provenance_aot_log_old.txt', '-_-_-_-'],
  ['extended', 'inductor_provenance_extended_log.txt', '-_-_-_-'],
  ['jit_cuda', 'inductor_provenance_jit_cuda_log.txt', '-_0_0_0'],
  ['jit', 'inductor_provenance_jit_log.txt', '-_0_0_0'],
  ['jit_debug_handle', 'inductor_provenance_jit_debug_handle_log.txt', '-_0_0_0'],
];

function embeddedMappings(html: string): unknown {
  const m = /<script id="lineMappings" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
  return m === null ? null : JSON.parse(m[1]);
}

describe.each(cases)('%s', (key, input, dir) => {
  it('writes the same files as tlparse -i and the same line mappings', async () => {
    const out = join(tmp(), 'out');
    await writeReport(join(INPUTS, 'inputs', input), { out, inductorProvenance: true });
    const run = manifest.find((r) => r.name === `${input}__testmode`)!;
    expect(tlparseLayout(listFiles(out))).toEqual(run.files.map((f) => f[0]).sort());
    const html = readFileSync(join(out, `provenance_tracking_${dir}.html`), 'utf8');
    expect(embeddedMappings(html)).toEqual(expectedMaps[key]);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain(`provenance_tracking_${dir}.html`);
  });
});
