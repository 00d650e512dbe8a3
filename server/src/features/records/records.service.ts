import { DateTime } from 'luxon';
import type { Locale } from '../../../../protocol/locales.ts';
import type { BookingLogView, FamilyExport } from '../../../../protocol/schools.ts';
import type { Db } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { eventInSchool } from '../admin/admin-scope.ts';
import { type CsvFile, csvFilename, toCsv } from '../admin/csv-format.ts';
import type { Principal } from '../auth/principal.ts';

/** A staff member's name as the records show it, for SQL with `staff st` in scope. */
export const STAFF_NAME = `CASE WHEN st.title <> '' THEN st.title || ' ' || st.surname ELSE st.first_name || ' ' || st.surname END`;

export interface ScheduleRow {
  teacherId: string;
  teacher: string;
  startsAt: Date;
  endsAt: Date;
  room: string;
  state: 'free' | 'blocked' | 'held' | 'booked';
  student: string;
  yearGroup: string;
  className: string;
  family: string;
  /** The interpreter held for the meeting, or null (the family needs none). */
  interpreter: { name: string; language: string } | null;
}

/**
 * The school's records: the booking log of each event (which holds only ids; names
 * are looked up when it is read, so an erased family shows as erased), schedules,
 * and a family's data on request. Archived events stay readable here.
 */
export class RecordsService {
  constructor(private readonly db: Db) {}

  async log(p: Principal, eventId: string): Promise<BookingLogView> {
    const event = await eventInSchool(this.db, p, eventId);
    const { rows } = await this.db.query<{
      id: number;
      at: Date;
      action: string;
      actor_kind: 'family' | 'staff' | 'system';
      actor_id: string | null;
      actor_name: string | null;
      booking_id: string | null;
      slot_id: string;
      teacher_name: string | null;
      slot_starts_at: Date | null;
      family_id: string | null;
      family_surname: string | null;
      student_id: string | null;
      student_name: string | null;
      version: number;
    }>(
      `SELECT l.id, l.at, l.action, l.actor_kind, l.actor_id, l.booking_id, l.slot_id, l.family_id,
              l.student_id, l.version, sl.starts_at AS slot_starts_at,
              (SELECT ${STAFF_NAME} FROM staff st WHERE st.id = sl.staff_id) AS teacher_name,
              f.surname AS family_surname,
              CASE WHEN s.id IS NOT NULL THEN s.first_name || ' ' || s.surname END AS student_name,
              CASE l.actor_kind
                WHEN 'staff' THEN (SELECT ${STAFF_NAME} FROM staff st WHERE st.id = l.actor_id)
                WHEN 'family' THEN (SELECT fa.surname FROM families fa WHERE fa.id = l.actor_id)
              END AS actor_name
         FROM booking_log l
         LEFT JOIN slots sl ON sl.id = l.slot_id
         LEFT JOIN families f ON f.id = l.family_id
         LEFT JOIN students s ON s.id = l.student_id
        WHERE l.event_id = $1 ORDER BY l.id`,
      [event.id],
    );
    return {
      eventId: event.id,
      archived: event.archived,
      entries: rows.map((r) => ({
        id: r.id,
        at: r.at.toISOString(),
        action: r.action,
        actorKind: r.actor_kind,
        actorId: r.actor_id,
        actorName: r.actor_name,
        bookingId: r.booking_id,
        slotId: r.slot_id,
        teacherName: r.teacher_name,
        slotStartsAt: r.slot_starts_at?.toISOString() ?? null,
        familyId: r.family_id,
        familySurname: r.family_surname,
        studentId: r.student_id,
        studentName: r.student_name,
        version: r.version,
      })),
    };
  }

  async logCsv(p: Principal, eventId: string): Promise<CsvFile> {
    const event = await eventInSchool(this.db, p, eventId);
    const view = await this.log(p, eventId);
    const local = (iso: string | null) =>
      iso ? DateTime.fromISO(iso, { zone: event.time_zone }).toFormat('yyyy-LL-dd HH:mm:ss') : '';
    return {
      filename: csvFilename(event.name, 'booking-log'),
      body: toCsv(
        [
          'When',
          'Action',
          'By',
          'By (name)',
          'Teacher',
          'Slot start',
          'Family',
          'Student',
          'Booking id',
          'Version',
        ],
        view.entries.map((e) => [
          local(e.at),
          e.action,
          e.actorKind,
          e.actorName ?? '',
          e.teacherName ?? '',
          local(e.slotStartsAt),
          e.familySurname ?? '',
          e.studentName ?? '',
          e.bookingId ?? '',
          e.version,
        ]),
      ),
    };
  }

  /** Every slot of the event (or of one teacher) in time order, with who is in it. */
  async schedule(
    p: Principal,
    eventId: string,
    teacherId: string | null,
  ): Promise<{ event: { name: string; timeZone: string }; rows: ScheduleRow[] }> {
    const event = await eventInSchool(this.db, p, eventId);
    const { rows } = await this.db.query<{
      teacher_id: string;
      teacher: string;
      starts_at: Date;
      ends_at: Date;
      room: string;
      blocked: boolean;
      status: 'held' | 'confirmed' | null;
      student: string | null;
      year_group: string | null;
      class_name: string | null;
      family: string | null;
      interpreter_name: string | null;
      interpreter_language: string | null;
    }>(
      `SELECT sl.staff_id AS teacher_id, ${STAFF_NAME} AS teacher, sl.starts_at, sl.ends_at, sl.room, sl.blocked,
              b.status, s.first_name || ' ' || s.surname AS student, s.year_group, s.class_name, f.surname AS family,
              mi.name AS interpreter_name, mi.language AS interpreter_language
         FROM slots sl
         JOIN staff st ON st.id = sl.staff_id AND st.school_id = $3
         -- A lapsed hold is free, whether or not anything has ended it yet (see slot_rows).
         LEFT JOIN bookings b ON b.slot_id = sl.id
              AND booking_is_active(b.status, b.expires_at)
         LEFT JOIN students s ON s.id = b.student_id
         LEFT JOIN families f ON f.id = b.family_id
         LEFT JOIN meeting_interpreters mi ON mi.booking_id = b.id AND mi.school_id = $3
        WHERE sl.event_id = $1 AND ($2::uuid IS NULL OR sl.staff_id = $2)
        ORDER BY st.surname, st.first_name, sl.staff_id, sl.starts_at`,
      [event.id, teacherId, p.schoolId],
    );
    if (teacherId && rows.length === 0) {
      const { rowCount } = await this.db.query('SELECT 1 FROM staff WHERE id = $1 AND school_id = $2', [
        teacherId,
        p.schoolId,
      ]);
      if (!rowCount) throw new DomainError('not_found');
    }
    return {
      event: { name: event.name, timeZone: event.time_zone },
      rows: rows.map((r) => ({
        teacherId: r.teacher_id,
        teacher: r.teacher,
        startsAt: r.starts_at,
        endsAt: r.ends_at,
        room: r.room,
        state:
          r.status === 'confirmed' ? 'booked' : r.status === 'held' ? 'held' : r.blocked ? 'blocked' : 'free',
        student: r.student ?? '',
        yearGroup: r.year_group ?? '',
        className: r.class_name ?? '',
        family: r.family ?? '',
        interpreter:
          r.interpreter_name && r.interpreter_language
            ? { name: r.interpreter_name, language: r.interpreter_language }
            : null,
      })),
    };
  }

  async scheduleCsv(p: Principal, eventId: string, teacherId: string | null): Promise<CsvFile> {
    const { event, rows } = await this.schedule(p, eventId, teacherId);
    const z = event.timeZone;
    const fmt = (d: Date, f: string) => DateTime.fromJSDate(d, { zone: z }).toFormat(f);
    return {
      filename: csvFilename(event.name, teacherId ? (rows[0]?.teacher ?? 'teacher') : 'schedules'),
      body: toCsv(
        [
          'Teacher',
          'Date',
          'Start',
          'End',
          'Room',
          'State',
          'Student',
          'Year group',
          'Class',
          'Family surname',
          'Interpreter',
          'Interpreter language',
        ],
        rows.map((r) => [
          r.teacher,
          fmt(r.startsAt, 'yyyy-LL-dd'),
          fmt(r.startsAt, 'HH:mm'),
          fmt(r.endsAt, 'HH:mm'),
          r.room,
          r.state,
          r.student,
          r.yearGroup,
          r.className,
          r.family,
          r.interpreter?.name ?? '',
          r.interpreter?.language ?? '',
        ]),
      ),
    };
  }

  private async family(p: Principal, familyId: string) {
    const { rows } = await this.db.query<{
      id: string;
      external_id: string | null;
      surname: string;
      email: string | null;
      has_code: boolean;
      language: Locale | null;
      interpreter_language: string | null;
      created_at: Date;
      erased_at: Date | null;
    }>(
      `SELECT id, external_id, surname, email, access_code_hash IS NOT NULL AS has_code, language,
              interpreter_language, created_at, erased_at
         FROM families WHERE id = $1 AND school_id = $2`,
      [familyId, p.schoolId],
    );
    if (!rows[0]) throw new DomainError('not_found');
    return rows[0];
  }

  /** Everything Confer holds about one family (subject access request), as one JSON document. */
  async exportFamily(p: Principal, familyId: string): Promise<FamilyExport> {
    const f = await this.family(p, familyId);
    const q = this.db;
    const [school, students, bookings, log, sessions, feedback, emails, invitations] = await Promise.all([
      q.query<{ id: string; code: string; name: string }>(
        'SELECT id, code, name FROM schools WHERE id = $1',
        [p.schoolId],
      ),
      q.query<{
        id: string;
        external_id: string | null;
        first_name: string;
        surname: string;
        year_group: string;
        class_name: string;
      }>(
        `SELECT s.id, s.external_id, s.first_name, s.surname, s.year_group, s.class_name
           FROM family_students fs JOIN students s ON s.id = fs.student_id
          WHERE fs.family_id = $1 ORDER BY s.first_name, s.id`,
        [familyId],
      ),
      q.query<{
        id: string;
        event_id: string;
        event_name: string;
        teacher_name: string;
        student_id: string;
        status: string;
        starts_at: Date;
        ends_at: Date;
        created_by: string;
        created_at: Date;
        interpreter_language: string | null;
      }>(
        `SELECT b.id, b.event_id, e.name AS event_name, ${STAFF_NAME} AS teacher_name, b.student_id,
                b.status::text AS status, b.starts_at, b.ends_at, b.created_by, b.created_at,
                bi.language AS interpreter_language
           FROM bookings b JOIN events e ON e.id = b.event_id JOIN staff st ON st.id = b.staff_id
           LEFT JOIN booking_interpreters bi ON bi.booking_id = b.id
          WHERE b.family_id = $1 ORDER BY b.starts_at, b.id`,
        [familyId],
      ),
      q.query<{ at: Date; event_id: string; action: string; actor_kind: string; booking_id: string | null }>(
        `SELECT at, event_id, action, actor_kind, booking_id FROM booking_log WHERE family_id = $1 ORDER BY id`,
        [familyId],
      ),
      q.query<{ created_at: Date; last_seen_at: Date; revoked_at: Date | null }>(
        'SELECT created_at, last_seen_at, revoked_at FROM sessions WHERE family_id = $1 ORDER BY created_at',
        [familyId],
      ),
      q.query<{
        reference: string;
        subject: string;
        body: string;
        status: string;
        language: Locale | null;
        created_at: Date;
      }>(
        'SELECT reference, subject, body, status, language, created_at FROM feedback WHERE family_id = $1 ORDER BY created_at',
        [familyId],
      ),
      f.email
        ? q.query<{ kind: string; sent_at: Date }>(
            'SELECT kind, sent_at FROM email_log WHERE school_id = $1 AND recipient = $2 ORDER BY sent_at',
            [p.schoolId, f.email],
          )
        : Promise.resolve({ rows: [] as { kind: string; sent_at: Date }[] }),
      q.query<{ event_id: string; teacher_name: string; sent_at: Date; stopped_at: Date | null }>(
        `SELECT i.event_id, ${STAFF_NAME} AS teacher_name, i.sent_at, f.invitation_opt_out_at AS stopped_at
           FROM families f LEFT JOIN booking_invitations i ON i.family_id = f.id
           LEFT JOIN staff st ON st.id = i.staff_id
          WHERE f.id = $1 ORDER BY i.sent_at`,
        [familyId],
      ),
    ]);
    const iso = (d: Date) => d.toISOString();
    return {
      exportedAt: new Date().toISOString(),
      school: school.rows[0]!,
      family: {
        id: f.id,
        externalId: f.external_id,
        surname: f.surname,
        email: f.email,
        hasAccessCode: f.has_code,
        language: f.language,
        interpreterLanguage: f.interpreter_language,
        createdAt: iso(f.created_at),
        erasedAt: f.erased_at ? iso(f.erased_at) : null,
      },
      students: students.rows.map((s) => ({
        id: s.id,
        externalId: s.external_id,
        firstName: s.first_name,
        surname: s.surname,
        yearGroup: s.year_group,
        className: s.class_name,
      })),
      bookings: bookings.rows.map((b) => ({
        id: b.id,
        eventId: b.event_id,
        eventName: b.event_name,
        teacherName: b.teacher_name,
        studentId: b.student_id,
        status: b.status,
        startsAt: iso(b.starts_at),
        endsAt: iso(b.ends_at),
        createdBy: b.created_by,
        createdAt: iso(b.created_at),
        interpreterLanguage: b.interpreter_language,
      })),
      bookingLog: log.rows.map((l) => ({
        at: iso(l.at),
        eventId: l.event_id,
        action: l.action,
        actorKind: l.actor_kind,
        bookingId: l.booking_id,
      })),
      sessions: sessions.rows.map((s) => ({
        createdAt: iso(s.created_at),
        lastSeenAt: iso(s.last_seen_at),
        revokedAt: s.revoked_at ? iso(s.revoked_at) : null,
      })),
      feedback: feedback.rows.map((x) => ({
        reference: x.reference,
        subject: x.subject,
        body: x.body,
        status: x.status,
        language: x.language,
        createdAt: iso(x.created_at),
      })),
      emailsSent: emails.rows.map((e) => ({ kind: e.kind, sentAt: iso(e.sent_at) })),
      invitations: invitations.rows.flatMap((i) =>
        i.event_id ? [{ eventId: i.event_id, teacherName: i.teacher_name, sentAt: iso(i.sent_at) }] : [],
      ),
      invitationsStoppedAt: invitations.rows[0]?.stopped_at ? iso(invitations.rows[0].stopped_at) : null,
    };
  }

  /** The family's active bookings in events that still change (cancelled before erasure). */
  async activeBookings(p: Principal, familyId: string): Promise<string[]> {
    await this.family(p, familyId);
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT b.id FROM bookings b JOIN events e ON e.id = b.event_id
        WHERE b.family_id = $1 AND e.archived_at IS NULL
          AND booking_is_active(b.status, b.expires_at)`,
      [familyId],
    );
    return rows.map((r) => r.id);
  }
}
