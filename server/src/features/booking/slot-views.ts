import type { SlotView } from '../../../../protocol/schemas.ts';
import { prepared, type Queryable } from '../../infra/db.ts';

interface SlotRow {
  id: string;
  staff_id: string;
  starts_at: Date;
  ends_at: Date;
  room: string;
  blocked: boolean;
  version: number;
  booking_id: string | null;
  status: 'held' | 'confirmed' | null;
  expires_at: Date | null;
  family_id: string | null;
  family_surname: string | null;
  student_id: string | null;
  student_name: string | null;
}

// A hold past its expires_at counts as free even before the expiry job has run:
// the clock, not the worker, decides when a hold lapses.
const SLOT_SELECT = `
  SELECT s.id, s.staff_id, s.starts_at, s.ends_at, s.room, s.blocked, s.version,
         b.id AS booking_id, b.status, b.expires_at, b.family_id, f.surname AS family_surname,
         b.student_id, st.first_name || ' ' || st.surname AS student_name
    FROM slots s
    LEFT JOIN bookings b ON b.slot_id = s.id
         AND (b.status = 'confirmed' OR (b.status = 'held' AND b.expires_at > now()))
    LEFT JOIN families f ON f.id = b.family_id
    LEFT JOIN students st ON st.id = b.student_id`;

const SLOTS_BY_ID = prepared('slots.by-id', `${SLOT_SELECT} WHERE s.id = ANY($1::uuid[])`);

function toView(r: SlotRow): SlotView {
  const state =
    r.status === 'confirmed' ? 'booked' : r.status === 'held' ? 'held' : r.blocked ? 'blocked' : 'free';
  const view: SlotView = {
    id: r.id,
    teacherId: r.staff_id,
    startsAt: r.starts_at.toISOString(),
    endsAt: r.ends_at.toISOString(),
    room: r.room,
    state,
    heldUntil: r.status === 'held' && r.expires_at ? r.expires_at.toISOString() : null,
    version: r.version,
  };
  if (r.booking_id && r.status) {
    view.occupant = {
      bookingId: r.booking_id,
      familyId: r.family_id!,
      familySurname: r.family_surname ?? '',
      studentId: r.student_id!,
      studentName: r.student_name ?? '',
      status: r.status,
    };
  }
  return view;
}

/** Slots with their live state and, where occupied, who is in them (strip before sending to families). */
export async function loadSlotViews(q: Queryable, slotIds: string[]): Promise<SlotView[]> {
  const { rows } = await q.query<SlotRow>(SLOTS_BY_ID([slotIds]));
  return rows.map(toView);
}

/** An event's slots; only those of `teacherIds` when given (a family's snapshot). */
export async function loadEventSlotViews(
  q: Queryable,
  eventId: string,
  teacherIds: string[] | null = null,
): Promise<SlotView[]> {
  const { rows } = await q.query<SlotRow>(
    `${SLOT_SELECT} WHERE s.event_id = $1 AND ($2::uuid[] IS NULL OR s.staff_id = ANY($2::uuid[]))
      ORDER BY s.staff_id, s.starts_at`,
    [eventId, teacherIds],
  );
  return rows.map(toView);
}

/** What someone may see of a slot: families see state only; a teacher sees who is in their own slots. */
export function slotForViewer(
  slot: SlotView,
  viewer: { kind: 'family' } | { kind: 'staff'; staffId: string; isAdmin: boolean },
): SlotView {
  if (!slot.occupant) return slot;
  if (viewer.kind === 'staff' && (viewer.isAdmin || viewer.staffId === slot.teacherId)) return slot;
  const { occupant: _hidden, ...rest } = slot;
  return rest;
}
