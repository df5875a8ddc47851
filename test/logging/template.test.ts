// The %-template compiler (TORCH_LOGS_FORMAT, per-artifact formats): Python's conversions, properties over
// arbitrary text, and errors for unknown keys.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileTemplate, TEMPLATE_KEYS } from '../../src/logging/format/template.js';
import { CompilogError, registerArtifact, resetLogging } from '../../src/logging/index.js';
import type { LogRecord } from '../../src/logging/record.js';

const record: LogRecord = {
  name: 'c.dynamo',
  level: 20,
  message: 'hello',
  time: new Date(2026, 10, 26, 12, 28, 44, 736).getTime(),
  artifact: 'guards',
  traceId: '0/1',
  caller: { pathname: '/repo/src/a.ts', display: 'src/a.ts', line: 12, funcName: 'f' },
  error: undefined,
  fields: undefined,
  pid: 7,
  rank: 2,
};

describe('compileTemplate', () => {
  it('renders Python conversions', () => {
    const cases: Array<[string, string]> = [
      ['%(levelname)s:%(name)s:%(message)s', 'INFO:c.dynamo:hello'],
      ['%(levelname)-7s|', 'INFO   |'],
      ['%(levelname)7s|', '   INFO|'],
      ['%(lineno)05d', '00012'],
      ['%(levelno)x %(levelno)X', '14 14'],
      ['%(message).3s', 'hel'],
      ['%(message)r', "'hello'"],
      ['%(artifact)s %(traceid)s %(rank)s %(process)d', 'guards [0/1] 2 7'],
      ['%(pathname)s %(filename)s %(module)s %(funcName)s', '/repo/src/a.ts a.ts a f'],
      ['100%% %(msecs)03d', '100% 736'],
      ['', 'hello'],
    ];
    for (const [fmt, expected] of cases) expect(compileTemplate(fmt).render(record), fmt).toBe(expected);
  });

  it('needs the caller only when a caller attribute is used', () => {
    expect(compileTemplate('%(message)s').needsCaller).toBe(false);
    expect(compileTemplate('%(lineno)d %(message)s').needsCaller).toBe(true);
  });

  it('appends an error stack after the formatted text, as Python appends the traceback', () => {
    const error = new Error('boom');
    expect(compileTemplate('%(levelname)s %(message)s').render({ ...record, error })).toBe(
      `INFO hello\n${error.stack}`,
    );
  });

  it('text without % is printed verbatim; any mix of known keys compiles', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('%') && s !== ''),
        (s) => {
          expect(compileTemplate(s).render(record)).toBe(s);
        },
      ),
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TEMPLATE_KEYS), { minLength: 1, maxLength: 6 }), (keys) => {
        const t = compileTemplate(keys.map((k) => `%(${k})s`).join(' '));
        expect(typeof t.render(record)).toBe('string');
      }),
    );
  });

  it('rejects unknown keys with E_LOGS_FORMAT_KEY naming them', () => {
    fc.assert(
      fc.property(
        fc
          .stringMatching(/^[a-z_]{1,12}$/)
          .filter((k) => !TEMPLATE_KEYS.includes(k) && !(k in Object.prototype)),
        (key) => {
          let error: unknown;
          try {
            compileTemplate(`%(${key})s %(message)s`);
          } catch (err) {
            error = err;
          }
          expect(error).toBeInstanceOf(CompilogError);
          expect((error as CompilogError).code).toBe('E_LOGS_FORMAT_KEY');
          expect((error as CompilogError).message).toContain(`'${key}'`);
        },
      ),
    );
    expect(() => compileTemplate('%(constructor)s')).toThrowError(
      expect.objectContaining({ code: 'E_LOGS_FORMAT_KEY' }),
    );
  });

  it('registerArtifact rejects a bad logFormat at registration', () => {
    resetLogging();
    expect(() => registerArtifact('bad_fmt', { logFormat: '%(nope)s' })).toThrowError(
      expect.objectContaining({ code: 'E_LOGS_FORMAT_KEY' }),
    );
    resetLogging();
  });
});
