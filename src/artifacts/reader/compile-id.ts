/** Compile ids exactly as tlparse reads, prints and files them (spec §2.5). */
import type { EnvelopeCompileId } from './envelope.js';

const U32_MAX = 0xffffffff;

/** A u32 field: undefined/null mean absent; anything else that is not a u32 makes the whole id invalid. */
function u32Field(v: unknown): number | null | undefined {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= U32_MAX) return v;
  return undefined;
}

/**
 * Reads the four compile-id fields of an envelope. Like tlparse, an envelope without any of them still
 * gets an id (all null, shown `[-/-]`); a field of the wrong type gives null (tlparse's "unknown").
 */
export function readCompileId(o: Record<string, unknown>): EnvelopeCompileId | null {
  const compiledAutogradId = u32Field(o.compiled_autograd_id);
  const frameId = u32Field(o.frame_id);
  const frameCompileId = u32Field(o.frame_compile_id);
  const attempt = u32Field(o.attempt);
  if (compiledAutogradId === undefined || frameId === undefined) return null;
  if (frameCompileId === undefined || attempt === undefined) return null;
  return { compiledAutogradId, frameId, frameCompileId, attempt };
}

/** `[!ca/frame/fcid_attempt]`, with `-` for missing parts and no `_0`. */
export function formatCompileIdKey(id: EnvelopeCompileId): string {
  const ca = id.compiledAutogradId === null ? '' : `!${id.compiledAutogradId}/`;
  const f = id.frameId === null ? '-' : String(id.frameId);
  const fc = id.frameCompileId === null ? '-' : String(id.frameCompileId);
  const at = id.attempt !== null && id.attempt !== 0 ? `_${id.attempt}` : '';
  return `[${ca}${f}/${fc}${at}]`;
}

/** `ca_frame_fcid_attempt` with `-` for missing parts: the per-compile output folder. */
export function compileIdDirName(id: EnvelopeCompileId): string {
  const p = (v: number | null) => (v === null ? '-' : String(v));
  return `${p(id.compiledAutogradId)}_${p(id.frameId)}_${p(id.frameCompileId)}_${p(id.attempt)}`;
}

/** Runtime compile ids have a frame_compile_id but no attempt: tlparse groups them under attempt 0. */
export function groupingCompileId(id: EnvelopeCompileId): EnvelopeCompileId {
  return id.frameCompileId !== null && id.attempt === null ? { ...id, attempt: 0 } : id;
}

/** The metrics and stack indexes force attempt 0 whenever there is a frame_compile_id (restarts fold in). */
export function collapsedCompileId(id: EnvelopeCompileId): EnvelopeCompileId {
  return id.frameCompileId !== null ? { ...id, attempt: 0 } : id;
}

export function sameCompileId(a: EnvelopeCompileId | null, b: EnvelopeCompileId | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.compiledAutogradId === b.compiledAutogradId &&
    a.frameId === b.frameId &&
    a.frameCompileId === b.frameCompileId &&
    a.attempt === b.attempt
  );
}
