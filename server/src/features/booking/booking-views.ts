import type { BookingView } from '../../../../protocol/schemas.ts';
import { prepared, type Queryable } from '../../infra/db.ts';
import { isoTime } from '../../infra/iso-time.ts';
import { staffDisplayName } from '../auth/auth.service.ts';

/** A row of the `booking_rows` view (migration 009); timestamps as Dates, or ISO text when read from JSON. */
export interface BookingRow {
  id: string;
  event_id: string;
  slot_id: string;
  staff_id: string;
  student_id: string;
  family_id: string;
  status: BookingView['status'];
  starts_at: Date | string;
  ends_at: Date | string;
  room: string;
  expires_at: Date | string | null;
  title: string;
  first_name: string;
  surname: string;
  student_name: string;
  /** Only where the reader joined the class list (BOOKING_SELECT); the hold path's rows lack it. */
  subject?: string | null;
  /** The reserved interpreter's language; absent from answers stored before the view had it. */
  interpreter_language?: string | null;
}

// The subject is joined here, where a family reads its itinerary, and not in the
// booking_rows view: confer_hold returns that view's rows on the 19:00 hot path, and the
// client already knows each child's subjects from StudentView.subjects.
const BOOKING_SELECT = `SELECT b.*, ts.subject FROM booking_rows b
  LEFT JOIN teacher_students ts ON ts.staff_id = b.staff_id AND ts.student_id = b.student_id`;
const BOOKINGS_BY_ID = prepared(
  'bookings.by-id',
  `${BOOKING_SELECT} WHERE b.id = ANY($1::uuid[]) ORDER BY b.starts_at`,
);

export function bookingViewOf(r: BookingRow): BookingView {
  return {
    id: r.id,
    eventId: r.event_id,
    slotId: r.slot_id,
    teacherId: r.staff_id,
    teacherName: staffDisplayName(r),
    ...(r.subject == null ? {} : { subject: r.subject }),
    studentId: r.student_id,
    studentName: r.student_name,
    familyId: r.family_id,
    status: r.status,
    startsAt: isoTime(r.starts_at),
    endsAt: isoTime(r.ends_at),
    room: r.room,
    expiresAt: r.expires_at ? isoTime(r.expires_at) : null,
    interpreterLanguage: r.interpreter_language ?? null,
  };
}

export async function loadBookingViews(q: Queryable, ids: string[]): Promise<BookingView[]> {
  const { rows } = await q.query<BookingRow>(BOOKINGS_BY_ID([ids]));
  return rows.map(bookingViewOf);
}

/**
 * A family's itinerary: its live holds and confirmed bookings in one event, in time order,
 * and in a joint event the confirmed appointments the child's other family made.
 */
export async function loadItinerary(q: Queryable, familyId: string, eventId: string): Promise<BookingView[]> {
  const { rows } = await q.query<BookingRow>(
    `${BOOKING_SELECT}
      WHERE b.event_id = $2
        AND booking_is_active(b.status, b.expires_at)
        AND (b.family_id = $1
             -- A child shared by separated parents in a joint event: the other family's
             -- confirmed appointment is this family's too (the view carries no family name).
             OR (b.status = 'confirmed'
                 AND EXISTS (SELECT 1 FROM events e WHERE e.id = b.event_id AND e.shared_child_mode = 'joint')
                 AND EXISTS (SELECT 1 FROM family_students fs WHERE fs.family_id = $1 AND fs.student_id = b.student_id)))
      ORDER BY b.starts_at`,
    [familyId, eventId],
  );
  // The other family's need for an interpreter is that family's to tell, not this one's.
  return rows.map((r) => bookingViewOf(r.family_id === familyId ? r : { ...r, interpreter_language: null }));
}
