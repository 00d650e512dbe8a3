import type pg from 'pg';

/**
 * What the database holds after the rush, checked by plain SQL (not through the
 * constraints that should have prevented it): the benchmark's correctness verdict.
 */
export async function checkIntegrity(db: pg.Pool, eventId: string, confirmedIds: string[]) {
  const one = async (sql: string, params: unknown[]) =>
    (await db.query<{ n: number }>(sql, params)).rows[0]!.n;
  const doubleBookings = await one(
    `SELECT count(*)::int AS n FROM (
       SELECT slot_id FROM bookings WHERE event_id = $1 AND status IN ('held', 'confirmed')
        GROUP BY slot_id HAVING count(*) > 1) d`,
    [eventId],
  );
  const clashes = await one(
    `SELECT count(*)::int AS n FROM bookings a JOIN bookings b
         ON b.id > a.id AND (b.family_id = a.family_id OR b.student_id = a.student_id)
      WHERE a.event_id = $1 AND b.event_id = $1
        AND a.status IN ('held', 'confirmed') AND b.status IN ('held', 'confirmed')
        AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)`,
    [eventId],
  );
  const sameTeacherTwice = await one(
    `SELECT count(*)::int AS n FROM (
       SELECT student_id, staff_id FROM bookings WHERE event_id = $1 AND status IN ('held', 'confirmed')
        GROUP BY student_id, staff_id HAVING count(*) > 1) d`,
    [eventId],
  );
  const lostConfirmations = await one(
    `SELECT count(*)::int AS n FROM unnest($1::uuid[]) AS c(id)
      WHERE NOT EXISTS (SELECT 1 FROM bookings b WHERE b.id = c.id AND b.status = 'confirmed')`,
    [confirmedIds],
  );
  const confirmedInDb = await one(
    `SELECT count(*)::int AS n FROM bookings WHERE event_id = $1 AND status = 'confirmed'`,
    [eventId],
  );
  return { doubleBookings, clashes, sameTeacherTwice, lostConfirmations, confirmedInDb };
}
