import type { PauseState } from '../../../../protocol/pause.ts';
import type { Queryable } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';

/**
 * What the families of an event see now: the operator's pause (it covers every event)
 * before the event's own, as confer_pause_refusal (migration 024) decides; null when
 * booking runs.
 */
export async function effectivePause(q: Queryable, eventId: string): Promise<PauseState | null> {
  const { rows } = await q.query<{ message: string; since: Date; by: 'school' | 'operator' }>(
    `SELECT message, paused_at AS since, 'operator' AS by FROM service_pause
     UNION ALL
     SELECT paused_message, paused_at, 'school' FROM events WHERE id = $1 AND paused_at IS NOT NULL
     ORDER BY by`,
    [eventId],
  );
  const r = rows[0];
  return r ? { message: r.message, since: r.since.toISOString(), by: r.by } : null;
}

/** The event's own pause (an admin's), whatever the operator did. */
export async function ownPause(q: Queryable, eventId: string): Promise<PauseState | null> {
  const { rows } = await q.query<{ message: string; since: Date }>(
    'SELECT paused_message AS message, paused_at AS since FROM events WHERE id = $1 AND paused_at IS NOT NULL',
    [eventId],
  );
  const r = rows[0];
  return r ? { message: r.message, since: r.since.toISOString(), by: 'school' } : null;
}

/**
 * Refuses while the event is paused, for a family write that books nothing and so does
 * not pass confer_booking_refusal (a fair-start request): the same SQL decides.
 */
export async function refuseIfPaused(q: Queryable, eventId: string): Promise<void> {
  const { rows } = await q.query<{ r: { detail: string } | null }>('SELECT confer_pause_refusal($1) AS r', [
    eventId,
  ]);
  const r = rows[0]?.r;
  if (!r) return;
  const detail = JSON.parse(r.detail) as { message: string; retryAfter: number };
  throw new DomainError('unavailable', detail.message, { retryAfter: detail.retryAfter });
}
