import type { BookingView, EventView, SlotView } from '../../../protocol/schemas.ts';

export type Unavailability = 'clash' | 'gap' | 'cap' | 'has_teacher';

const live = (b: BookingView) => b.status === 'held' || b.status === 'confirmed';

/**
 * Why a free slot cannot be taken by this family for this child, computed before
 * anyone clicks. It mirrors the database's refusals (bookings_family_clash,
 * bookings_family_gap, bookings_one_per_teacher, the per-child cap): the server
 * still decides, this only spares the family a pointless click.
 */
export function unavailabilityFor(
  slot: Pick<SlotView, 'id' | 'teacherId' | 'startsAt' | 'endsAt'>,
  studentId: string,
  family: BookingView[],
  event: Pick<EventView, 'gapMinutes' | 'maxPerStudent'>,
): Unavailability | null {
  const start = Date.parse(slot.startsAt);
  const end = Date.parse(slot.endsAt);
  const gapMs = event.gapMinutes * 60_000;
  let childCount = 0;
  let reason: Unavailability | null = null;
  for (const b of family) {
    if (!live(b) || b.slotId === slot.id) continue;
    if (b.studentId === studentId) {
      childCount++;
      if (b.teacherId === slot.teacherId) return 'has_teacher';
    }
    const bStart = Date.parse(b.startsAt);
    const bEnd = Date.parse(b.endsAt);
    if (start < bEnd && bStart < end) return 'clash';
    // The database widens each booking by half the gap on each side and refuses
    // overlapping guards: two appointments need a full gap between them.
    if (gapMs > 0 && start - bEnd < gapMs && bStart - end < gapMs) reason = 'gap';
  }
  if (reason) return reason;
  if (childCount >= event.maxPerStudent) return 'cap';
  return null;
}
