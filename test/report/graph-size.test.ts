// The FX node count of a printed graph: a one-pass line scan, held to the regular expression it replaced
// (on lines short enough for that expression) and to hostile lines that made the expression backtrack for
// minutes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countGraphNodes } from '../../src/report/graph-size.js';

/** The expression the scan replaced (one FX node per line, renames and non-bindings excluded). */
const REFERENCE =
  /^[ \t]+(?:return\b|[A-Za-z_]\w*(?:[ \t]*:[ \t]*[^=\n]+?)?[ \t]*=[ \t](?![ \t]*[A-Za-z_]\w*[ \t]*$))/gm;
const referenceCount = (body: string) => body.match(REFERENCE)?.length ?? 0;

describe('countGraphNodes', () => {
  it('counts a printed Dynamo graph as FX does (inputs, nodes, output; renames are not nodes)', () => {
    const graph = [
      'class GraphModule(torch.nn.Module):',
      '    def forward(self, s27: "Sym(s27)", L_x_: "f32[8, s27][s27, 1]cuda:0"):',
      '        l_x_ = L_x_',
      '        exp: "f32[8, s27][s27, 1]cuda:0" = l_x_.exp();  l_x_ = None',
      '        mul: "f32[8, s27][s27, 1]cuda:0" = exp * 2;  exp = None',
      '        softmax: "f32[8, s27][s27, 1]cuda:0" = mul.softmax(-1);  mul = None',
      '        return (softmax,)',
    ].join('\n');
    // 2 inputs + 3 nodes + the output: compilation_metrics' graph_node_count for this compile of p3
    expect(countGraphNodes(graph)).toBe(6);
  });

  // (no CR: the reader removes them from payload lines; the expression also took a lone CR as a line break)
  it('property: agrees with the expression it replaced on any short lines', () => {
    const piece = fc.constantFrom(
      ' ',
      '\t',
      'x',
      'L_x_',
      '_',
      '1',
      ':',
      '=',
      '"f32[2]"',
      'return',
      'r',
      '(',
      ')',
      ',',
      '#',
    );
    const line = fc.array(piece, { maxLength: 12 }).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), (lines) => {
        const body = lines.join('\n');
        expect(countGraphNodes(body)).toBe(referenceCount(body));
      }),
      { numRuns: 5000 },
    );
  });

  it('stays linear on hostile lines (the expression took ~3 s on 2,000 blanks and grew cubically)', () => {
    const blanks = ' '.repeat(200_000);
    expect(
      countGraphNodes(`def forward(self):\n\tx:${blanks}\n\tx${'\t'.repeat(200_000)}:${blanks}y\n`),
    ).toBe(0);
    expect(countGraphNodes(`\ty: T${blanks}= f(x)\n`)).toBe(1);
  });
});
