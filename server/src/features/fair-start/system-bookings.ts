import type { ErrorCode } from '../../../../protocol/errors.ts';
import type { DbClient } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { refusalFrom, refusalRaised } from '../booking/booking-refusals.ts';

export interface NewBooking {
  slotId: string;
  familyId: string;
  studentId: string;
  /** The booking this one replaces (a cover offer): not counted against the child's cap. */
  replaces?: string | null;
}

/** Who asks and which rules they may set aside (migration 011's confer_booking_refusal). */
export interface PolicyAsk {
  /** The asker's school; null for the system (bound by each slot's own school). */
  schoolId: string | null;
  override: 'fair_start_draw' | 'cover_offer' | 'staff' | null;
}

export type Inserted = { ok: true; bookingId: string } | { ok: false; error: DomainError };

/**
 * Inserts confirmed bookings made on a family's behalf (a draw, an accepted offer)
 * inside the caller's transaction. Each row first passes the booking policy
 * (confer_booking_refusal: tenancy, window, mode, the slot, the teacher, the cap),
 * the same function the hold asks, with the caller's named override; then the same
 * constraints as every booking decide — one per slot, no clash, the gap, one per
 * teacher — and their refusals map to the same codes. The whole batch is tried at once under a savepoint (a draw places
 * thousands); if any row is refused, each row is tried alone so one refusal does
 * not sink the others.
 */
export async function insertConfirmed(
  client: DbClient,
  rows: NewBooking[],
  by: { kind: 'family' | 'staff' | 'system'; id: string | null },
  ask: PolicyAsk,
): Promise<Inserted[]> {
  if (rows.length === 0) return [];
  // The override is recorded with every change this transaction logs (booking_log.override).
  if (ask.override) await client.query(`SELECT set_config('confer.override', $1, true)`, [ask.override]);
  const { rows: refusals } = await client.query<{ refusal: { code: string; detail?: string } | null }>(
    `SELECT confer_booking_refusal(s, f, st, $5::uuid, $6::text, r) AS refusal
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[]) WITH ORDINALITY AS t(s, f, st, r, i)
      ORDER BY i`,
    [
      rows.map((r) => r.slotId),
      rows.map((r) => r.familyId),
      rows.map((r) => r.studentId),
      rows.map((r) => r.replaces ?? null),
      ask.schoolId,
      ask.override,
    ],
  );
  const refusedAt = new Map<number, DomainError>();
  refusals.forEach((r, i) => {
    if (r.refusal)
      refusedAt.set(
        i,
        refusalRaised({ code: 'P0001', message: r.refusal.code, detail: r.refusal.detail }) ??
          new DomainError(r.refusal.code as ErrorCode),
      );
  });
  if (refusedAt.size > 0) {
    const allowed = rows.filter((_, i) => !refusedAt.has(i));
    const done = await insertConfirmed(client, allowed, by, ask);
    let k = 0;
    return rows.map(
      (_, i): Inserted => (refusedAt.has(i) ? { ok: false, error: refusedAt.get(i)! } : done[k++]!),
    );
  }
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
