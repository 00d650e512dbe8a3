import type { DbClient, Queryable } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import type { AvailabilityLimits, AvailabilityPlan, InstantRange } from '../admin/event-admin.service.ts';
import { schoolDate, schoolTime } from '../admin/local-times.ts';
import { eventSittings } from '../events/events.service.ts';

/** Whether a slot lies inside one of the windows and touches none of the breaks. */
export function covered(slot: InstantRange, windows: InstantRange[], breaks: InstantRange[]): boolean {
  const inWindow = windows.some((w) => w.startsAt <= slot.startsAt && slot.endsAt <= w.endsAt);
  const inBreak = breaks.some((b) => b.startsAt < slot.endsAt && slot.startsAt < b.endsAt);
  return inWindow && !inBreak;
}

/**
 * The admin's limits on a teacher setting their own evening, checked in the
 * regeneration's own transaction: before the event's deadline (and only once an admin
 * set one), inside the event's hours, and never taking away a slot somebody is in —
 * those families are moved first by staff, through the booking door.
 */
export const teacherLimits: AvailabilityLimits = {
  async check(client: DbClient, plan: AvailabilityPlan): Promise<void> {
    const { event, teacherId, windows, breaks, slotMinutes } = plan;
    const tz = event.time_zone;
    const local = (r: InstantRange) =>
      `${schoolDate(r.startsAt, tz)} ${schoolTime(r.startsAt, tz)}–${schoolTime(r.endsAt, tz)}`;

    const { rows: dl } = await client.query<{ deadline: Date | null; open: boolean }>(
      `SELECT availability_deadline_at AS deadline, coalesce(availability_deadline_at > now(), false) AS open
         FROM events WHERE id = $1`,
      [event.id],
    );
    const deadline = dl[0]!.deadline;
    if (!dl[0]!.open)
      throw new DomainError(
        'availability_locked',
        deadline
          ? `Teachers could set their own times until ${schoolDate(deadline, tz)} ${schoolTime(deadline, tz)}; now only the school’s admins change them.`
          : 'The school’s admins have not opened this evening for teachers to set their own times.',
      );

    // A new length moves families' appointments: the admins' call, who confirm the moves.
    if (slotMinutes.wanted !== slotMinutes.current)
      throw new DomainError(
        'forbidden',
        `Your appointments are ${slotMinutes.current} minutes long; only the school’s admins change that.`,
      );

    // Each window lies inside one of the event's sittings, or, for an event
    // whose sittings are not set yet, inside its first-to-last slot.
    const bounds = await eventBounds(client, event.id);
    const outside = windows.flatMap((w, i) =>
      !bounds.some((b) => b.startsAt <= w.startsAt && w.endsAt <= b.endsAt)
        ? [
            {
              path: `windows.${i}`,
              message:
                bounds.length > 0
                  ? `Outside the event’s hours (${bounds.map(local).join(', ')}).`
                  : 'The event has no hours yet: an admin sets the evening up first.',
            },
          ]
        : [],
    );
    if (outside.length > 0)
      throw new DomainError('invalid_input', 'Every window must lie inside one of the event’s sittings.', {
        issues: outside,
      });

    // A booking the old availability covered and the new one does not is one this
    // change would take away. (A slot an admin added outside the windows was never
    // covered, so a teacher's change does not answer for it.)
    const { rows: before } = await client.query<{ kind: 'window' | 'break'; starts_at: Date; ends_at: Date }>(
      'SELECT kind, starts_at, ends_at FROM availability WHERE event_id = $1 AND staff_id = $2',
      [event.id, teacherId],
    );
    const was = (kind: 'window' | 'break') =>
      before.filter((r) => r.kind === kind).map((r) => ({ startsAt: r.starts_at, endsAt: r.ends_at }));
    const { rows: booked } = await client.query<{ id: string; starts_at: Date; ends_at: Date }>(
      `SELECT b.id, s.starts_at, s.ends_at FROM bookings b JOIN slots s ON s.id = b.slot_id
        WHERE s.event_id = $1 AND s.staff_id = $2 AND booking_is_active(b.status, b.expires_at)
        ORDER BY s.starts_at`,
      [event.id, teacherId],
    );
    const affected = booked
      .map((b) => ({ id: b.id, startsAt: b.starts_at, endsAt: b.ends_at }))
      .filter((b) => covered(b, was('window'), was('break')) && !covered(b, windows, breaks));
    if (affected.length > 0)
      throw new DomainError(
        'bookings_in_the_way',
        `This change would remove ${affected.length} booked appointment${affected.length === 1 ? '' : 's'} (${affected.map(local).join(', ')}): ask an admin to move ${affected.length === 1 ? 'that family' : 'those families'} first, then change your times.`,
        { issues: affected.map((b) => ({ path: `bookings.${b.id}`, message: local(b) })) },
      );
  },
};

/** Where a teacher's windows may lie: the event's sittings, or while it has none its first-to-last slot. */
export async function eventBounds(q: Queryable, eventId: string): Promise<InstantRange[]> {
  const sittings = await eventSittings(q, eventId);
  if (sittings.length > 0) return sittings;
  const hours = await eventHours(q, eventId);
  return hours ? [hours] : [];
}

/**
 * The event's hours: its first sitting's start to its last sitting's end, or,
 * while it has no sittings, its first slot's start to its last slot's end.
 */
export async function eventHours(q: Queryable, eventId: string): Promise<InstantRange | null> {
  const sittings = await eventSittings(q, eventId);
  if (sittings.length > 0) return { startsAt: sittings[0]!.startsAt, endsAt: sittings.at(-1)!.endsAt };
  const { rows } = await q.query<{ s: Date | null; e: Date | null }>(
    'SELECT min(starts_at) AS s, max(ends_at) AS e FROM slots WHERE event_id = $1',
    [eventId],
  );
  return rows[0]!.s && rows[0]!.e ? { startsAt: rows[0]!.s, endsAt: rows[0]!.e } : null;
}
