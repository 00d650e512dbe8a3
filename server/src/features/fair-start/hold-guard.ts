import { DateTime } from 'luxon';
import { DomainError } from '../domain-error.ts';

/**
 * What the booking service reads for fairness before a family's hold, as columns of
 * the hold's own check (one round trip, same transaction, so the draw — which locks
 * the event row and sets fair_allocated_at — and the hold cannot interleave wrongly).
 * Expects the aliases `e` (events), `s` (slots), `sc` (schools) and the family's id
 * as `$2`.
 */
export const FAIRNESS_COLUMNS = `
  e.booking_mode = 'fair_start' AND e.fair_allocated_at IS NULL AS collecting,
  e.booking_opens_at + make_interval(secs => e.fair_window_seconds) AS window_ends_at,
  sc.time_zone,
  EXISTS (SELECT 1 FROM offers o
           WHERE o.slot_id = s.id AND o.kind = 'waitlist' AND o.status = 'pending'
             AND o.expires_at > now() AND o.family_id <> $2) AS offered`;

export interface FairnessRow {
  collecting: boolean;
  window_ends_at: Date;
  time_zone: string;
  offered: boolean;
}

/**
 * The refusal fairness demands of a family's hold, or null:
 *  - during a fair start (from opening until the draw has run) holds are refused:
 *    requests are collected and allocated by the lottery, not raced for;
 *  - a slot offered to a family on the waiting list is kept for that family
 *    until the offer is accepted, declined or lapses.
 */
export function unfairHoldRefusal(e: FairnessRow): DomainError | null {
  if (e.collecting) {
    const at = DateTime.fromJSDate(e.window_ends_at).setZone(e.time_zone).toFormat('HH:mm');
    return new DomainError(
      'fair_start_pending',
      `Fair start: requests are being collected and slots are allocated at ${at}. Send your requests; you will see the result here.`,
    );
  }
  if (e.offered)
    return new DomainError('slot_taken', 'This slot is being offered to a family on the waiting list.');
  return null;
}
