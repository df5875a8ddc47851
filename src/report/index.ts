// The tlparse-compatible static report: public surface.
export { escapeHtml, safeHref } from './escape.js';
export type { CompileEntry, FailureRow, OutputFile, TlparseStats } from './model.js';
export type { MultiRankDiagnostics, MultiRankReport, RankGroup } from './multi-rank.js';
export { writeMultiRankReport } from './multi-rank.js';
export { type OtherTrace, reportCommandFor } from './pages/other-traces.js';
export { type LineMappings, lineMappings } from './provenance.js';
export { type ReportOptions, type ReportSummary, writeReport } from './report.js';
export { type SingleReport, tlparseStatsLine, writeSingleReport } from './single.js';
