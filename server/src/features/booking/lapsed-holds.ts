import type { DbClient } from '../../infra/db.ts';
import type { Change } from './event-changes.ts';

/**
 * Ends the lapsed holds in a slot inside the caller's transaction, so they stop
 * standing in the way of the constraints (one active booking per slot) when staff or
 * a family's move put a booking there. Returns the changes to record with the write.
 * (confer_hold does the same in SQL for the hot path.)
 */
export async function endLapsedHoldsIn(client: DbClient, slotId: string): Promise<Change[]> {
  const { rows } = await client.query<{ id: string; family_id: string; student_id: string }>(
    `UPDATE bookings SET status = 'expired', ended_at = now()
      WHERE slot_id = $1 AND status = 'held' AND expires_at <= now()
      RETURNING id, family_id, student_id`,
    [slotId],
  );
  return rows.map((r) => ({
    action: 'expired',
    slotId,
    bookingId: r.id,
    familyId: r.family_id,
    studentId: r.student_id,
  }));
}
