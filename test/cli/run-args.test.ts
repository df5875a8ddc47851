// How `compilog run` splits its arguments: compilog's options before the script, the script's own after it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { protectRunArgs, splitRunArgs } from '../../src/cli/run-args.js';

describe('splitRunArgs', () => {
  it('takes option values as typed, in both spellings', () => {
    const r = splitRunArgs([
      'run',
      '--logs',
      '-dynamo',
      '--trace=t',
      '--format',
      '123',
      '--no-check',
      's.ts',
      'a',
    ]);
    expect(r.options).toEqual({ logs: '-dynamo', trace: 't', format: '123', check: false });
    expect(r.script).toBe('s.ts');
    expect(r.scriptArgs).toEqual(['a']);
    expect(r.yargsArgs).toEqual(['run', '--logs=-dynamo', '--trace=t', '--format=123', '--no-check', 's.ts']);
  });

  it('a -- before or right after the script is dropped; later ones belong to the script', () => {
    expect(splitRunArgs(['run', '--', 's.ts', '--', '--', 'x'])).toMatchObject({
      script: 's.ts',
      scriptArgs: ['--', 'x'],
    });
  });

  it('a missing option value is E_RUN_USAGE; protectRunArgs leaves that to yargs', () => {
    expect(() => splitRunArgs(['run', '--logs'])).toThrow(expect.objectContaining({ code: 'E_RUN_USAGE' }));
    expect(protectRunArgs(['run', '--logs'])).toEqual(['run', '--logs']);
  });

  it('other commands pass through untouched; demo gets --logs joined to its value', () => {
    expect(protectRunArgs(['logs', 'parse', '-dynamo'])).toEqual(['logs', 'parse', '-dynamo']);
    expect(protectRunArgs(['report', 'run', '--out', 'x'])).toEqual(['report', 'run', '--out', 'x']);
    expect(protectRunArgs(['demo', '--logs', '-dynamo', '--traces', 't'])).toEqual([
      'demo',
      '--logs=-dynamo',
      '--traces',
      't',
    ]);
  });

  it('property: whatever follows the script reaches it verbatim and is hidden from yargs', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), fc.array(fc.string()), (before, after) => {
        // compilog options before the script, in the --name=value form
        const opts = before.map((v, i) => `--${['logs', 'trace', 'format', 'out'][i % 4]}=${v}`);
        const script = 'script.ts';
        const args = ['run', ...opts, script, ...(after[0] === '--' ? after.slice(1) : after)];
        const r = splitRunArgs(args);
        expect(r.script).toBe(script);
        expect(r.scriptArgs).toEqual(after[0] === '--' ? after.slice(1) : after);
        expect(r.yargsArgs).toEqual(['run', ...opts, script]);
      }),
    );
  });
});
