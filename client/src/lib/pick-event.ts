import type { EventView } from '../../../protocol/schemas.ts';

/**
 * The evening to show first: one that is open for booking now, else the next to
 * open, else the most recent. Archived events are history, not a booking screen.
 */
export function pickEvent(events: EventView[], now = Date.now()): EventView | null {
  const current = events.filter((e) => !e.archived);
  const open = current.find(
    (e) => Date.parse(e.bookingOpensAt) <= now && now < Date.parse(e.bookingClosesAt),
  );
  if (open) return open;
  const upcoming = current
    .filter((e) => Date.parse(e.bookingOpensAt) > now)
    .sort((a, b) => a.bookingOpensAt.localeCompare(b.bookingOpensAt));
  return upcoming[0] ?? current[0] ?? events[0] ?? null;
}
