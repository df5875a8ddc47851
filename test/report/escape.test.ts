// The two escapers every page uses: what they output can never open markup, and it reads back as the input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, escapeText } from '../../src/report/escape.js';

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
