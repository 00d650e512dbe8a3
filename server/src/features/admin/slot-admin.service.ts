import type { AddSlotRequest, LengthenSlotRequest, RemoveSlotResponse } from '../../../../protocol/admin.ts';
import type { BookingView, SlotView } from '../../../../protocol/schemas.ts';
import type { DbClient } from '../../infra/db.ts';
import { DomainError, type Result } from '../../refusals/domain-error.ts';
import type { Principal } from '../auth/principal.ts';
import { requirePolicy } from '../booking/booking-policy.ts';
import { loadBookingViews } from '../booking/booking-views.ts';
import { recordChanges } from '../booking/event-changes.ts';
import { endLapsedHoldsIn } from '../booking/lapsed-holds.ts';
import { type LiveWriteDeps, liveWrite } from '../live/live-write.ts';
import { eventInSchool, requireAdmin, teacherInSchool } from './admin-scope.ts';
import { refusalOrRethrow } from './constraint-refusals.ts';
import { schoolInstant } from './local-times.ts';

interface Idem {
  key: string | null;
}

interface LockedSlot {
  id: string;
  event_id: string;
  staff_id: string;
  blocked: boolean;
  school_id: string;
  archived: boolean;
}

// A hold past its expiry counts as ended (the clock decides, not the worker), but its
// row still holds the slot in the unique index until it is marked expired.
// booking_is_active (migration 011) is inlined by the planner: the slot_id index still serves.
const LIVE = 'booking_is_active(b.status, b.expires_at)';

// Staff act for families outside the family rules by the named override 'staff'
// (docs/booking-door.md); migration 013 records it with every change they log.
const STAFF = 'staff' as const;

/** Live changes to the evening's slots, each one transaction that every screen hears about. */
export class SlotAdminService {
  constructor(private readonly deps: LiveWriteDeps) {}

  private actor(p: Principal) {
    return { kind: 'staff' as const, id: p.kind === 'staff' ? p.staffId : null };
  }

  private async lockSlot(client: DbClient, p: Principal, slotId: string): Promise<LockedSlot> {
    const { rows } = await client.query<LockedSlot>(
      `SELECT s.id, s.event_id, s.staff_id, s.blocked, e.school_id, e.archived_at IS NOT NULL AS archived
         FROM slots s JOIN events e ON e.id = s.event_id
        WHERE s.id = $1 FOR UPDATE OF s`,
      [slotId],
    );
    const s = rows[0];
    if (!s || s.school_id !== p.schoolId) throw new DomainError('not_found', 'This slot does not exist.');
    if (s.archived)
      throw new DomainError('window_closed', 'This event is archived and can no longer change.');
    return s;
  }

  async addSlot(p: Principal, eventId: string, input: AddSlotRequest, idem: Idem): Promise<Result<SlotView>> {
    return liveWrite(this.deps, p, idem, 'addSlot', { eventId, ...input }, async (client, out) => {
      requireAdmin(p);
      const event = await eventInSchool(client, p, eventId, { forChange: true });
      await teacherInSchool(client, p, input.teacherId);
      const startsAt = schoolInstant(input.date, input.from, event.time_zone, 'from');
      const endsAt = new Date(startsAt.getTime() + (input.minutes ?? event.slot_minutes) * 60_000);
      let room = input.room;
      if (room === undefined) {
        const { rows } = await client.query<{ room: string }>(
          `SELECT room FROM slots WHERE event_id = $1 AND staff_id = $2 ORDER BY starts_at LIMIT 1`,
          [eventId, input.teacherId],
        );
        room = rows[0]?.room ?? '';
      }
      let slotId: string;
      try {
        const { rows } = await client.query<{ id: string }>(
          `INSERT INTO slots (event_id, staff_id, starts_at, ends_at, room) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
          [eventId, input.teacherId, startsAt, endsAt, room],
        );
        slotId = rows[0]!.id;
      } catch (err) {
        refusalOrRethrow(err);
      }
      out.facts.push(...(await recordChanges(client, eventId, this.actor(p), [{ action: 'added', slotId }])));
      return out.facts.at(-1)!.slot;
    });
  }

  /**
   * Adds minutes to a slot's end. The teacher's no-overlap constraint refuses running
   * into their next slot; re-touching the booking in it makes the trigger recompute its
   * times, so the family's clash and gap constraints refuse what the family could not keep.
   */
  async lengthenSlot(
    p: Principal,
    slotId: string,
    input: LengthenSlotRequest,
    idem: Idem,
  ): Promise<Result<SlotView>> {
    return liveWrite(this.deps, p, idem, 'lengthenSlot', { slotId, ...input }, async (client, out) => {
      requireAdmin(p);
      const slot = await this.lockSlot(client, p, slotId);
      const changes = await endLapsedHoldsIn(client, slotId);
      // A longer appointment is a changed booking: it passes the door like any other.
      const { rows: inSlot } = await client.query<{ id: string; family_id: string; student_id: string }>(
        `SELECT b.id, b.family_id, b.student_id FROM bookings b WHERE b.slot_id = $1 AND ${LIVE}`,
        [slotId],
      );
      for (const b of inSlot)
        await requirePolicy(
          client,
          { schoolId: slot.school_id, override: STAFF },
          { slotId, familyId: b.family_id, studentId: b.student_id, changing: b.id },
        );
      try {
        await client.query(`UPDATE slots SET ends_at = ends_at + make_interval(mins => $2) WHERE id = $1`, [
          slotId,
          input.minutes,
        ]);
      } catch (err) {
        refusalOrRethrow(err);
      }
      let booking: { id: string; family_id: string; student_id: string; status: string } | undefined;
      try {
        const { rows } = await client.query<{
          id: string;
          family_id: string;
          student_id: string;
          status: string;
        }>(
          `UPDATE bookings SET slot_id = slot_id WHERE slot_id = $1 AND status IN ('held', 'confirmed')
           RETURNING id, family_id, student_id, status`,
          [slotId],
        );
        booking = rows[0];
      } catch (err) {
        refusalOrRethrow(err);
      }
      changes.push({
        action: 'resized',
        slotId,
        bookingId: booking?.id ?? null,
        familyId: booking?.family_id ?? null,
        studentId: booking?.student_id ?? null,
      });
      out.facts.push(...(await recordChanges(client, slot.event_id, this.actor(p), changes)));
      return out.facts.at(-1)!.slot;
    });
  }

  /**
   * Takes a slot out of the evening. Only a slot nobody is in; one with ended bookings
   * on record is blocked instead, because deleting it would erase that history.
   */
  async removeSlot(p: Principal, slotId: string, idem: Idem): Promise<Result<RemoveSlotResponse>> {
    return liveWrite(this.deps, p, idem, 'removeSlot', { slotId }, async (client, out) => {
      requireAdmin(p);
      const slot = await this.lockSlot(client, p, slotId);
      const { rows } = await client.query<{ live: boolean; history: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = $1 AND ${LIVE}) AS live,
                EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = $1) AS history`,
        [slotId],
      );
      if (rows[0]!.live)
        throw new DomainError('slot_taken', 'Someone is in this slot; cancel or move the booking first.');
      if (rows[0]!.history) {
        const changes = await endLapsedHoldsIn(client, slotId);
        if (!slot.blocked) {
          await client.query('UPDATE slots SET blocked = true WHERE id = $1', [slotId]);
          changes.push({ action: 'blocked', slotId });
        }
        out.facts.push(...(await recordChanges(client, slot.event_id, this.actor(p), changes)));
        return { slotId, outcome: 'blocked' as const };
      }
      // Recorded before the delete: the fact carries the slot as it last was.
      out.facts.push(
        ...(await recordChanges(client, slot.event_id, this.actor(p), [{ action: 'removed', slotId }])),
      );
      await client.query('DELETE FROM slots WHERE id = $1', [slotId]);
      return { slotId, outcome: 'removed' as const };
    });
  }

  /**
   * Moves a confirmed booking to another free slot of the same event. The booking row
   * stays (same id, its history in the log); the trigger refreshes its times when its
   * slot changes, and the constraints decide whether the family can keep the new time.
   */
  async moveBooking(
    p: Principal,
    bookingId: string,
    targetSlotId: string,
    idem: Idem,
  ): Promise<Result<BookingView>> {
    return liveWrite(
      this.deps,
      p,
      idem,
      'moveBooking',
      { bookingId, slotId: targetSlotId },
      async (client, out) => {
        requireAdmin(p);
        const { rows } = await client.query<{
          event_id: string;
          slot_id: string;
          family_id: string;
          student_id: string;
          status: string;
          school_id: string;
          archived: boolean;
        }>(
          `SELECT b.event_id, b.slot_id, b.family_id, b.student_id, b.status, e.school_id,
                e.archived_at IS NOT NULL AS archived
           FROM bookings b JOIN events e ON e.id = b.event_id
          WHERE b.id = $1 FOR UPDATE OF b`,
          [bookingId],
        );
        const b = rows[0];
        if (!b || b.school_id !== p.schoolId) throw new DomainError('not_found', 'No such booking.');
        if (b.archived)
          throw new DomainError('window_closed', 'This event is archived and can no longer change.');
        if (b.status !== 'confirmed')
          throw new DomainError('not_found', 'Only confirmed appointments can be moved.');
        const target = await this.lockSlot(client, p, targetSlotId);
        if (target.event_id !== b.event_id)
          throw new DomainError('invalid_input', undefined, {
            issues: [{ path: 'slotId', message: 'The new slot must be in the same event.' }],
          });
        if (target.id === b.slot_id)
          throw new DomainError('invalid_input', undefined, {
            issues: [{ path: 'slotId', message: 'The booking is already in this slot.' }],
          });
        // The door, as for a staff hold: tenancy, an archived event, a blocked slot and
        // the child's cap (the moved booking not counted twice) hold for staff too.
        await requirePolicy(
          client,
          { schoolId: target.school_id, override: STAFF },
          { slotId: targetSlotId, familyId: b.family_id, studentId: b.student_id, changing: bookingId },
        );
        const changes = await endLapsedHoldsIn(client, targetSlotId);
        try {
          await client.query('UPDATE bookings SET slot_id = $2 WHERE id = $1', [bookingId, targetSlotId]);
        } catch (err) {
          refusalOrRethrow(err);
        }
        const who = { bookingId, familyId: b.family_id, studentId: b.student_id };
        changes.push(
          { action: 'moved', slotId: b.slot_id, ...who },
          { action: 'moved', slotId: targetSlotId, ...who },
        );
        out.facts.push(...(await recordChanges(client, b.event_id, this.actor(p), changes)));
        const [view] = await loadBookingViews(client, [bookingId]);
        return view!;
      },
    );
  }
}
