import { type ErrorBody, errorBody } from '../../../../protocol/errors.ts';
import { prepared, type Queryable } from '../../infra/db.ts';
import { CONFIRMATION_GRACE_MS } from './confirmation-grace.ts';

export interface ConfirmationAsk {
  eventId: string;
  familyId: string;
  /** The writer's school (a family's own, or the admin's acting for it). */
  schoolId: string;
  byStaff: boolean;
  holdIds: string[] | null;
  /** The idempotency scope, when the request carries a key: a stored answer is always replayed. */
  keyed: { principal: string; key: string } | null;
  /**
   * When the confirmation reached the server (this server's clock). A hold live then
   * counts as live here as in confer_confirm: waiting for a connection before this
   * read must not turn an on-time confirmation into hold_expired.
   */
  arrivedAt: Date;
}

// One read, by the bookings' (family, event) index: enough to know a confirmation
// must fail, never enough to know it will succeed (confer_confirm decides that, under
// its locks). Read without locks: a hold placed a moment later is simply not seen,
// and the family asks again. The arrival instant is bounded as confer_confirm bounds
// it (to the confirmation grace before now, and never after now).
const LOOK = prepared(
  'confirm.hopeless',
  `WITH arrival AS (
     SELECT least(now(), greatest($7::timestamptz, now() - $8 * interval '1 millisecond')) AS at
   )
   SELECT e.school_id = $3 AS in_school,
          e.archived_at IS NOT NULL AS archived,
          e.archived_at IS NULL AND now() >= e.booking_opens_at AND now() < e.booking_closes_at AS open,
          (SELECT count(*)::int FROM bookings b
            WHERE b.family_id = $2 AND b.event_id = $1 AND b.status = 'held' AND b.expires_at > a.at
              AND ($4::uuid[] IS NULL OR b.id = ANY ($4::uuid[]))) AS live,
          EXISTS (SELECT 1 FROM bookings b
                   WHERE b.family_id = $2 AND b.event_id = $1
                     AND (b.status = 'expired' OR (b.status = 'held' AND b.expires_at <= a.at))
                     AND ($4::uuid[] IS NULL OR b.id = ANY ($4::uuid[]))) AS lapsed,
          ($5::text IS NOT NULL AND EXISTS (SELECT 1 FROM idempotency_keys k
                                             WHERE k.principal = $5 AND k.key = $6)) AS answered
     FROM events e, arrival a WHERE e.id = $1`,
);

/**
 * The answer to a confirmation that cannot succeed — no live holds to confirm, hold
 * ids that are not the family's, another school's event — or null when it might.
 * Asked before the admission guard, so such requests spend no token: a family
 * streaming empty confirmations used to drain the event's bucket and have other
 * families' holds refused as busy. The answers are the ones confer_confirm gives.
 */
export async function hopelessConfirmation(q: Queryable, ask: ConfirmationAsk): Promise<ErrorBody | null> {
  const { rows } = await q.query<{
    in_school: boolean;
    archived: boolean;
    open: boolean;
    live: number;
    lapsed: boolean;
    answered: boolean;
  }>(
    LOOK([
      ask.eventId,
      ask.familyId,
      ask.schoolId,
      ask.holdIds,
      ask.keyed?.principal ?? null,
      ask.keyed?.key ?? null,
      ask.arrivedAt,
      CONFIRMATION_GRACE_MS,
    ]),
  );
  const r = rows[0];
  if (!r?.in_school) return errorBody('not_found', { message: 'This event does not exist.' });
  if (r.answered) return null;
  if (r.archived || (!ask.byStaff && !r.open)) return errorBody('window_closed');
  const needed = ask.holdIds ? new Set(ask.holdIds).size : 1;
  if (r.live >= needed) return null;
  if (r.lapsed) return errorBody('hold_expired');
  return errorBody('not_found', {
    message: ask.holdIds ? 'No such hold.' : 'You have no holds to confirm.',
  });
}
