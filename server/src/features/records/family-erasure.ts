import type { EraseFamilyResponse } from '../../../../protocol/schools.ts';
import { type Db, inTransaction } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import type { Principal } from '../auth/principal.ts';
import type { SessionStore } from '../auth/session-store.ts';
import type { BookingService } from '../booking/booking.service.ts';
import {
  ANONYMOUS_FAMILY_SET,
  ANONYMOUS_STUDENT_SET,
  forgetFamiliesTraces,
} from '../retention/anonymous-people.ts';
import type { RecordsService } from './records.service.ts';

/**
 * Erasure on request (data rights). Personal fields are replaced by placeholders and
 * the family can no longer sign in; booking rows stay (anonymous: they point at the
 * placeholder family) so the school's counts and the id-only booking log stay right.
 * A child shared with another family (separated parents) keeps its name: that data
 * is the other family's too.
 */
export class FamilyErasure {
  constructor(
    private readonly db: Db,
    private readonly records: RecordsService,
    private readonly booking: BookingService,
    private readonly sessions: SessionStore,
    private readonly sessionsEnded: (ids: string[]) => void,
  ) {}

  async erase(p: Principal, familyId: string): Promise<EraseFamilyResponse> {
    // Live appointments are cancelled first through the booking service, so the slots
    // free up on every screen and the log records it like any staff cancellation.
    for (const bookingId of await this.records.activeBookings(p, familyId)) {
      const r = await this.booking.cancel(p, bookingId, { key: null });
      if (!r.ok && r.error.code !== 'not_found' && r.error.code !== 'window_closed')
        throw new DomainError(r.error.code, r.error.message);
    }
    const result = await inTransaction(this.db, async (c) => {
      const { rows } = await c.query<{ email: string | null }>(
        'SELECT email FROM families WHERE id = $1 AND school_id = $2 FOR UPDATE',
        [familyId, p.schoolId],
      );
      if (!rows[0]) throw new DomainError('not_found');
      const oldEmail = rows[0].email;
      // The sealed code went with the digest only later: before, an erased
      // family's code could still be opened from its sealed copy.
      await c.query(`UPDATE families SET ${ANONYMOUS_FAMILY_SET} WHERE id = $1`, [familyId]);
      const { rows: students } = await c.query<{ id: string }>(
        `UPDATE students s SET ${ANONYMOUS_STUDENT_SET}
          WHERE s.id IN (SELECT student_id FROM family_students WHERE family_id = $1)
            AND NOT EXISTS (SELECT 1 FROM family_students o JOIN families f ON f.id = o.family_id
                             WHERE o.student_id = s.id AND o.family_id <> $1 AND f.erased_at IS NULL)
          RETURNING s.id`,
        [familyId],
      );
      await c.query(`UPDATE bookings SET note = '' WHERE family_id = $1 AND note <> ''`, [familyId]);
      await c.query(
        `UPDATE booking_notes n SET body = '' FROM bookings b WHERE b.id = n.booking_id AND b.family_id = $1`,
        [familyId],
      );
      await c.query(
        `UPDATE feedback SET name = '', email = NULL, subject = 'Erased', body = 'Erased on request.',
                secret_sealed = NULL, language = NULL
          WHERE family_id = $1`,
        [familyId],
      );
      await forgetFamiliesTraces(c, p.schoolId, [{ id: familyId, email: oldEmail }]);
      const { rows: kept } = await c.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM bookings WHERE family_id = $1',
        [familyId],
      );
      return { familyId, bookingsKept: kept[0]!.n, studentsAnonymised: students.length };
    });
    this.sessionsEnded(await this.sessions.revokeAllOf({ familyId }, 'erased'));
    return result;
  }
}
