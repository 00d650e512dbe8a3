import { interpreterLanguageName } from '../../../../protocol/interpreter-language-name.ts';
import type { Translator } from '../../i18n/translator.ts';
import type { Queryable } from '../../infra/db.ts';
import { staffDisplayName } from '../auth/auth.service.ts';

/** One appointment as a mail shows it. */
export interface Appointment {
  bookingId: string;
  startsAt: Date;
  endsAt: Date;
  teacherName: string;
  /** What the teacher teaches this student ('' when the class list names nothing). */
  subject: string;
  room: string;
  studentName: string;
  familySurname: string;
  status: 'held' | 'confirmed' | 'cancelled' | 'expired';
  /**
   * The language (BCP-47) of the interpreter reserved for the meeting, null when none or the
   * reservation ended (a cancelled meeting). Never who: the family's mail names no interpreter.
   */
  interpreterLanguage?: string | null;
  /** Who interprets: for staff mail only (the teacher's day); family mail never names them. */
  interpreterName?: string | null;
  /**
   * The appointment's version for calendars (SEQUENCE): its slot's change version.
   * Every change to the booking (confirm, move, resize, cancel) records a change on
   * its slot, which takes a new, higher version from one sequence; nothing else
   * changes a booked slot. Same state, same number; each change, a higher one.
   */
  sequence: number;
}

/**
 * The teacher as a family should read them, in its language: a school may have two
 * "Mr Hill"s, told apart by what they teach the child. Names and subjects are data.
 */
export function teacherFor(t: Translator, a: Pick<Appointment, 'teacherName' | 'subject'>): string {
  return a.subject ? t.m.mail_teacher_subject({ teacher: a.teacherName, subject: a.subject }) : a.teacherName;
}

/**
 * The language of the meeting's interpreter as the family reads it (in its language; the
 * interpreter is not named), or null when the meeting has none.
 */
export function interpreterLanguageFor(
  t: Translator,
  a: Pick<Appointment, 'interpreterLanguage'>,
): string | null {
  return a.interpreterLanguage
    ? interpreterLanguageName(a.interpreterLanguage, t.tag, () => t.m.interpreter_language_bfi())
    : null;
}

export interface EventContext {
  eventId: string;
  eventName: string;
  schoolId: string;
  schoolName: string;
  timeZone: string;
}

export interface FamilyContext extends EventContext {
  familyId: string;
  email: string | null;
  surname: string;
  /** The language the family reads Confer in (families.language); null or absent: English. */
  language?: string | null;
}

const APPOINTMENT_SELECT = `
  SELECT b.id, b.starts_at, b.ends_at, b.status, s.room, s.version, t.title, t.first_name, t.surname,
         stu.first_name || ' ' || stu.surname AS student_name, f.surname AS family_surname,
         coalesce(ts.subject, '') AS subject, mi.language AS interpreter_language,
         mi.name AS interpreter_name
    FROM bookings b
    JOIN slots s ON s.id = b.slot_id
    JOIN staff t ON t.id = b.staff_id
    JOIN students stu ON stu.id = b.student_id
    JOIN families f ON f.id = b.family_id
    LEFT JOIN teacher_students ts ON ts.staff_id = b.staff_id AND ts.student_id = b.student_id
    LEFT JOIN meeting_interpreters mi ON mi.booking_id = b.id AND mi.school_id = f.school_id`;

interface AppointmentRow {
  id: string;
  starts_at: Date;
  ends_at: Date;
  status: Appointment['status'];
  room: string;
  /** bigint: pg hands it over as text. */
  version: string;
  title: string;
  first_name: string;
  surname: string;
  student_name: string;
  family_surname: string;
  subject: string;
  interpreter_language: string | null;
  interpreter_name: string | null;
}

function toAppointment(r: AppointmentRow): Appointment {
  return {
    bookingId: r.id,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    teacherName: staffDisplayName(r),
    subject: r.subject,
    room: r.room,
    studentName: r.student_name,
    familySurname: r.family_surname,
    status: r.status,
    interpreterLanguage: r.interpreter_language,
    interpreterName: r.interpreter_name,
    sequence: Number(r.version),
  };
}

export async function loadFamilyContext(
  q: Queryable,
  familyId: string,
  eventId: string,
): Promise<FamilyContext | null> {
  const { rows } = await q.query<{
    email: string | null;
    surname: string;
    language: string | null;
    event_name: string;
    school_id: string;
    school_name: string;
    time_zone: string;
  }>(
    `SELECT f.email, f.surname, f.language, e.name AS event_name, sc.id AS school_id, sc.name AS school_name, sc.time_zone
       FROM families f JOIN events e ON e.school_id = f.school_id JOIN schools sc ON sc.id = e.school_id
      WHERE f.id = $1 AND e.id = $2`,
    [familyId, eventId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    familyId,
    email: r.email,
    surname: r.surname,
    language: r.language,
    eventId,
    eventName: r.event_name,
    schoolId: r.school_id,
    schoolName: r.school_name,
    timeZone: r.time_zone,
  };
}

/** The family's confirmed appointments at the event, in time order. */
export async function loadConfirmedItinerary(
  q: Queryable,
  familyId: string,
  eventId: string,
): Promise<Appointment[]> {
  const { rows } = await q.query<AppointmentRow>(
    `${APPOINTMENT_SELECT} WHERE b.family_id = $1 AND b.event_id = $2 AND b.status = 'confirmed'
      ORDER BY b.starts_at`,
    [familyId, eventId],
  );
  return rows.map(toAppointment);
}

/** Particular bookings of one family (whatever their status), in time order. */
export async function loadFamilyBookings(
  q: Queryable,
  familyId: string,
  bookingIds: string[],
): Promise<Appointment[]> {
  const { rows } = await q.query<AppointmentRow>(
    `${APPOINTMENT_SELECT} WHERE b.family_id = $1 AND b.id = ANY($2::uuid[]) ORDER BY b.starts_at`,
    [familyId, bookingIds],
  );
  return rows.map(toAppointment);
}

export interface StaffContext {
  staffId: string;
  email: string;
  displayName: string;
  isAdmin: boolean;
  active: boolean;
  optedOut: boolean;
  optOutToken: string;
  schoolId: string;
  schoolName: string;
  timeZone: string;
}

export async function loadStaffContext(q: Queryable, staffId: string): Promise<StaffContext | null> {
  const { rows } = await q.query<{
    email: string;
    title: string;
    first_name: string;
    surname: string;
    is_admin: boolean;
    active: boolean;
    opted_out: boolean;
    mail_opt_out_token: string;
    school_id: string;
    school_name: string;
    time_zone: string;
  }>(
    `SELECT st.email, st.title, st.first_name, st.surname, st.is_admin, st.active,
            st.system_mail_opt_out_at IS NOT NULL AS opted_out, st.mail_opt_out_token,
            sc.id AS school_id, sc.name AS school_name, sc.time_zone
       FROM staff st JOIN schools sc ON sc.id = st.school_id WHERE st.id = $1`,
    [staffId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    staffId,
    email: r.email,
    displayName: staffDisplayName(r),
    isAdmin: r.is_admin,
    active: r.active,
    optedOut: r.opted_out,
    optOutToken: r.mail_opt_out_token,
    schoolId: r.school_id,
    schoolName: r.school_name,
    timeZone: r.time_zone,
  };
}

/**
 * A teacher's confirmed appointments on one school-local day of an event. The day
 * is cut in the school's zone by PostgreSQL, not in the worker's own zone.
 */
export async function loadTeacherDay(
  q: Queryable,
  staffId: string,
  eventId: string,
  date: string,
): Promise<{ event: EventContext; appointments: Appointment[] } | null> {
  const { rows: ev } = await q.query<{
    event_name: string;
    school_id: string;
    school_name: string;
    time_zone: string;
  }>(
    `SELECT e.name AS event_name, sc.id AS school_id, sc.name AS school_name, sc.time_zone
       FROM events e JOIN schools sc ON sc.id = e.school_id WHERE e.id = $1`,
    [eventId],
  );
  const e = ev[0];
  if (!e) return null;
  const { rows } = await q.query<AppointmentRow>(
    `${APPOINTMENT_SELECT}
      WHERE b.staff_id = $1 AND b.event_id = $2 AND b.status = 'confirmed'
        AND (b.starts_at AT TIME ZONE $4)::date = $3::date
      ORDER BY b.starts_at`,
    [staffId, eventId, date, e.time_zone],
  );
  return {
    event: {
      eventId,
      eventName: e.event_name,
      schoolId: e.school_id,
      schoolName: e.school_name,
      timeZone: e.time_zone,
    },
    appointments: rows.map(toAppointment),
  };
}
