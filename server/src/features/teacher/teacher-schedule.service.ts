import type { TeacherSchedule } from '../../../../protocol/admin.ts';
import type { Db } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { staffDisplayName } from '../auth/auth.service.ts';
import type { Principal } from '../auth/principal.ts';

/** A teacher's evening: every slot in order with who is in it and the teacher's own notes. */
export class TeacherScheduleService {
  constructor(private readonly deps: { db: Db }) {}

  /** The signed-in teacher's own schedule. */
  async mine(p: Principal, eventId: string): Promise<TeacherSchedule> {
    if (p.kind !== 'staff' || !p.isTeacher)
      throw new DomainError('forbidden', 'Only teachers have a schedule.');
    return this.load(p, eventId, p.staffId);
  }

  /** Any teacher's schedule, for admins (to print it, or to see it on the console). */
  async ofTeacher(p: Principal, eventId: string, teacherId: string): Promise<TeacherSchedule> {
    if (p.kind !== 'staff' || !p.isAdmin) throw new DomainError('forbidden');
    return this.load(p, eventId, teacherId);
  }

  private async load(p: Principal, eventId: string, teacherId: string): Promise<TeacherSchedule> {
    const db = this.deps.db;
    const { rows: ev } = await db.query<{ time_zone: string }>(
      `SELECT sc.time_zone FROM events e JOIN schools sc ON sc.id = e.school_id
        WHERE e.id = $1 AND e.school_id = $2`,
      [eventId, p.schoolId],
    );
    if (!ev[0]) throw new DomainError('not_found', 'This event does not exist.');
    const { rows: staff } = await db.query<{
      id: string;
      title: string;
      first_name: string;
      surname: string;
    }>('SELECT id, title, first_name, surname FROM staff WHERE id = $1 AND school_id = $2', [
      teacherId,
      p.schoolId,
    ]);
    if (!staff[0]) throw new DomainError('not_found', 'This teacher does not exist.');
    // The note joined is the one written for this teacher's appointment only.
    const { rows } = await db.query<{
      id: string;
      starts_at: Date;
      ends_at: Date;
      room: string;
      blocked: boolean;
      booking_id: string | null;
      status: 'held' | 'confirmed' | null;
      family_id: string | null;
      family_surname: string | null;
      student_id: string | null;
      first_name: string | null;
      student_surname: string | null;
      year_group: string | null;
      class_name: string | null;
      note: string | null;
      interpreter_name: string | null;
      interpreter_language: string | null;
    }>(
      `SELECT s.id, s.starts_at, s.ends_at, s.room, s.blocked,
              b.id AS booking_id, b.status, b.family_id, f.surname AS family_surname,
              b.student_id, st.first_name, st.surname AS student_surname, st.year_group, st.class_name,
              n.body AS note, mi.name AS interpreter_name, mi.language AS interpreter_language
         FROM slots s
         LEFT JOIN bookings b ON b.slot_id = s.id
              AND booking_is_active(b.status, b.expires_at)
         LEFT JOIN families f ON f.id = b.family_id
         LEFT JOIN students st ON st.id = b.student_id
         LEFT JOIN booking_notes n ON n.booking_id = b.id AND n.staff_id = s.staff_id
         -- The interpreter held for the meeting; only ever one of the school's (the
         -- reservation's fill trigger says so too; this join does not lean on it).
         LEFT JOIN meeting_interpreters mi ON mi.booking_id = b.id AND mi.school_id = $3
        WHERE s.event_id = $1 AND s.staff_id = $2
        ORDER BY s.starts_at`,
      [eventId, teacherId, p.schoolId],
    );
    return {
      eventId,
      timeZone: ev[0].time_zone,
      teacher: { id: teacherId, displayName: staffDisplayName(staff[0]), room: rows[0]?.room ?? '' },
      entries: rows.map((r) => ({
        slotId: r.id,
        startsAt: r.starts_at.toISOString(),
        endsAt: r.ends_at.toISOString(),
        room: r.room,
        state:
          r.status === 'confirmed' ? 'booked' : r.status === 'held' ? 'held' : r.blocked ? 'blocked' : 'free',
        appointment:
          r.booking_id && r.status
            ? {
                bookingId: r.booking_id,
                familyId: r.family_id!,
                familySurname: r.family_surname ?? '',
                studentId: r.student_id!,
                studentName: `${r.first_name ?? ''} ${r.student_surname ?? ''}`.trim(),
                yearGroup: r.year_group ?? '',
                className: r.class_name ?? '',
                status: r.status,
                note: r.note ?? '',
                interpreter:
                  r.interpreter_name && r.interpreter_language
                    ? { name: r.interpreter_name, language: r.interpreter_language }
                    : null,
              }
            : null,
      })),
    };
  }
}
