// Property tests of the TORCH_LOGS parser: total on any input, agrees with itself, last token wins.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEBUG,
  ERROR,
  findSyntaxProblem,
  INFO,
  isCompilogError,
  isValidTorchLogsSyntax,
  loadShippedRegistry,
  parseTorchLogs,
} from '../../src/logging/index.js';

const registry = loadShippedRegistry('pytorch-2.11');
const KNOWN_CODES = new Set(['E_LOGS_SYNTAX', 'E_LOGS_UNKNOWN_NAME', 'E_LOGS_HELP', 'E_LOGS_HELP_VERBOSE']);
const ALIASES = [...registry.aliases.keys()];
const ARTIFACTS = [...registry.artifacts.keys()];
// Python's whitespace set (what may follow a comma), including the exotic members JavaScript's \s lacks.
const PY_SPACES = [' ', '\t', '\n', '\r', '\v', '\f', '\x1c', '\x1f', '\x85', '\xa0', '\u2003', '\u3000'];

/** Strings made of the pieces that matter to the grammar, plus arbitrary unicode. */
const nasty = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        ',',
        '+',
        '-',
        '.',
        '_',
        ' ',
        '\t',
        '\n',
        '\u3000',
        '\x85',
        '\ufeff',
        '"',
        "'",
        ':',
        ';',
        'ö',
        '\u0301',
        '\ud800',
        '😀',
        'all',
        'help',
        'torch',
        '__trace',
        ...ALIASES,
        ...ARTIFACTS.slice(0, 10),
      ),
      fc.string({ unit: 'binary', maxLength: 3 }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

const anyString = fc.oneof(nasty, fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 40 }));

describe('parseTorchLogs on any string', () => {
  it('returns settings or throws a CompilogError with a known code, never anything else', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        try {
          const parsed = parseTorchLogs(s, registry);
          expect(parsed.qnames).toBeInstanceOf(Map);
          for (const level of parsed.qnames.values()) expect([DEBUG, INFO, ERROR]).toContain(level);
        } catch (err) {
          expect(isCompilogError(err)).toBe(true);
          expect(KNOWN_CODES.has((err as { code: string }).code)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('the diagnostic scanner agrees with the regex, and points inside the string', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        fc.pre(s !== '');
        const problem = findSyntaxProblem(s);
        expect(problem === undefined).toBe(isValidTorchLogsSyntax(s));
        if (problem) {
          expect(problem.index).toBeGreaterThanOrEqual(0);
          expect(problem.index).toBeLessThanOrEqual(Array.from(s).length);
          expect(problem.explanation.length).toBeGreaterThan(5);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('never mutates the registry unless asked', () => {
    const before = JSON.stringify([...registry.aliases, ...registry.childLogQnames]);
    fc.assert(
      fc.property(anyString, (s) => {
        try {
          parseTorchLogs(s, registry);
        } catch {
          // errors are fine here
        }
      }),
      { numRuns: 500 },
    );
    parseTorchLogs('torch._dynamo', registry);
    expect(JSON.stringify([...registry.aliases, ...registry.childLogQnames])).toBe(before);
  });
});

const prefix = fc.constantFrom('', '+', '-');
const aliasToken = fc.tuple(prefix, fc.constantFrom(...ALIASES, 'all'));
const token = fc.oneof(aliasToken, fc.tuple(prefix, fc.constantFrom(...ARTIFACTS)));
const spaces = fc.array(fc.constantFrom(...PY_SPACES), { maxLength: 3 }).map((a) => a.join(''));

function join(tokens: Array<[string, string]>, gaps: string[]): string {
  return tokens.map(([p, n], i) => (i === 0 ? '' : `,${gaps[i] ?? ''}`) + p + n).join('');
}

describe('valid lists', () => {
  it('valid tokens joined by "," and any whitespace after each comma always parse', () => {
    fc.assert(
      fc.property(
        fc.array(token, { minLength: 1, maxLength: 10 }),
        fc.array(spaces, { maxLength: 10 }),
        (t, g) => {
          const parsed = parseTorchLogs(join(t, g), registry);
          for (const [, name] of t)
            if (registry.isArtifact(name)) expect(parsed.artifacts.has(name)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('the last token naming a qname decides its level; artifacts ignore prefixes', () => {
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 10 }), (t) => {
        const expected = new Map<string, number>();
        const artifacts = new Set<string>();
        for (const [p, name] of t) {
          const level = p === '+' ? DEBUG : p === '-' ? ERROR : INFO;
          if (registry.isArtifact(name)) artifacts.add(name);
          else for (const q of registry.aliases.get(name === 'all' ? 'torch' : name)!) expected.set(q, level);
        }
        const parsed = parseTorchLogs(join(t, []), registry);
        expect([...parsed.qnames]).toEqual([...expected]);
        expect([...parsed.artifacts].sort()).toEqual([...artifacts].sort());
      }),
      { numRuns: 1000 },
    );
  });

  it('whitespace anywhere but right after a comma is a syntax error', () => {
    fc.assert(
      fc.property(
        fc.array(aliasToken, { minLength: 1, maxLength: 5 }),
        fc.constantFrom(...PY_SPACES),
        fc.nat(),
        (t, space, at) => {
          const s = join(t, []);
          const chars = Array.from(s);
          const i = at % (chars.length + 1);
          fc.pre(i === 0 || chars[i - 1] !== ',');
          const bad = [...chars.slice(0, i), space, ...chars.slice(i)].join('');
          try {
            parseTorchLogs(bad, registry);
            expect.unreachable(`accepted ${JSON.stringify(bad)}`);
          } catch (err) {
            expect((err as { code: string }).code).toBe('E_LOGS_SYNTAX');
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a long list parses in linear time (no regex backtracking blow-up)', () => {
    const long = Array.from({ length: 20000 }, (_, i) => (i % 2 ? '+dynamo' : 'guards')).join(', ');
    const start = performance.now();
    parseTorchLogs(long, registry);
    expect(() => parseTorchLogs(`${long},`, registry)).toThrow();
    expect(() => parseTorchLogs(`${'a,'.repeat(50000)}a ,`, registry)).toThrow();
    expect(performance.now() - start).toBeLessThan(2000);
  });
});
