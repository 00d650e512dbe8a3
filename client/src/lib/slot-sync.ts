import type { AvailabilitySnapshot, SlotView } from '../../../protocol/schemas.ts';
import type { SlotFact } from '../../../protocol/socket-events.ts';

/**
 * Applies slot facts by version, per slot (protocol/socket-events.ts). Fan-out is
 * by interest, so the versions one screen sees skip numbers by design: a gap is
 * not a loss. What matters is that a slot never moves backwards: facts can overtake
 * each other (several server instances publish through Redis), and a snapshot read
 * before a fact must not undo it. Facts are only lost while disconnected, and every
 * (re)connect takes a fresh snapshot.
 */
export class SlotSync {
  private readonly versions = new Map<string, number>();
  private snapshotVersion = -1;

  constructor(private readonly apply: (slot: SlotView) => void) {}

  get hasSnapshot(): boolean {
    return this.snapshotVersion >= 0;
  }

  /** The newest version applied to any slot (for diagnostics and tests). */
  get version(): number {
    let v = this.snapshotVersion;
    for (const x of this.versions.values()) if (x > v) v = x;
    return v;
  }

  loadSnapshot(snapshot: AvailabilitySnapshot): void {
    this.snapshotVersion = snapshot.version;
    for (const slot of snapshot.slots) {
      // Each slot carries the version of its last change. A fact that arrived while
      // the snapshot was being read is newer: keep it.
      if ((this.versions.get(slot.id) ?? -1) > slot.version) continue;
      this.versions.set(slot.id, slot.version);
      this.apply(slot);
    }
  }

  /** Applies the fact if it is newer than what its slot shows; returns whether it was applied. */
  receive(fact: SlotFact): boolean {
    // A slot the screen has never seen (added since the snapshot) takes any fact.
    const current = this.versions.get(fact.slot.id) ?? -1;
    if (fact.version <= current) return false;
    this.versions.set(fact.slot.id, fact.version);
    this.apply(fact.slot);
    return true;
  }

  forget(slotId: string): void {
    this.versions.delete(slotId);
  }
}
