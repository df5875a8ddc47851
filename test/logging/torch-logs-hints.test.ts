// The parts of TORCH_LOGS errors that PyTorch does not have: where the problem is and what to write instead.
import { describe, expect, it } from 'vitest';
import { editDistance, suggestNames } from '../../src/logging/did-you-mean.js';
import { loadShippedRegistry, parseTorchLogs, TorchLogsError } from '../../src/logging/index.js';

const registry = loadShippedRegistry('pytorch-2.11');

function rejection(settings: string): TorchLogsError {
  try {
    parseTorchLogs(settings, registry, { stripOuterQuotes: false });
  } catch (err) {
    if (err instanceof TorchLogsError) return err;
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(settings)}`);
}

describe('syntax hints point at the character and say why', () => {
  it.each([
    ['dynamo ,aot', 7, ' ', 'whitespace before a comma'],
    [' dynamo', 1, ' ', 'starts with whitespace'],
    ['dynamo ', 7, ' ', 'trailing whitespace'],
    ['dynamo aot', 7, ' ', "separated by ','"],
    ['dynamo,', 8, '', 'ends with a comma'],
    [',dynamo', 1, ',', 'starts with a comma'],
    ['dynamo,,aot', 8, ',', 'empty item'],
    ['++dynamo', 2, '+', "only one '+' or '-'"],
    ['+', 2, '', 'must be followed by a name'],
    ['dynamo,+ inductor', 9, ' ', "between '+' and the name"],
    ['dynamo+', 7, '+', 'only at the start of an item'],
    ['dyn-amo', 4, '-', 'cannot appear inside a name'],
    ['dynamo;aot', 7, ';', 'not a separator'],
    ['dynamo:DEBUG', 7, ':', 'no name:LEVEL syntax'],
    ['"dynamo"', 1, '"', 'the value should be dynamo'],
    ['dynamo,\u00e9\u0301', 9, '\u0301', 'U+0301'],
  ])('%j: column %i', (settings, column, token, text) => {
    const err = rejection(settings);
    expect(err.code).toBe('E_LOGS_SYNTAX');
    expect(err.stage).toBe('syntax');
    expect(err.column).toBe(column);
    expect(err.token).toBe(token);
    expect(err.hint).toContain(text);
  });

  it("suggests '_' for '-' inside a registered name", () => {
    expect(rejection('+output-code').hint).toContain("Did you mean 'output_code'?");
  });
});

describe('lookup hints', () => {
  it.each([
    ['aot_g', ['aot_graphs', 'aot_graphs_effects']],
    ['aot_autograd', ['aot', 'autograd']],
    ['Dynamo', ['dynamo']],
    ['dynamö', ['dynamo']],
    ['graph_break', ['graph_breaks']],
    ['recompile', ['recompiles', 'recompiles_verbose']],
  ])('%j suggests %j first', (settings, first) => {
    const err = rejection(settings);
    expect(err.code).toBe('E_LOGS_UNKNOWN_NAME');
    expect(err.suggestions.slice(0, first.length)).toEqual(first);
    expect(err.hint).toContain(`Did you mean '${first[0]}'`);
  });

  it('names the item and its column in the string as typed', () => {
    const err = rejection('dynamo,\u3000guards,  nope');
    expect([err.token, err.column]).toEqual(['nope', 18]);
    expect(err.hint).toContain('item 3, column 18');
  });

  it('explains help inside a list and the nearest known ancestor of a qualified name', () => {
    expect(rejection('-help').hint).toContain('only as the whole value');
    expect(rejection('torch._dynamo.guard').hint).toContain("nearest known ancestor is 'torch._dynamo'");
  });

  it('gives no suggestion when nothing is close', () => {
    expect(rejection('zzzzzzzz').suggestions).toEqual([]);
  });
});

describe('suggestNames / editDistance', () => {
  it('counts a swap once and stops early past the limit', () => {
    expect(editDistance('dyanmo', 'dynamo')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('abc', 'xyzxyzxyz', 2)).toBe(3);
  });

  it('prefers case-insensitive equality, then prefixes, then parts, then distance', () => {
    expect(suggestNames('GUARDS', ['guards', 'guard', 'verbose_guards'])).toEqual(['guards', 'guard']);
    expect(suggestNames('sched', ['schedule', 'scheduler_x', 'shed'])).toEqual([
      'schedule',
      'scheduler_x',
      'shed',
    ]);
  });
});
