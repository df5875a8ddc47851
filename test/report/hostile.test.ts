// Hostile trace text (script tags, event handlers, javascript: urls, path traversal) is escaped in every
// HTML page and never written outside the output directory.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml, writeReport } from '../../src/report/index.js';
import { cid, glogPrefix, traceText } from '../artifacts/trace-text.js';
import { listFiles, tmp } from './support.js';

const XSS = '<script>alert(1)</script>';
const IMG = '<img src=x onerror=alert(2)>';
const EVIL = `${XSS}${IMG}"'&`;

function hostileTrace(): string {
  const frame = { line: 1, name: EVIL, filename: 0, loc: EVIL };
  return (
    `${glogPrefix()} {"str": [${JSON.stringify(`/src/${EVIL}.py`)}, 0]}\n` +
    traceText([
      { meta: { dynamo_start: { stack: [frame] }, ...cid(0, 0) } },
      { meta: { dynamo_output_graph: {}, ...cid(0, 0) }, payload: `class GraphModule:\n    x = ${EVIL}` },
      {
        meta: { dynamo_guards: {}, ...cid(0, 0) },
        payload: JSON.stringify([{ code: EVIL, user_stack: [frame] }]),
      },
      {
        meta: { inductor_output_code: { filename: '/tmp/abc.py' }, ...cid(0, 0) },
        payload: `# ${EVIL}\nprint("${EVIL}")`,
      },
      { meta: { artifact: { name: `evil_${IMG}`, encoding: 'string' }, ...cid(0, 0) }, payload: EVIL },
      {
        meta: { artifact: { name: 'recompile_reasons', encoding: 'json' }, ...cid(0, 0) },
        payload: JSON.stringify([EVIL]),
      },
      {
        meta: { artifact: { name: '../../../escaped', encoding: 'string' }, ...cid(0, 0) },
        payload: 'outside?',
      },
      { meta: { link: { name: EVIL, url: 'javascript:alert(3)' }, ...cid(0, 0) } },
      { meta: { dump_file: { name: EVIL }, ...cid(0, 0) }, payload: EVIL },
      {
        meta: {
          artifact: { name: 'inductor_provenance_tracking_kernel_stack_traces', encoding: 'json' },
          ...cid(0, 0),
        },
        payload: JSON.stringify({ [EVIL]: [EVIL] }),
      },
      {
        meta: {
          symbolic_shape_specialization: { symbol: EVIL, sources: [EVIL], value: EVIL, user_stack: [frame] },
          ...cid(0, 0),
        },
      },
      // the index's own views: a graph break's user code, a cache kind, a guard with its source comment
      {
        meta: { artifact: { name: 'dynamo_graph_break_reason', encoding: 'string' }, ...cid(0, 0) },
        payload: `Graph break in user code at /src/${EVIL}.py:3\nGraph Break Reason: x\n\n${EVIL}`,
      },
      {
        meta: { artifact: { name: `evil_${IMG}_cache_miss`, encoding: 'json' }, ...cid(0, 0) },
        payload: '{}',
      },
      {
        meta: { artifact: { name: 'recompile_reasons', encoding: 'json' }, ...cid(0, 0) },
        payload: JSON.stringify([`0/0: ${EVIL}   # ${EVIL}  # /x/${EVIL}.py:3 in ${EVIL}`]),
      },
      {
        meta: {
          compilation_metrics: {
            co_name: EVIL,
            co_filename: EVIL,
            co_firstlineno: 1,
            fail_type: EVIL,
            fail_reason: EVIL,
            fail_user_frame_filename: EVIL,
            restart_reasons: [EVIL],
            graph_op_count: 1,
          },
          ...cid(0, 0),
        },
      },
      { meta: { bwd_compilation_metrics: { fail_type: EVIL, fail_reason: EVIL }, ...cid(0, 0) } },
      { meta: { guard_added: { expr: EVIL, prefix: 'eval' }, stack: [frame] } },
      { meta: { mismatched_fake_kernel: { op: EVIL, reason: EVIL }, stack: [frame] } },
      {
        meta: { chromium_event: {}, stack: [frame] },
        payload: JSON.stringify({ name: EVIL, ph: 'i', ts: 1 }),
      },
    ])
  );
}

describe('hostile trace text', () => {
  const root = tmp('compilog-hostile-');
  const out = join(root, 'deep', 'out');
  let html: Array<[string, string]>;
  beforeAll(async () => {
    const input = join(root, 'dedicated_log_torch_trace_evil.log');
    writeFileSync(input, hostileTrace());
    await writeReport(input, { out });
    html = listFiles(out)
      .filter((f) => f.endsWith('.html'))
      .map((f) => [f, readFileSync(join(out, f), 'utf8')]);
  });

  it('renders a page for every kind that carries hostile text', () => {
    const names = html.map(([f]) => f.replace(/_\d+/g, '_N'));
    for (const p of [
      'index.html',
      'failures_and_restarts.html',
      'dynamo_guards_N.html',
      'compilation_metrics_N.html',
      'inductor_output_code_abc_N.html',
      '_readable.html',
      'bwd_compilation_metrics_N.html',
    ]) {
      expect(
        names.some((n) => n.endsWith(p)),
        p,
      ).toBe(true);
    }
    expect(readdirSync(join(out, 'dump_file')).length).toBe(1);
  });

  it('never contains the hostile markup unescaped, in any HTML page', () => {
    for (const [f, text] of html) {
      expect(text.includes('<script>alert'), f).toBe(false);
      expect(text.includes('<img src=x'), f).toBe(false);
      expect(text.includes('href="javascript:'), f).toBe(false);
      // our own scripts are the only script tags: none outside the code pages' highlighter
      const scripts = text.split('<script>').length - 1;
      expect(scripts, f).toBeLessThanOrEqual(f.includes('inductor_output_code') ? 1 : 0);
    }
  });

  it('shows the hostile text escaped where it belongs', () => {
    const escaped = escapeHtml(XSS);
    const get = (suffix: string) => html.find(([f]) => f.includes(suffix))![1];
    expect(get('index.html')).toContain(escaped); // stack frame, recompile reason, distinct breaks
    expect(get('index.html')).toContain(escapeHtml(`evil_${IMG}`)); // a file name from an artifact name
    expect(get('index.html')).toContain(`<code>${escaped}`); // draft-export issue expressions
    expect(get('dynamo_guards')).toContain(escaped);
    expect(get('inductor_output_code')).toContain(escaped);
    expect(get('compilation_metrics')).toContain(escaped);
    expect(get('failures_and_restarts')).toContain(escaped);
  });

  it('escapes the trace text in the views compilog adds (breaks, recompile reasons, cache kinds)', () => {
    const index = html.find(([f]) => f === 'index.html')![1];
    const breaks = index.slice(index.indexOf('<h2>Failures and Restarts'), index.indexOf('<h2>Compiles'));
    expect(breaks).toContain(`title="${escapeHtml(`/src/${EVIL}.py:3`)}"`);
    expect(breaks).toContain(`<td><code>${escapeHtml(EVIL)}</code></td>`);
    const compiles = index.slice(index.indexOf('<h2>Compiles'));
    expect(compiles).toContain(`<th>${escapeHtml(`evil ${IMG}`)} cache</th>`);
    expect(compiles).toContain(
      `<code>${escapeHtml(EVIL)}</code> <span class="muted small">from <code>${escapeHtml(EVIL)}</code>`,
    );
  });

  it('keeps every written file inside the output directory', () => {
    const inRoot = readdirSync(root).filter((f) => f.startsWith('escaped'));
    const inDeep = readdirSync(join(root, 'deep')).filter((f) => f.startsWith('escaped'));
    expect([...inRoot, ...inDeep]).toEqual([]);
    const written = listFiles(out).filter((f) => f.includes('escaped'));
    expect(written).toEqual(['-_0_0_0/%2E%2E/%2E%2E/%2E%2E/escaped_5.txt']);
  });
});

describe('hostile trace text in --export mode', () => {
  it('escapes the guard expression, stacks, locals and the provenance tree', async () => {
    const root = tmp('compilog-hostile-export-');
    const frame = { line: 1, name: EVIL, filename: 0, loc: EVIL };
    const input = join(root, 'dedicated_log_torch_trace_export.log');
    writeFileSync(
      input,
      `${glogPrefix()} {"str": [${JSON.stringify(EVIL)}, 0]}\n` +
        traceText([
          {
            meta: {
              expression_created: {
                method: EVIL,
                result: EVIL,
                result_id: 7,
                arguments: [EVIL],
                argument_ids: [],
              },
            },
          },
          {
            meta: {
              propagate_real_tensors_provenance: {
                expr: EVIL,
                result: EVIL,
                expr_node_id: 7,
                user_stack: [frame],
                frame_locals: { locals: { [EVIL]: EVIL }, symbols: { s0: EVIL } },
              },
            },
          },
          { meta: { exported_program: {} }, payload: EVIL },
        ]),
    );
    const out = join(root, 'out');
    await writeReport(input, { out, exportMode: true });
    const pages = listFiles(out).filter((f) => f.endsWith('.html'));
    expect(pages).toEqual(['-_-_-_-/symbolic_guard_information_0.html', 'index.html']);
    for (const f of pages) {
      const text = readFileSync(join(out, f), 'utf8');
      expect(text.includes('<script>alert'), f).toBe(false);
      expect(text.includes('<img src=x'), f).toBe(false);
      expect(text).toContain(escapeHtml(XSS));
    }
  });
});
