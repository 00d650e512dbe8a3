import type { EventStats } from '../../../../protocol/schools.ts';
import type { Db } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { staffDisplayName } from '../auth/auth.service.ts';
import type { Principal } from '../auth/principal.ts';

// A chart of the opening rush, not of the whole term.
const MAX_MINUTES = 24 * 60;

/** An event's booking statistics for its school's admins. */
export class EventStatsService {
  constructor(private readonly db: Db) {}

  async forEvent(p: Principal, eventId: string): Promise<EventStats> {
    const { rows: ev } = await this.db.query<{ booking_opens_at: Date; booking_closes_at: Date }>(
      'SELECT booking_opens_at, booking_closes_at FROM events WHERE id = $1 AND school_id = $2',
      [eventId, p.schoolId],
    );
    const event = ev[0];
    if (!event) throw new DomainError('not_found');
    const [families, teachers, minutes, peak] = await Promise.all([
      this.db.query<{ families: number; booked: number; confirmed: number }>(
        `SELECT (SELECT count(DISTINCT f.id)::int FROM families f JOIN family_students fs ON fs.family_id = f.id
                  WHERE f.school_id = $2 AND f.erased_at IS NULL) AS families,
                (SELECT count(DISTINCT family_id)::int FROM bookings
                  WHERE event_id = $1 AND status = 'confirmed') AS booked,
                (SELECT count(*)::int FROM bookings WHERE event_id = $1 AND status = 'confirmed') AS confirmed`,
        [eventId, p.schoolId],
      ),
      this.db.query<{ id: string; title: string; first_name: string; surname: string; n: number }>(
        `SELECT st.id, st.title, st.first_name, st.surname,
                count(b.id) FILTER (WHERE b.status = 'confirmed')::int AS n
           FROM staff st
           JOIN (SELECT DISTINCT staff_id FROM slots WHERE event_id = $1) t ON t.staff_id = st.id
           LEFT JOIN bookings b ON b.staff_id = st.id AND b.event_id = $1
          GROUP BY st.id ORDER BY n DESC, st.surname, st.id`,
        [eventId],
      ),
      // From the log rather than the bookings: a booking cancelled later still
      // counts in the minute it was made, which is what the rush looked like.
      this.db.query<{ minute: number; n: number }>(
        `SELECT floor(extract(epoch FROM l.at - $2::timestamptz) / 60)::int AS minute, count(*)::int AS n
           FROM booking_log l
          WHERE l.event_id = $1 AND l.action = 'confirmed' AND l.at >= $2::timestamptz
            AND l.at < $2::timestamptz + make_interval(mins => $3)
          GROUP BY 1 ORDER BY 1`,
        [eventId, event.booking_opens_at, MAX_MINUTES],
      ),
      this.db.query<{ peak: number | null }>(
        `SELECT max(peak)::int AS peak FROM connection_peaks
          WHERE school_id = $1 AND day BETWEEN ($2::timestamptz AT TIME ZONE 'UTC')::date - 1
                                       AND ($3::timestamptz AT TIME ZONE 'UTC')::date`,
        [p.schoolId, event.booking_opens_at, event.booking_closes_at],
      ),
    ]);
    const f = families.rows[0]!;
    const last = minutes.rows.at(-1)?.minute ?? -1;
    const counts = new Map(minutes.rows.map((r) => [r.minute, r.n]));
    return {
      eventId,
      families: f.families,
      familiesBooked: f.booked,
      percentBooked: f.families ? Math.round((f.booked / f.families) * 1000) / 10 : 0,
      confirmedBookings: f.confirmed,
      bookingsPerTeacher: teachers.rows.map((t) => ({
        teacherId: t.id,
        name: staffDisplayName(t),
        bookings: t.n,
      })),
      perMinute: Array.from({ length: last + 1 }, (_, minute) => ({
        minute,
        bookings: counts.get(minute) ?? 0,
      })),
      peakConnections: peak.rows[0]?.peak ?? 0,
    };
  }
}
