import type { BookingNote } from '../../../../protocol/admin.ts';
import type { Db, Queryable } from '../../infra/db.ts';
import { DomainError, type Result } from '../../refusals/domain-error.ts';
import { staffDisplayName } from '../auth/auth.service.ts';
import type { Principal } from '../auth/principal.ts';
import { principalKey } from '../auth/principal.ts';
import { runIdempotent } from '../booking/idempotency.ts';

/**
 * A teacher's private note on an appointment. Only the appointment's teacher and the
 * school's admins read or write it; to anyone else the booking does not exist here.
 */
export class BookingNotesService {
  constructor(private readonly deps: { db: Db }) {}

  private async booking(q: Queryable, p: Principal, bookingId: string): Promise<{ staff_id: string }> {
    if (p.kind !== 'staff') throw new DomainError('forbidden');
    const { rows } = await q.query<{ staff_id: string; school_id: string }>(
      'SELECT b.staff_id, e.school_id FROM bookings b JOIN events e ON e.id = b.event_id WHERE b.id = $1',
      [bookingId],
    );
    const b = rows[0];
    if (!b || b.school_id !== p.schoolId || !(p.isAdmin || (p.isTeacher && b.staff_id === p.staffId)))
      throw new DomainError('not_found', 'No such appointment.');
    return b;
  }

  private async read(q: Queryable, bookingId: string, staffId: string): Promise<BookingNote> {
    const { rows } = await q.query<{
      body: string;
      updated_at: Date;
      by_id: string | null;
      title: string | null;
      first_name: string | null;
      surname: string | null;
    }>(
      `SELECT n.body, n.updated_at, u.id AS by_id, u.title, u.first_name, u.surname
         FROM booking_notes n LEFT JOIN staff u ON u.id = n.updated_by
        WHERE n.booking_id = $1 AND n.staff_id = $2`,
      [bookingId, staffId],
    );
    const n = rows[0];
    if (!n) return { bookingId, body: '', updatedAt: null, updatedBy: null };
    return {
      bookingId,
      body: n.body,
      updatedAt: n.updated_at.toISOString(),
      updatedBy: n.by_id
        ? {
            id: n.by_id,
            displayName: staffDisplayName({
              title: n.title ?? '',
              first_name: n.first_name ?? '',
              surname: n.surname ?? '',
            }),
          }
        : null,
    };
  }

  async get(p: Principal, bookingId: string): Promise<BookingNote> {
    const b = await this.booking(this.deps.db, p, bookingId);
    return this.read(this.deps.db, bookingId, b.staff_id);
  }

  async set(
    p: Principal,
    bookingId: string,
    body: string,
    idem: { key: string | null },
  ): Promise<Result<BookingNote>> {
    const scope = idem.key
      ? { principal: principalKey(p), key: idem.key, operation: 'setNote', input: { bookingId, body } }
      : null;
    return runIdempotent(this.deps.db, scope, async (client) => {
      const b = await this.booking(client, p, bookingId);
      await client.query(
        `INSERT INTO booking_notes (booking_id, staff_id, body, updated_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (booking_id, staff_id)
         DO UPDATE SET body = EXCLUDED.body, updated_by = EXCLUDED.updated_by, updated_at = now()`,
        [bookingId, b.staff_id, body, p.kind === 'staff' ? p.staffId : null],
      );
      return this.read(client, bookingId, b.staff_id);
    });
  }
}
