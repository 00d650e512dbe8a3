import type { SlotView } from '../../../../protocol/schemas.ts';
import { prepared, type Queryable } from '../../infra/db.ts';
import { isoTime } from '../../infra/iso-time.ts';

/** A row of the `slot_rows` view (migration 009); timestamps as Dates, or ISO text when read from JSON. */
export interface SlotRow {
  id: string;
  staff_id: string;
  starts_at: Date | string;
  ends_at: Date | string;
  room: string;
  blocked: boolean;
  version: number;
  booking_id: string | null;
  status: 'held' | 'confirmed' | null;
  expires_at: Date | string | null;
  family_id: string | null;
  family_surname: string | null;
  student_id: string | null;
  student_name: string | null;
}

const SLOT_SELECT = 'SELECT * FROM slot_rows s';
const SLOTS_BY_ID = prepared('slots.by-id', `${SLOT_SELECT} WHERE s.id = ANY($1::uuid[])`);
export function slotViewOf(r: SlotRow): SlotView {
  const state =
    r.status === 'confirmed' ? 'booked' : r.status === 'held' ? 'held' : r.blocked ? 'blocked' : 'free';
  const view: SlotView = {
    id: r.id,
    teacherId: r.staff_id,
    startsAt: isoTime(r.starts_at),
    endsAt: isoTime(r.ends_at),
    room: r.room,
    state,
    heldUntil: r.status === 'held' && r.expires_at ? isoTime(r.expires_at) : null,
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
  return rows.map(slotViewOf);
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
  return rows.map(slotViewOf);
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
