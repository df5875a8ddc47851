/**
 * Scheduling: kernel order (a topological order of the fused kernels), which buffers must be stored
 * (realized), and the memory plan. Intermediates live in slots allocated once per compiled graph and
 * reused across calls; a slot is handed to a later buffer once the last kernel reading its previous
 * buffer has run (liveness). Graph outputs get fresh storage on every call (the caller keeps them).
 */
import { numel } from '../core/shape.js';
import type { Buf, BufferGraph } from './buffers.js';
import { type FusionResult, type Group, producerOf } from './fusion.js';

export interface Slot {
  readonly id: number;
  /** Elements (float32). */
  size: number;
  readonly bufs: Buf[];
}

export interface Schedule {
  readonly kernels: readonly Group[];
  /** Buffers that are stored to memory (the rest live only in a kernel's locals). */
  readonly realized: ReadonlySet<Buf>;
  /** Realized buffers that are graph outputs (or back a view that is one): fresh per call. */
  readonly outputs: readonly Buf[];
  /** Intermediate buffer -> its slot. */
  readonly slotOf: ReadonlyMap<Buf, Slot>;
  readonly slots: readonly Slot[];
  /** One line per planning decision (the `schedule` artifact). */
  readonly notes: readonly string[];
  /** Bytes of intermediates without reuse, and with the plan. */
  readonly naiveBytes: number;
  readonly plannedBytes: number;
}

export function schedule(bg: BufferGraph, fusion: FusionResult): Schedule {
  const kernels = topoOrder(fusion.groups);
  const index = new Map(kernels.map((g, i) => [g, i]));
  const { groupOf } = fusion;

  const realized = new Set<Buf>();
  for (const buf of bg.bufs) {
    const g = groupOf.get(buf)!;
    const escapes = buf.users.some(
      (u) => groupOf.get(u) !== g || u.operands.some((o) => o.kind === 'load' && producerOf(o) === buf),
    );
    if (buf.isOutput || !buf.inlinable || escapes) realized.add(buf);
  }
  // A kernel with no stored result would be dead; keep its last buffer (cannot happen for live graphs).
  for (const g of kernels) if (!g.bufs.some((b) => realized.has(b))) realized.add(g.bufs.at(-1)!);

  const outputs = bg.bufs.filter((b) => b.isOutput && realized.has(b));
  const lastUse = new Map<Buf, number>();
  for (const g of kernels) {
    for (const buf of g.bufs) {
      for (const o of buf.operands) {
        const p = producerOf(o);
        if (p !== undefined && groupOf.get(p) !== g)
          lastUse.set(p, Math.max(lastUse.get(p) ?? -1, index.get(g)!));
      }
    }
  }

  const notes: string[] = [];
  kernels.forEach((g, i) => {
    const stores = g.bufs.filter((b) => realized.has(b)).map((b) => b.name);
    notes.push(
      `kernel ${i}: ${g.kind} over [${g.space.join(', ')}] computes ${g.bufs.map((b) => b.name).join(', ')}; stores ${stores.join(', ')}`,
    );
  });

  const slots: Slot[] = [];
  const slotOf = new Map<Buf, Slot>();
  const free: Slot[] = [];
  let naiveBytes = 0;
  kernels.forEach((g, i) => {
    for (const buf of g.bufs) {
      if (!realized.has(buf) || buf.isOutput) continue;
      const size = numel(buf.outShape);
      naiveBytes += size * 4;
      // Best fit among free slots; a slot may grow (it is allocated once, at its largest size).
      free.sort((a, b) => a.size - b.size);
      let k = free.findIndex((s) => s.size >= size);
      if (k < 0 && free.length > 0) k = free.length - 1;
      let slot: Slot;
      if (k >= 0) {
        slot = free.splice(k, 1)[0];
        const previous = slot.bufs.at(-1)!;
        notes.push(
          `${buf.name} reuses slot ${slot.id} (held ${previous.name}, last read by kernel ${lastUse.get(previous) ?? i})`,
        );
        slot.size = Math.max(slot.size, size);
        slot.bufs.push(buf);
      } else {
        slot = { id: slots.length, size, bufs: [buf] };
        slots.push(slot);
        notes.push(`${buf.name} gets new slot ${slot.id} (${size} floats)`);
      }
      slotOf.set(buf, slot);
    }
    // Slots whose buffer is not read after this kernel return to the pool.
    for (const [buf, slot] of slotOf) {
      if (slot.bufs.at(-1) === buf && !free.includes(slot) && (lastUse.get(buf) ?? i) <= i) free.push(slot);
    }
  });
  const plannedBytes = slots.reduce((s, x) => s + x.size * 4, 0);
  notes.push(
    `memory plan: ${slotOf.size} intermediate buffer(s) in ${slots.length} slot(s), ${plannedBytes} bytes (${naiveBytes} without reuse); ${outputs.length} output buffer(s) allocated per call`,
  );
  return { kernels, realized, outputs, slotOf, slots, notes, naiveBytes, plannedBytes };
}

/** Kernels in dependency order; ties keep creation order (close to the user's program order). */
function topoOrder(groups: readonly Group[]): Group[] {
  const done = new Set<Group>();
  const out: Group[] = [];
  const visit = (g: Group) => {
    if (done.has(g)) return;
    done.add(g);
    for (const d of [...g.deps].sort((a, b) => a.id - b.id)) visit(d);
    out.push(g);
  };
  for (const g of groups) visit(g);
  return out;
}
