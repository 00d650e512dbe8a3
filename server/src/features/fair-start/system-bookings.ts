import type { DbClient } from '../../infra/db.ts';
import { refusalFrom } from '../booking/booking-refusals.ts';
import type { DomainError } from '../domain-error.ts';

export interface NewBooking {
  slotId: string;
  familyId: string;
  studentId: string;
}

export type Inserted = { ok: true; bookingId: string } | { ok: false; error: DomainError };

/**
 * Inserts confirmed bookings made on a family's behalf (a draw, an accepted offer)
 * inside the caller's transaction. The same constraints as every booking decide —
 * one per slot, no clash, the gap, one per teacher — and their refusals map to the
 * same codes. The whole batch is tried at once under a savepoint (a draw places
 * thousands); if any row is refused, each row is tried alone so one refusal does
 * not sink the others.
 */
export async function insertConfirmed(
  client: DbClient,
  rows: NewBooking[],
  by: { kind: 'family' | 'staff' | 'system'; id: string | null },
): Promise<Inserted[]> {
  if (rows.length === 0) return [];
  const insert = async (batch: NewBooking[]) => {
    const { rows: out } = await client.query<{ id: string; slot_id: string }>(
      `INSERT INTO bookings (slot_id, family_id, student_id, status, confirmed_at, created_by, created_by_id)
       SELECT s, f, st, 'confirmed', now(), $4, $5
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS t(s, f, st)
       RETURNING id, slot_id`,
      [
        batch.map((r) => r.slotId),
        batch.map((r) => r.familyId),
        batch.map((r) => r.studentId),
        by.kind,
        by.id,
      ],
    );
    const bySlot = new Map(out.map((r) => [r.slot_id, r.id]));
    return batch.map((r): Inserted => ({ ok: true, bookingId: bySlot.get(r.slotId)! }));
  };
  const attempt = async (batch: NewBooking[]): Promise<Inserted[] | DomainError> => {
    await client.query('SAVEPOINT confer_system_booking');
    try {
      const done = await insert(batch);
      await client.query('RELEASE SAVEPOINT confer_system_booking');
      return done;
    } catch (err) {
      await client.query('ROLLBACK TO SAVEPOINT confer_system_booking');
      const refusal = refusalFrom(err);
      if (!refusal) throw err;
      return refusal;
    }
  };
  const all = await attempt(rows);
  if (Array.isArray(all)) return all;
  if (rows.length === 1) return [{ ok: false, error: all }];
  const out: Inserted[] = [];
  for (const row of rows) {
    const one = await attempt([row]);
    out.push(Array.isArray(one) ? one[0]! : { ok: false, error: one });
  }
  return out;
}
