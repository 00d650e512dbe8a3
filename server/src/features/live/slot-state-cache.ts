import type { FactEnvelope } from './fact-channel.ts';

// An evening has a few thousand slots; a long-running instance forgets and starts again.
const MAX_SLOTS = 200_000;
// How long a fact is trusted. The rush's losing clicks come seconds after the slot
// was taken; older knowledge is left to the database, so a change that reached the
// database without a fact (an operator's SQL, say) misleads this cache for 30 s at most.
const TRUSTED_MS = 30_000;

/**
 * What this instance last heard of each slot, from the fact channel (every instance
 * hears every fact). On opening night most holds that reached the database lost: the
 * family clicked a slot its screen still showed free, taken a moment before. Those
 * are answered here at once, without an admission token, a lock or a database round
 * trip, so they neither wait nor take capacity from holds that can succeed.
 *
 * It only ever says "taken" of a slot whose newest fact, heard in the last 30 s,
 * says so (held and not lapsed, booked or blocked); a slot it does not know, or
 * knows as free, goes to the database, which decides. It can be wrong for as long as a release takes to reach
 * it (about a millisecond through Redis): the same answer a family gets when it
 * loses a race. Facts are missed only while the Redis subscriber is cut off, so
 * the cache is cleared when that happens.
 */
export class SlotStateCache {
  constructor(private readonly clock: () => number = Date.now) {}

  private readonly slots = new Map<string, { version: number; takenUntil: number; by: string | null }>();

  apply(envelopes: FactEnvelope[]): void {
    if (this.slots.size > MAX_SLOTS) this.slots.clear();
    for (const { fact } of envelopes) {
      const known = this.slots.get(fact.slot.id);
      if (known && known.version >= fact.version) continue;
      const { state, heldUntil } = fact.slot;
      const trustedUntil = this.clock() + TRUSTED_MS;
      const takenUntil =
        state === 'booked' || state === 'blocked'
          ? trustedUntil
          : state === 'held' && heldUntil
            ? Math.min(trustedUntil, Date.parse(heldUntil))
            : 0;
      this.slots.set(fact.slot.id, {
        version: fact.version,
        takenUntil,
        by: fact.slot.occupant?.familyId ?? null,
      });
    }
  }

  /**
   * Whether the slot is taken by someone other than `familyId`. A slot the family
   * itself holds goes to the database, which answers a repeated request (same
   * idempotency key) with its first answer.
   */
  isTakenFrom(familyId: string | undefined, slotId: string): boolean {
    const known = this.slots.get(slotId);
    return !!known && known.takenUntil > this.clock() && (known.by === null || known.by !== familyId);
  }

  clear(): void {
    this.slots.clear();
  }
}
