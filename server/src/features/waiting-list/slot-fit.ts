import type { Queryable } from '../../infra/db.ts';

// Whether a slot fits a family's itinerary: the booking constraints' rules, read
// ahead of time to choose whom to offer a slot to (the constraints still decide
// when the booking is made). `s` is the slot, `e` its event; $fam/$stu the family
// and child. Active = confirmed, or held and not yet lapsed.
const FITS = (fam: string, stu: string) => `
  NOT EXISTS (
    SELECT 1 FROM bookings b
     WHERE b.event_id = s.event_id
       AND booking_is_active(b.status, b.expires_at)
       AND ((b.family_id = ${fam}
             AND b.guard && tstzrange(s.starts_at - make_interval(secs => e.gap_minutes * 30),
                                      s.ends_at + make_interval(secs => e.gap_minutes * 30), '[)'))
         OR (b.student_id = ${stu}
             AND (b.during && tstzrange(s.starts_at, s.ends_at, '[)') OR b.staff_id = s.staff_id))))
  AND (SELECT count(*) FROM bookings b
        WHERE b.event_id = s.event_id AND b.student_id = ${stu}
          AND booking_is_active(b.status, b.expires_at)) < e.max_per_student`;

/**
 * The first family in a teacher's waiting line whose itinerary the slot fits:
 * must-see entries first, then by position. An entry that already let an offer of
 * this slot lapse (or declined it) is passed over for it, and an entry with an
 * offer standing waits for that one to end.
 */
export async function firstFittingEntry(
  q: Queryable,
  slotId: string,
): Promise<{ id: string; family_id: string; student_id: string } | null> {
  const { rows } = await q.query<{ id: string; family_id: string; student_id: string }>(
    `SELECT w.id, w.family_id, w.student_id
       FROM slots s JOIN events e ON e.id = s.event_id
       JOIN waitlist_entries w ON w.event_id = s.event_id AND w.staff_id = s.staff_id AND w.status = 'waiting'
      WHERE s.id = $1
        AND (w.arrive_at IS NULL OR s.starts_at >= w.arrive_at)
        AND (w.leave_by IS NULL OR s.ends_at <= w.leave_by)
        AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.entry_id = w.id AND o.slot_id = s.id
                         AND o.status IN ('lapsed', 'declined'))
        AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.entry_id = w.id AND o.status = 'pending'
                         AND o.expires_at > now())
        AND ${FITS('w.family_id', 'w.student_id')}
        -- The door's rules for this family (window, mode, teacher, cap: migration 011):
        -- an offer is a booking in waiting, so it is made only when the family could
        -- book the slot itself now.
        AND confer_booking_refusal(s.id, w.family_id, w.student_id, e.school_id, NULL, NULL) IS NULL
        -- The waiting list is for a full teacher: a family that could take another
        -- free slot of this teacher itself books it on the main road.
        AND NOT EXISTS (
          SELECT 1 FROM slots s2
           WHERE s2.event_id = s.event_id AND s2.staff_id = s.staff_id AND s2.id <> s.id
             AND NOT s2.blocked AND s2.starts_at > now()
             AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = s2.id
                              AND booking_is_active(b.status, b.expires_at))
             AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.slot_id = s2.id AND o.status = 'pending'
                              AND o.expires_at > now())
             AND ${FITS('w.family_id', 'w.student_id').replace(/\bs\./g, 's2.')})
      ORDER BY w.must_see DESC, w.position, w.created_at
      LIMIT 1`,
    [slotId],
  );
  return rows[0] ?? null;
}

/** The free slots of a teacher that fit a family's child, nearest to an instant first. */
export async function fittingSlots(
  q: Queryable,
  opts: { eventId: string; teacherId: string; familyId: string; studentId: string; near: Date },
): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `SELECT s.id FROM slots s JOIN events e ON e.id = s.event_id
      WHERE s.event_id = $1 AND s.staff_id = $2 AND NOT s.blocked AND s.starts_at > now()
        AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = s.id
                         AND booking_is_active(b.status, b.expires_at))
        AND ${FITS('$3::uuid', '$4::uuid')}
      ORDER BY abs(extract(epoch FROM s.starts_at - $5::timestamptz)), s.starts_at`,
    [opts.eventId, opts.teacherId, opts.familyId, opts.studentId, opts.near],
  );
  return rows.map((r) => r.id);
}
