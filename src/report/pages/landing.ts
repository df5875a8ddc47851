/** The multi-rank landing page: divergence warnings first, then links to each rank and the analyses. */
import { escapeHtml } from '../escape.js';
import type { MultiRankDiagnostics, RankGroup } from '../multi-rank.js';
import { page } from './layout.js';

/** serde_json prints a whole f64 as `2.0`; the landing page follows it. */
const f64 = (x: number) => (Number.isInteger(x) ? x.toFixed(1) : String(x));

const groups = (gs: RankGroup[]) =>
  `<ul>${gs.map((g) => `<li>Ranks: ${g.ranks.join(', ')}</li>`).join('')}</ul>`;

export function renderLandingPage(d: MultiRankDiagnostics): string {
  const warnings: string[] = [];
  if (d.compileIdDivergence)
    warnings.push(
      `<p><strong>Warning:</strong> Diverging Compilation IDs detected across ranks. This may lead to hangs or timeouts during distributed execution.${
        d.firstDivergentCompileId
          ? ` First compile id not present on every rank: <code>${escapeHtml(d.firstDivergentCompileId)}</code>.`
          : ''
      }</p>`,
    );
  if (d.cacheGroups.length > 0)
    warnings.push(
      `<p><strong>Warning:</strong> Diverging Cache hit/miss patterns detected across ranks. Groups:</p>${groups(d.cacheGroups)}`,
    );
  if (d.collectiveGroups.length > 0)
    warnings.push(
      `<p><strong>Warning:</strong> Diverging collective operation sequences detected across ranks. This can lead to hangs or timeouts during distributed execution.</p><p>Collective operation sequence groups:</p>${groups(d.collectiveGroups)}`,
    );
  const rt = d.runtime;
  let runtime = '';
  if (rt !== null) {
    runtime = rt.mismatchedGraphCounts
      ? '<h3>Graph Runtime Analysis</h3><p><strong>Runtime analysis not available:</strong> ranks have different numbers of compiled graphs, so they cannot be compared graph by graph (this itself suggests divergence).</p>'
      : `<h3>Graph Runtime Analysis</h3><p>Estimated runtime per graph: fastest and slowest rank.</p>${rt.graphs
          .map(
            (g) =>
              `<p><strong>Graph ${escapeHtml(g.graph)}:</strong> ${f64(g.deltaMs)} ms delta (Fastest: Rank ${g.fastest.rank} - ${f64(g.fastest.ms)} ms, Slowest: Rank ${g.slowest.rank} - ${f64(g.slowest.ms)} ms)</p>`,
          )
          .join('\n')}`;
  }
  const eo = d.execOrder;
  const exec =
    eo === null
      ? '<p>Execution-order analysis unavailable.</p><p class="muted small">Record it with torch._inductor.debug.record_and_log_graph_execution_order().</p>'
      : `${eo.orderDiffers ? '<p>Graph execution order differs across ranks.</p>' : '<p>Graph execution order: consistent across ranks.</p>'}
${eo.scheduleMismatchRanks.length > 0 ? `<p><strong>Warning:</strong> Schedule mismatch across ranks: ${eo.scheduleMismatchRanks.map((r) => `Rank ${r}`).join(', ')}</p>` : '<p>Collectives Schedule: Consistent across ranks.</p>'}
${eo.cacheMismatchRanks.length > 0 ? `<p><strong>Warning:</strong> Cache hit/miss mismatch across ranks: ${eo.cacheMismatchRanks.map((r) => `Rank ${r}`).join(', ')}</p>` : '<p>Cache hit/miss sequence: Consistent across ranks.</p>'}`;
  const tensor =
    d.tensorMetaGroups.length > 0
      ? `<p>Ranks exhibit divergent inductor tensor metadata across graphs. Groups with identical signatures:</p>${groups(d.tensorMetaGroups)}`
      : '<p>All ranks have matching tensor meta signatures across graphs.</p>';
  const body = `${warnings.length > 0 ? `<div class="warning-box">${warnings.join('\n')}</div>` : ''}
<h1>Multi-Rank Report</h1>
<p>${d.ranks.length} rank(s). Each rank has its own full report.</p>
${d.hasChromiumEvents ? `<h3>Chromium Events</h3><p><a href="chromium_events.json">chromium_events.json</a>: every rank's events (pid = rank), for <a href="https://ui.perfetto.dev/">Perfetto</a>.</p>` : ''}
${d.hasRuntimeTrace ? '<h3>Runtime Trace Visualization</h3><p><a href="chromium_trace_with_runtime.json">Runtime estimation trace</a>: one process per rank, one thread per graph.</p>' : ''}
<p>Individual rank reports:</p>
<ul>${d.ranks.map((r) => `<li><a href="rank_${r}/index.html">Rank ${r}</a></li>`).join('')}</ul>
${runtime}
<h3>Graph Execution-Order Diagnostics</h3>
${exec}
<h3>Tensor Metadata Analysis</h3>
${tensor}`;
  return page('Multi-Rank Report', body);
}
