import { DateTime } from 'luxon';
import type { UnbookedReport, UnbookedStudent } from '../../../../protocol/admin.ts';
import type { Db } from '../../infra/db.ts';
import { staffDisplayName } from '../auth/auth.service.ts';
import type { Principal } from '../auth/principal.ts';
import { eventInSchool, requireAdmin } from './admin-scope.ts';
import { type CsvFile, csvFilename, toCsv } from './csv-format.ts';

// "Year 7" before "Year 10": year groups are compared as people read them.
const natural = new Intl.Collator('en-GB', { numeric: true, sensitivity: 'base' });

/** Who still has to book, and what has been booked: for chasing families and for the office. */
export class ReportsService {
  constructor(private readonly deps: { db: Db }) {}

  /**
   * byTeacher: children each teacher at the event teaches who have no confirmed
   * appointment with that teacher. byYearGroup: children with at least one teacher at
   * the event and no confirmed appointment at all. A hold is not a booking.
   */
  async unbooked(p: Principal, eventId: string): Promise<UnbookedReport> {
    requireAdmin(p);
    await eventInSchool(this.deps.db, p, eventId);
    const db = this.deps.db;
    const { rows: teachers } = await db.query<{
      id: string;
      title: string;
      first_name: string;
      surname: string;
      room: string;
    }>(
      `SELECT t.id, t.title, t.first_name, t.surname, min(s.room) AS room
         FROM staff t JOIN slots s ON s.staff_id = t.id AND s.event_id = $1
        GROUP BY t.id ORDER BY t.surname, t.first_name, t.id`,
      [eventId],
    );
    const { rows: missing } = await db.query<{ staff_id: string; student_id: string }>(
      `SELECT ts.staff_id, ts.student_id
         FROM teacher_students ts
         JOIN students st ON st.id = ts.student_id AND st.school_id = $2
        WHERE ts.staff_id IN (SELECT DISTINCT staff_id FROM slots WHERE event_id = $1)
          AND NOT EXISTS (SELECT 1 FROM bookings b
                           WHERE b.event_id = $1 AND b.status = 'confirmed'
                             AND b.student_id = ts.student_id AND b.staff_id = ts.staff_id)`,
      [eventId, p.schoolId],
    );
    const { rows: none } = await db.query<{ student_id: string }>(
      `SELECT DISTINCT ts.student_id
         FROM teacher_students ts
         JOIN students st ON st.id = ts.student_id AND st.school_id = $2
        WHERE ts.staff_id IN (SELECT DISTINCT staff_id FROM slots WHERE event_id = $1)
          AND NOT EXISTS (SELECT 1 FROM bookings b
                           WHERE b.event_id = $1 AND b.status = 'confirmed' AND b.student_id = ts.student_id)`,
      [eventId, p.schoolId],
    );
    const students = await this.students(p, [
      ...new Set([...missing.map((m) => m.student_id), ...none.map((n) => n.student_id)]),
    ]);
    const byName = (a: UnbookedStudent, b: UnbookedStudent) =>
      natural.compare(a.studentName, b.studentName) || a.studentId.localeCompare(b.studentId);

    const byTeacher = teachers.map((t) => ({
      teacherId: t.id,
      displayName: staffDisplayName(t),
      room: t.room,
      students: missing
        .filter((m) => m.staff_id === t.id)
        .map((m) => students.get(m.student_id)!)
        .sort(byName),
    }));
    const years = new Map<string, UnbookedStudent[]>();
    for (const n of none) {
      const s = students.get(n.student_id)!;
      years.set(s.yearGroup, [...(years.get(s.yearGroup) ?? []), s]);
    }
    const byYearGroup = [...years.entries()]
      .sort(([a], [b]) => natural.compare(a, b))
      .map(([yearGroup, list]) => ({ yearGroup, students: list.sort(byName) }));
    return { eventId, byTeacher, byYearGroup };
  }

  private async students(p: Principal, ids: string[]): Promise<Map<string, UnbookedStudent>> {
    const { rows } = await this.deps.db.query<{
      id: string;
      first_name: string;
      surname: string;
      year_group: string;
      class_name: string;
      family_id: string | null;
      family_surname: string | null;
      email: string | null;
    }>(
      `SELECT st.id, st.first_name, st.surname, st.year_group, st.class_name,
              f.id AS family_id, f.surname AS family_surname, f.email
         FROM students st
         LEFT JOIN family_students fs ON fs.student_id = st.id
         LEFT JOIN families f ON f.id = fs.family_id AND f.school_id = $2
        WHERE st.id = ANY($1::uuid[]) AND st.school_id = $2
        ORDER BY f.surname, f.id`,
      [ids, p.schoolId],
    );
    const out = new Map<string, UnbookedStudent>();
    for (const r of rows) {
      let s = out.get(r.id);
      if (!s) {
        s = {
          studentId: r.id,
          studentName: `${r.first_name} ${r.surname}`,
          yearGroup: r.year_group,
          className: r.class_name,
          families: [],
        };
        out.set(r.id, s);
      }
      if (r.family_id) s.families.push({ familyId: r.family_id, surname: r.family_surname!, email: r.email });
    }
    return out;
  }

  async unbookedByTeacherCsv(p: Principal, eventId: string): Promise<CsvFile> {
    const event = await eventInSchool(this.deps.db, p, eventId);
    const report = await this.unbooked(p, eventId);
    const rows = report.byTeacher.flatMap((t) =>
      t.students.flatMap((s) =>
        familiesOrBlank(s).map((f) => [
          t.displayName,
          t.room,
          s.studentName,
          s.yearGroup,
          s.className,
          f.surname,
          f.email,
        ]),
      ),
    );
    return {
      filename: csvFilename(event.name, 'not-booked-by-teacher'),
      body: toCsv(
        ['Teacher', 'Room', 'Student', 'Year group', 'Class', 'Family surname', 'Family email'],
        rows,
      ),
    };
  }

  async unbookedByYearCsv(p: Principal, eventId: string): Promise<CsvFile> {
    const event = await eventInSchool(this.deps.db, p, eventId);
    const report = await this.unbooked(p, eventId);
    const rows = report.byYearGroup.flatMap((y) =>
      y.students.flatMap((s) =>
        familiesOrBlank(s).map((f) => [y.yearGroup, s.studentName, s.className, f.surname, f.email]),
      ),
    );
    return {
      filename: csvFilename(event.name, 'not-booked-by-year'),
      body: toCsv(['Year group', 'Student', 'Class', 'Family surname', 'Family email'], rows),
    };
  }

  /** Every confirmed appointment, in the school's time zone, by time then teacher. */
  async bookingsCsv(p: Principal, eventId: string): Promise<CsvFile> {
    requireAdmin(p);
    const event = await eventInSchool(this.deps.db, p, eventId);
    const { rows } = await this.deps.db.query<{
      starts_at: Date;
      ends_at: Date;
      title: string;
      first_name: string;
      surname: string;
      room: string;
      student_name: string;
      year_group: string;
      class_name: string;
      family_surname: string;
      created_by: string;
    }>(
      `SELECT b.starts_at, b.ends_at, t.title, t.first_name, t.surname, s.room,
              st.first_name || ' ' || st.surname AS student_name, st.year_group, st.class_name,
              f.surname AS family_surname, b.created_by
         FROM bookings b
         JOIN slots s ON s.id = b.slot_id
         JOIN staff t ON t.id = b.staff_id
         JOIN students st ON st.id = b.student_id
         JOIN families f ON f.id = b.family_id
        WHERE b.event_id = $1 AND b.status = 'confirmed'
        ORDER BY b.starts_at, t.surname, t.first_name, b.id`,
      [eventId],
    );
    const local = (d: Date) => DateTime.fromJSDate(d, { zone: event.time_zone });
    return {
      filename: csvFilename(event.name, 'bookings'),
      body: toCsv(
        [
          'Date',
          'Start',
          'End',
          'Teacher',
          'Room',
          'Student',
          'Year group',
          'Class',
          'Family surname',
          'Booked by',
        ],
        rows.map((r) => [
          local(r.starts_at).toISODate(),
          local(r.starts_at).toFormat('HH:mm'),
          local(r.ends_at).toFormat('HH:mm'),
          staffDisplayName(r),
          r.room,
          r.student_name,
          r.year_group,
          r.class_name,
          r.family_surname,
          r.created_by === 'family' ? 'family' : 'school',
        ]),
      ),
    };
  }
}

function familiesOrBlank(s: UnbookedStudent): { surname: string; email: string | null }[] {
  return s.families.length > 0 ? s.families : [{ surname: '', email: null }];
}
