import type { BookingView, EventView, SlotView } from '../../../protocol/schemas.ts';
import { UNAVAILABLE_TEXT, unavailabilityFor } from '../lib/family-rules.ts';

export type ParentCellKind =
  | 'none'
  | 'free'
  | 'holding'
  | 'my-hold'
  | 'mine'
  | 'sibling'
  | 'held'
  | 'taken'
  | 'blocked'
  | 'unavailable';

export interface ParentCellState {
  kind: ParentCellKind;
  /** Short text shown in the cell: colour is never the only signal. */
  short: string;
  /** What a screen reader says after the time and teacher. */
  long: string;
  actionable: boolean;
}

export interface ParentCellInput {
  slot: SlotView | undefined;
  studentId: string;
  familyBookings: BookingView[];
  mine: BookingView | undefined;
  pendingFor: string | undefined;
  event: Pick<EventView, 'gapMinutes' | 'maxPerStudent'>;
  now: number;
  nameOf(studentId: string): string;
  bookingOpen: boolean;
}

/** What one cell of a parent's grid shows, from the slot, the family's bookings and the clock. */
export function parentCellState(i: ParentCellInput): ParentCellState {
  const { slot } = i;
  if (!slot) return { kind: 'none', short: '—', long: 'no appointment at this time', actionable: false };
  if (i.mine) {
    const forThis = i.mine.studentId === i.studentId;
    if (!forThis) {
      const name = i.nameOf(i.mine.studentId);
      return {
        kind: 'sibling',
        short: name.split(' ')[0] ?? name,
        long: `booked for ${name}`,
        actionable: false,
      };
    }
    return i.mine.status === 'confirmed'
      ? { kind: 'mine', short: '✓ Yours', long: 'your appointment', actionable: false }
      : { kind: 'my-hold', short: 'Your hold', long: 'held for you, not yet confirmed', actionable: false };
  }
  if (i.pendingFor)
    return { kind: 'holding', short: 'Holding…', long: 'holding for you…', actionable: false };
  // A hold past its time is free again even before the server's release reaches us.
  const lapsed = slot.state === 'held' && slot.heldUntil !== null && Date.parse(slot.heldUntil) <= i.now;
  if (slot.state === 'booked')
    return { kind: 'taken', short: 'Taken', long: 'booked by another family', actionable: false };
  if (slot.state === 'held' && !lapsed)
    return { kind: 'held', short: 'Held', long: 'held by another family, may come free', actionable: false };
  if (slot.state === 'blocked')
    return { kind: 'blocked', short: 'N/A', long: 'not available', actionable: false };
  const why = unavailabilityFor(slot, i.studentId, i.familyBookings, i.event);
  if (why)
    return {
      kind: 'unavailable',
      short: why === 'clash' || why === 'gap' ? '✕' : '–',
      long: `not available: ${UNAVAILABLE_TEXT[why].toLowerCase()}`,
      actionable: false,
    };
  if (!i.bookingOpen)
    return { kind: 'unavailable', short: 'Free', long: 'free, booking is not open', actionable: false };
  return { kind: 'free', short: 'Free', long: 'free, press Enter to hold', actionable: true };
}
