import { DateTime } from 'luxon';
import type { DbClient } from '../../infra/db.ts';
import { DomainError } from '../domain-error.ts';

/**
 * The one check the booking service makes for fairness before a family's hold:
 *  - during a fair start (from opening until the draw has run) holds are refused:
 *    requests are collected and allocated by the lottery, not raced for;
 *  - a slot offered to a family on the waiting list is kept for that family
 *    until the offer is accepted, declined or lapses.
 * Read inside the hold's transaction, so the draw (which locks the event row
 * and sets fair_allocated_at) and the hold cannot interleave wrongly.
 */
export async function refuseUnfairHold(
  client: DbClient,
  hold: { eventId: string; slotId: string; familyId: string },
): Promise<void> {
  const { rows } = await client.query<{
    collecting: boolean;
    window_ends_at: Date;
    time_zone: string;
    offered: boolean;
  }>(
    `SELECT e.booking_mode = 'fair_start' AND e.fair_allocated_at IS NULL AS collecting,
            e.booking_opens_at + make_interval(secs => e.fair_window_seconds) AS window_ends_at,
            sc.time_zone,
            EXISTS (SELECT 1 FROM offers o
                     WHERE o.slot_id = $2 AND o.kind = 'waitlist' AND o.status = 'pending'
                       AND o.expires_at > now() AND o.family_id <> $3) AS offered
       FROM events e JOIN schools sc ON sc.id = e.school_id
      WHERE e.id = $1`,
    [hold.eventId, hold.slotId, hold.familyId],
  );
  const e = rows[0];
  if (!e) return;
  if (e.collecting) {
    const at = DateTime.fromJSDate(e.window_ends_at).setZone(e.time_zone).toFormat('HH:mm');
    throw new DomainError(
      'fair_start_pending',
      `Fair start: requests are being collected and slots are allocated at ${at}. Send your requests; you will see the result here.`,
    );
  }
  if (e.offered)
    throw new DomainError('slot_taken', 'This slot is being offered to a family on the waiting list.');
}
