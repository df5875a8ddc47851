// The two escapers every page uses: what they output can never open markup, and it reads back as the input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, escapeText, localHref } from '../../src/report/escape.js';

const decodeEntities = (s: string) =>
  s.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!,
  );

// long and short strings take different paths (a character loop, or native passes past 64 characters)
const text = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: fc.constantFrom('a', '<', '>', '&', '"', "'", 'é', '\n', '&amp;'), maxLength: 400 }),
);

describe('escapeText (text between tags)', () => {
  it('leaves no < or >, every & starts an entity, and reads back as the input', () => {
    fc.assert(
      fc.property(text, (s) => {
        const e = escapeText(s);
        expect(e).not.toMatch(/[<>]/);
        expect(e).not.toMatch(/&(?!amp;|lt;|gt;)/);
        expect(decodeEntities(e)).toBe(s);
      }),
    );
  });

  it('keeps quotes and returns clean text unchanged', () => {
    expect(escapeText(`{"a": "<b>" & 'c'}`)).toBe(`{"a": "&lt;b&gt;" &amp; 'c'}`);
    const long = `${'"x": 1, '.repeat(20)}<script>`;
    expect(escapeText(long)).toBe(`${'"x": 1, '.repeat(20)}&lt;script&gt;`);
    const clean = 'torch/_dynamo/convert_frame.py';
    expect(escapeText(clean)).toBe(clean);
  });
});

describe('escapeHtml (text and attribute values)', () => {
  it('leaves no markup or quote characters and reads back as the input', () => {
    fc.assert(
      fc.property(text, (s) => {
        const e = escapeHtml(s);
        expect(e).not.toMatch(/[<>"']/);
        expect(decodeEntities(e)).toBe(s);
      }),
    );
  });
});

describe('localHref (links to files the report wrote)', () => {
  const reference = (p: string): string =>
    escapeHtml(
      p
        .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
        .split('/')
        .map(encodeURIComponent)
        .join('/'),
    );
  const paths = fc.oneof(
    fc.string({
      unit: fc.constantFrom('a', 'Z', '0', '_', '.', '~', '-', '/', '#', '?', '%', '\\', ' ', '&', '"'),
      maxLength: 60,
    }),
    fc.string({ unit: 'binary', maxLength: 40 }),
  );
  it('percent-encodes every segment and escapes the result, plain paths included, lone surrogates too', () => {
    fc.assert(
      fc.property(paths, (p) => {
        expect(localHref(p)).toBe(reference(p));
      }),
      { numRuns: 3000 },
    );
  });
  it('decodes back to the path on disk (segments keep their slashes)', () => {
    expect(localHref('-_0_0_0/a#b?c%d\\e_0.txt')).toBe('-_0_0_0/a%23b%3Fc%25d%5Ce_0.txt');
    expect(localHref('-_0_0_0/inductor_output_code_x_12.html')).toBe(
      '-_0_0_0/inductor_output_code_x_12.html',
    );
    expect(decodeURIComponent(localHref('dir/\ud800x.txt'))).toBe('dir/\ufffdx.txt');
  });
});
