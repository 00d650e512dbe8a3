import type { InterpreterSchedule, InterpreterWindow } from '../../../../protocol/interpreters.ts';
import type { Queryable } from '../../infra/db.ts';
import { isoTime } from '../../infra/iso-time.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { schoolDate, schoolTime } from '../admin/local-times.ts';
import { staffDisplayName } from '../auth/auth.service.ts';

/** A window as admins type it (school-local) and as an instant range. */
export function windowView(startsAt: Date, endsAt: Date, timeZone: string): InterpreterWindow {
  return {
    date: schoolDate(startsAt, timeZone),
    from: schoolTime(startsAt, timeZone),
    to: schoolTime(endsAt, timeZone),
    startsAt: isoTime(startsAt),
    endsAt: isoTime(endsAt),
  };
}

/** An interpreter's windows at an event, in time order. */
export async function interpreterWindows(
  q: Queryable,
  eventId: string,
  interpreterId: string,
  timeZone: string,
): Promise<InterpreterWindow[]> {
  const { rows } = await q.query<{ starts_at: Date; ends_at: Date }>(
    `SELECT starts_at, ends_at FROM interpreter_availability
      WHERE event_id = $1 AND interpreter_id = $2 ORDER BY starts_at`,
    [eventId, interpreterId],
  );
  return rows.map((r) => windowView(r.starts_at, r.ends_at, timeZone));
}

/**
 * One interpreter's evening: their windows and their held and booked meetings (time,
 * teacher, family, child, language), lapsed holds left out. The school decides who
 * may read it; the admin route and, later, the schedule mail both read it here.
 * Another school's ids answer `not_found`, like missing ones.
 */
export async function interpreterSchedule(
  q: Queryable,
  schoolId: string,
  eventId: string,
  interpreterId: string,
): Promise<InterpreterSchedule> {
  const { rows: head } = await q.query<{
    event_name: string;
    time_zone: string;
    id: string;
    name: string;
    languages: string[];
    email: string | null;
  }>(
    `SELECT e.name AS event_name, sc.time_zone, i.id, i.name, i.languages, i.email
       FROM events e JOIN schools sc ON sc.id = e.school_id
       JOIN interpreters i ON i.school_id = e.school_id AND i.id = $3
      WHERE e.id = $2 AND e.school_id = $1`,
    [schoolId, eventId, interpreterId],
  );
  const h = head[0];
  if (!h) throw new DomainError('not_found', 'No such event or interpreter.');
  const { rows } = await q.query<{
    booking_id: string;
    status: 'held' | 'confirmed';
    starts_at: Date;
    ends_at: Date;
    room: string;
    title: string;
    first_name: string;
    surname: string;
    family_surname: string;
    student_name: string;
    language: string;
  }>(
    `SELECT b.id AS booking_id, b.status, b.starts_at, b.ends_at, s.room, t.title, t.first_name, t.surname,
            f.surname AS family_surname, stu.first_name || ' ' || stu.surname AS student_name, bi.language
       FROM booking_interpreters bi
       JOIN bookings b ON b.id = bi.booking_id
       JOIN slots s ON s.id = b.slot_id
       JOIN staff t ON t.id = b.staff_id
       JOIN families f ON f.id = b.family_id
       JOIN students stu ON stu.id = b.student_id
      WHERE bi.interpreter_id = $1 AND bi.event_id = $2 AND bi.status IN ('held', 'confirmed')
        AND booking_is_active(b.status, b.expires_at)
      ORDER BY b.starts_at`,
    [interpreterId, eventId],
  );
  return {
    eventId,
    eventName: h.event_name,
    timeZone: h.time_zone,
    interpreter: { id: h.id, name: h.name, languages: h.languages, email: h.email },
    windows: await interpreterWindows(q, eventId, interpreterId, h.time_zone),
    meetings: rows.map((r) => ({
      bookingId: r.booking_id,
      status: r.status,
      startsAt: isoTime(r.starts_at),
      endsAt: isoTime(r.ends_at),
      room: r.room,
      teacherName: staffDisplayName(r),
      familySurname: r.family_surname,
      studentName: r.student_name,
      language: r.language,
    })),
  };
}
