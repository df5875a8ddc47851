/**
 * The `dynamo_graph_break_reason` artifacts of each compile, kept until the compile's compilation_metrics
 * names its restarts: each restart reason is matched to the artifact that explains it (its text contains the
 * reason's first line), for the user code location the failures views show. A compile's notes are dropped
 * once its metrics are read, so memory follows the compiles in flight, not the whole trace.
 */
import { type CodeLocation, graphBreakLocation } from './code-location.js';

export interface GraphBreakNote {
  location: CodeLocation | null;
  text: string;
  url: string | null;
}

/** what of an artifact's text is kept to match reasons against */
const KEEP_CHARS = 4096;

export class GraphBreakNotes {
  private readonly byCompile = new Map<string, GraphBreakNote[]>();

  /** A graph-break artifact of compile folder `ckey` (its text, and the file it was written to). */
  add(ckey: string, text: string, url: string | null): void {
    const list = this.byCompile.get(ckey);
    const note = { location: graphBreakLocation(text), text: text.slice(0, KEEP_CHARS), url };
    if (list === undefined) this.byCompile.set(ckey, [note]);
    else list.push(note);
  }

  /** The note explaining each reason (or null), in order; forgets the compile's notes. */
  take(ckey: string, reasons: readonly string[]): Array<GraphBreakNote | null> {
    const notes = this.byCompile.get(ckey);
    this.byCompile.delete(ckey);
    return reasons.map((reason) => {
      if (notes === undefined) return null;
      const nl = reason.indexOf('\n');
      const first = (nl < 0 ? reason : reason.slice(0, nl)).trim();
      if (first === '') return null;
      return notes.find((n) => n.text.includes(first)) ?? null;
    });
  }
}
