import type { Queryable } from '../../infra/db.ts';

/** Who interprets a meeting, as staff are told it: the interpreter's name and the language. */
export interface MeetingInterpreter {
  name: string;
  /** The language the family needs (BCP-47), as the reservation holds it. */
  language: string;
}

/**
 * The interpreter held for each of these bookings that has one, by booking id, for a
 * list that does not join the reservation itself (the teacher's day mail). Only live
 * reservations, and only the school's own interpreters: the reservation's fill trigger
 * already refuses another school's, and this read does not lean on it.
 */
export async function meetingInterpreters(
  q: Queryable,
  schoolId: string,
  bookingIds: readonly string[],
): Promise<Map<string, MeetingInterpreter>> {
  if (bookingIds.length === 0) return new Map();
  const { rows } = await q.query<{ booking_id: string; name: string; language: string }>(
    `SELECT bi.booking_id, i.name, bi.language
       FROM booking_interpreters bi
       JOIN interpreters i ON i.id = bi.interpreter_id AND i.school_id = $2
      WHERE bi.booking_id = ANY($1::uuid[]) AND bi.status IN ('held', 'confirmed')`,
    [bookingIds, schoolId],
  );
  return new Map(rows.map((r) => [r.booking_id, { name: r.name, language: r.language }]));
}
