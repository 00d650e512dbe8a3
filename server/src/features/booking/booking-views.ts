import type { BookingView } from '../../../../protocol/schemas.ts';
import { prepared, type Queryable } from '../../infra/db.ts';
import { staffDisplayName } from '../auth/auth.service.ts';

interface BookingRow {
  id: string;
  event_id: string;
  slot_id: string;
  staff_id: string;
  student_id: string;
  family_id: string;
  status: BookingView['status'];
  starts_at: Date;
  ends_at: Date;
  room: string;
  expires_at: Date | null;
  title: string;
  first_name: string;
  surname: string;
  student_name: string;
}

/** Booking views read from `source`: the bookings table, or a CTE of rows just written. */
const bookingSelect = (source = 'bookings') => `
  SELECT b.id, b.event_id, b.slot_id, b.staff_id, b.student_id, b.family_id, b.status,
         b.starts_at, b.ends_at, s.room, b.expires_at, t.title, t.first_name, t.surname,
         stu.first_name || ' ' || stu.surname AS student_name
    FROM ${source} b
    JOIN slots s ON s.id = b.slot_id
    JOIN staff t ON t.id = b.staff_id
    JOIN students stu ON stu.id = b.student_id`;
const BOOKING_SELECT = bookingSelect();
const BOOKINGS_BY_ID = prepared(
  'bookings.by-id',
  `${BOOKING_SELECT} WHERE b.id = ANY($1::uuid[]) ORDER BY b.starts_at`,
);

function toView(r: BookingRow): BookingView {
  return {
    id: r.id,
    eventId: r.event_id,
    slotId: r.slot_id,
    teacherId: r.staff_id,
    teacherName: staffDisplayName(r),
    studentId: r.student_id,
    studentName: r.student_name,
    familyId: r.family_id,
    status: r.status,
    startsAt: r.starts_at.toISOString(),
    endsAt: r.ends_at.toISOString(),
    room: r.room,
    expiresAt: r.expires_at ? r.expires_at.toISOString() : null,
  };
}

export async function loadBookingViews(q: Queryable, ids: string[]): Promise<BookingView[]> {
  const { rows } = await q.query<BookingRow>(BOOKINGS_BY_ID([ids]));
  return rows.map(toView);
}

/**
 * Runs a statement that writes bookings and returns them (`RETURNING *`) and answers
 * their views in the same round trip: `WITH written AS (<statement>) SELECT …`.
 * A statement of the booking path names itself (`prepareAs`) to be planned once.
 */
export async function writeBookingsReturningViews(
  q: Queryable,
  statement: string,
  params: unknown[],
  prepareAs?: string,
): Promise<BookingView[]> {
  const text = `WITH written AS (${statement}) ${bookingSelect('written')} ORDER BY b.starts_at`;
  const { rows } = await q.query<BookingRow>(
    prepareAs ? prepared(prepareAs, text)(params) : { text, values: params },
  );
  return rows.map(toView);
}

/** A family's itinerary: its live holds and confirmed bookings in one event, in time order. */
export async function loadItinerary(q: Queryable, familyId: string, eventId: string): Promise<BookingView[]> {
  const { rows } = await q.query<BookingRow>(
    `${BOOKING_SELECT}
      WHERE b.family_id = $1 AND b.event_id = $2
        AND (b.status = 'confirmed' OR (b.status = 'held' AND b.expires_at > now()))
      ORDER BY b.starts_at`,
    [familyId, eventId],
  );
  return rows.map(toView);
}
