/** The report of one trace file into one folder: stream it through the builder, then write the index pages. */
import { closeSync, createReadStream, linkSync, openSync, readFileSync, writeSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { compileIdDirName, scanTraceFile, type TraceFileInfo, type TraceStats } from '../artifacts/index.js';
import { ReportBuilder } from './builder.js';
import { FileWriter } from './file-writer.js';
import type { TlparseStats } from './model.js';
import { OutDir, safeRelPath } from './out-dir.js';
import { distinctBreaks, renderFailuresPage } from './pages/failures-page.js';
import { type IndexPageLate, prepareIndexPage, renderExportIndexPage } from './pages/index-page.js';
import { lineMappings, renderProvenancePage } from './provenance.js';
import { addTime, timingsOn } from './timings.js';

export interface SingleReportOptions {
  plainText?: boolean;
  /** write provenance_tracking_<dir>.html pages (tlparse -i) */
  inductorProvenance?: boolean;
  /** tlparse --export: the draft-export report only */
  exportMode?: boolean;
  /** shared background writer (one per report run) */
  writer?: FileWriter;
  /** write collectives_parity.json and link it (multi-rank mode) */
  parity?: boolean;
  title?: string;
  /** a compare page per recompile (compare/) */
  compare?: boolean;
}

export interface SingleReport {
  file: TraceFileInfo;
  outDir: string;
  builder: ReportBuilder;
  stats: TraceStats;
  tlparse: TlparseStats;
  /** compile ids in first-seen order (tlparse's index order) */
  compileIds: string[];
  artifacts: number;
  failures: number;
  problems: string[];
  /** what the user should know even without --strict (a cut .gz) */
  warnings: string[];
  /** the .gz input's stream broke (cut or corrupt): part of the trace could not be read */
  streamBroken: boolean;
  files: number;
  bytes: number;
}

/** tlparse's `Stats { ok: 64, fail_payload_md5: 1 }` line (non-zero fields only). */
export function tlparseStatsLine(t: TlparseStats): string {
  const parts = Object.entries(t)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k}: ${v}`);
  return parts.length === 0 ? 'Stats { }' : `Stats { ${parts.join(', ')} }`;
}

/** The provenance page of each compile folder (tlparse writes one per folder, `-_-_-_-` included). */
function writeProvenancePages(b: ReportBuilder, out: OutDir, outDir: string): string[] {
  const files = [...b.directory.values()].flatMap((e) => e.artifacts).filter((a) => !a.link);
  files.sort((x, y) => x.number - y.number);
  const pages: string[] = [];
  for (const e of b.directory.values()) {
    const dir = e.id === null ? '(unknown)' : compileIdDirName(e.id);
    const content = (patterns: string[]): string => {
      for (const pat of patterns) {
        const f = files.findLast((a) => a.url.includes(`${dir}/${pat}`));
        if (f === undefined) continue;
        if (pat === 'inductor_output_code')
          return b.lastOutputCode.get(f.url.slice(0, f.url.indexOf('/'))) ?? '';
        try {
          return readFileSync(join(outDir, f.url), 'utf8');
        } catch {
          return '';
        }
      }
      return '';
    };
    const pre = content(['before_pre_grad_graph', 'inductor_pre_grad_graph']);
    const post = content(['after_post_grad_graph', 'inductor_post_grad_graph']);
    const py = content(['inductor_output_code']);
    const cpp = content(['inductor_aot_wrapper_code']);
    const maps = lineMappings(content(['inductor_provenance_tracking_node_mappings']), pre, post, py, cpp);
    const name = `provenance_tracking_${safeRelPath(dir)}.html`;
    out.write(name, renderProvenancePage(dir, pre, post, py || cpp, maps));
    pages.push(name);
  }
  return pages;
}

/**
 * Hard-links `from` to `to`, or copies it; resolves to an error message, or null. The link is tried
 * synchronously (microseconds) and a copy is handed to libuv's thread pool at once: the parse that follows
 * is synchronous and turns no event loop, so anything that waited for a callback first would only start
 * after it.
 */
function linkOrCopy(from: string, to: string): Promise<string | null> {
  try {
    linkSync(from, to);
    return Promise.resolve(null);
  } catch {
    return copyFile(from, to).then(
      () => null,
      (e: Error) => `${to}: ${e.message}`,
    );
  }
}

/**
 * raw.log of a `.gz` trace: its decompressed bytes. A cut or corrupt stream keeps what it gave before it
 * broke (chunks are written as zlib hands them out) and resolves to zlib's message; a write error is
 * added to `errors`. Resolves to null when the whole stream was read.
 */
function gunzipTo(from: string, to: string, errors: string[]): Promise<string | null> {
  return new Promise((done) => {
    let fd: number;
    try {
      fd = openSync(to, 'w');
    } catch (e) {
      errors.push(`${to}: ${(e as Error).message}`);
      done(null);
      return;
    }
    let finished = false;
    const finish = (broken: string | null) => {
      if (finished) return;
      finished = true;
      closeSync(fd);
      done(broken);
    };
    const input = createReadStream(from);
    const gunzip = createGunzip();
    input.on('error', (e) => {
      gunzip.destroy();
      finish(e.message);
    });
    gunzip.on('data', (chunk: Buffer) => {
      try {
        for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
      } catch (e) {
        errors.push(`${to}: ${(e as Error).message}`);
        input.destroy();
        gunzip.destroy();
        finish(null);
      }
    });
    gunzip.on('error', (e) => finish(e.message));
    gunzip.on('end', () => finish(null));
    input.pipe(gunzip);
  });
}

export async function writeSingleReport(
  file: TraceFileInfo,
  outDir: string,
  opts: SingleReportOptions = {},
): Promise<SingleReport> {
  const out = new OutDir(outDir, opts.writer ?? new FileWriter(false));
  const strings = new Map<number, string>();
  const b = new ReportBuilder(out, strings, {
    plainText: opts.plainText,
    provenance: opts.inductorProvenance,
    exportMode: opts.exportMode,
    compare: opts.compare,
  });
  const problems: string[] = [];
  const warnings: string[] = [];
  let streamBroken = false;
  // raw.log starts now, on libuv's thread pool: a hard link when the output is on the input's filesystem,
  // else a copy that overlaps the parse instead of running after it
  const rawLog = opts.exportMode || file.gz ? null : linkOrCopy(file.path, join(outDir, 'raw.log'));
  let t0 = timingsOn ? performance.now() : 0;
  // md5s are checked on the writer thread while the main thread parses (counted back below)
  const { stats } = await scanTraceFile(
    file,
    {
      onEnvelope: timingsOn
        ? (env, payload) => {
            const t = performance.now();
            b.onEnvelope(env, payload);
            addTime('build', t);
          }
        : (env, payload) => b.onEnvelope(env, payload),
      onString: (i, s) => strings.set(i, s),
      onProblem: (p) => {
        if (problems.length < 1000) problems.push(`${p.kind} at line ${p.lineno}: ${p.message}`);
      },
    },
    { verifyMd5: false },
  );
  if (timingsOn) addTime('scanAndBuild', t0);
  t0 = timingsOn ? performance.now() : 0;
  b.finish();
  // queued behind every job so far: the writer runs jobs in order
  b.appendRawBody();
  if (timingsOn) addTime('rawJsonlFinish', t0);
  const tl = b.tl;
  tl.fail_glog = stats.badLines.glog;
  tl.fail_json = stats.badLines.json;
  // The pages that need nothing from the writer are made while it finishes its queue: only the index's
  // stats line and chromium count wait for it. Provenance pages read the artifacts it writes, so with them
  // everything waits.
  t0 = timingsOn ? performance.now() : 0;
  const early = !opts.exportMode && !opts.inductorProvenance;
  let index: ((late: IndexPageLate) => string) | null = null;
  // the failures page, compile_directory.json and the prepared index page
  const topPages = (provenancePages: string[]) => {
    out.write('failures_and_restarts.html', renderFailuresPage(b.failures));
    out.write('compile_directory.json', b.compileDirectoryJson());
    return prepareIndexPage(b, {
      title: opts.title ?? 'compilog report',
      inputs: [file.path],
      hasParity: opts.parity === true,
      provenancePages,
    });
  };
  if (early) index = topPages([]);
  if (timingsOn) addTime('indexPages', t0);
  t0 = timingsOn ? performance.now() : 0;
  const { md5Failures, arrayItems } = await out.drain();
  if (timingsOn) addTime('waitWriter', t0);
  b.chromiumEvents = arrayItems;
  stats.badLines.md5 = md5Failures.length;
  tl.fail_payload_md5 = md5Failures.length;
  for (const line of md5Failures.slice(0, 1000))
    problems.push(`md5 at line ${line}: payload md5 differs from has_payload`);
  problems.push(...b.problems);
  const result = (failures: number): SingleReport => ({
    file,
    outDir,
    builder: b,
    stats,
    tlparse: tl,
    compileIds: [...b.directory.values()].map((e) => (e.key === 'unknown' ? '(unknown)' : e.key)),
    artifacts: b.artifactCount,
    failures,
    problems: problems.concat(out.errors),
    warnings,
    streamBroken,
    files: out.files,
    bytes: out.bytes,
  });
  if (opts.exportMode) {
    out.write('index.html', renderExportIndexPage(b, file.path));
    await out.drain();
    return result(b.exportIssues.length);
  }
  t0 = timingsOn ? performance.now() : 0;
  if (index === null) index = topPages(opts.inductorProvenance ? writeProvenancePages(b, out, outDir) : []);
  const statsLine = `${tlparseStatsLine(tl)}; ${stats.lines} lines, ${stats.badLines.truncated} truncated, ${stats.badLines.invalidUtf8} invalid UTF-8`;
  out.write('index.html', index({ statsLine, chromiumEvents: b.chromiumEvents, problems }));
  if (file.gz) {
    const broken = await gunzipTo(file.path, join(outDir, 'raw.log'), out.errors);
    streamBroken = broken !== null;
    if (broken !== null)
      warnings.push(
        `${file.path}: the gzip data is cut or corrupt after ${stats.lines} lines (${broken}); the report holds what could be read`,
      );
  } else {
    const err = await rawLog;
    if (err !== null && err !== undefined) out.errors.push(err);
  }
  out.files++;
  out.bytes += stats.bytes;
  if (timingsOn) addTime('indexPages', t0);
  t0 = timingsOn ? performance.now() : 0;
  await out.drain();
  if (timingsOn) addTime('waitWriter', t0);
  return result(b.failures.length);
}

export { distinctBreaks };
