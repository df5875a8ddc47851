// The counts line of `compilog report` and `compilog demo`: a noun in the right number for every count.
import { describe, expect, it } from 'vitest';
import { countText, reportCounts } from '../../src/cli/counts.js';

describe('report counts', () => {
  it('uses the singular for exactly one and the plural otherwise', () => {
    expect(reportCounts(1, 1, 1)).toBe('1 compile, 1 artifact, 1 failure/restart');
    expect(reportCounts(0, 5, 2)).toBe('0 compiles, 5 artifacts, 2 failures/restarts');
    expect(countText(3, 'bad trace line')).toBe('3 bad trace lines');
  });
});
