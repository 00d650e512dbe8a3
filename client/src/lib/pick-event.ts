import type { ErrorBody } from '../../../protocol/errors.ts';
import type { EventView } from '../../../protocol/schemas.ts';
import type { ApiClient } from './api.ts';

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

/**
 * Fetches the school's events and picks the one to show; a message when there is none.
 * A refusal comes with its `error`, for a family's page to put in the family's words.
 */
export async function loadCurrentEvent(
  api: Pick<ApiClient, 'get'>,
  noneMessage: string,
): Promise<
  { ok: true; event: EventView } | { ok: false; message: string; unavailable?: true; error?: ErrorBody }
> {
  const res = await api.get<{ events: EventView[] }>('/events');
  // `unavailable`: the service is away for a moment, and a page may show what it kept.
  if (!res.ok)
    return res.error.code === 'unavailable'
      ? { ok: false, message: res.error.message, unavailable: true, error: res.error }
      : { ok: false, message: res.error.message, error: res.error };
  const event = pickEvent(res.data.events);
  return event ? { ok: true, event } : { ok: false, message: noneMessage };
}
