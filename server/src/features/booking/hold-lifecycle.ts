import type { BookingView } from '../../../../protocol/schemas.ts';
import { prepared } from '../../infra/db.ts';
import { DomainError, type Result } from '../../refusals/domain-error.ts';
import type { Principal } from '../auth/principal.ts';
import type { BookingContext, Idem } from './booking-context.ts';
import { requirePolicy } from './booking-policy.ts';
import { loadBookingViews } from './booking-views.ts';
import { type Fact, recordChanges } from './event-changes.ts';
import { runIdempotent } from './idempotency.ts';

/** WCAG 2.2.1 asks for at least ten; more would let a family sit on a slot all evening. */
export const MAX_HOLD_EXTENSIONS = 10;

const END_BOOKING = prepared(
  'booking.end',
  `UPDATE bookings SET status = 'cancelled', ended_at = now() WHERE id = $1`,
);

/**
 * What happens to a booking after it is made, by its family or an admin: more time
 * on a hold, letting a hold go, cancelling. Each locks the booking (with its tenancy
 * check), asks the rules that apply to that change, and records it in the log.
 */
export class HoldLifecycle {
  constructor(private readonly ctx: BookingContext) {}

  /**
   * More time on a live hold: the event's hold length again, from now (WCAG 2.2.1,
   * timing adjustable — at least ten extensions). Everyone sees the new lapse time.
   */
  async extendHold(p: Principal, holdId: string, idem: Idem): Promise<Result<BookingView>> {
    const { deps } = this.ctx;
    // More time on a slot is taking it for longer: the queue and the guard are asked
    // as for the hold itself.
    if (p.kind === 'family') {
      const { rows } = await deps.db.query<{ slot_id: string }>(
        'SELECT slot_id FROM bookings WHERE id = $1 AND family_id = $2',
        [holdId, p.familyId],
      );
      const refused = rows[0] ? await deps.admission?.refuse({ slotId: rows[0].slot_id }, p.familyId) : null;
      if (refused) return refused;
    }
    let facts: Fact[] = [];
    let extension = 0;
    let expiresAt: Date | null = null;
    const result = await runIdempotent(
      deps.db,
      this.ctx.scope(p, idem, 'extend', { holdId }),
      async (client) => {
        const b = await this.ctx.lockBooking(client, p, holdId, 'No such hold.');
        if (b.status !== 'held' && b.status !== 'expired')
          throw new DomainError('not_found', 'No such hold.');
        if (b.archived)
          throw new DomainError('window_closed', 'This event is archived and can no longer change.');
        if (b.status === 'expired' || !b.live) throw new DomainError('hold_expired');
        // The door's rules for the slot it already holds (window, mode; the hold itself
        // not counted against the cap): a hold made by staff is not a family's way in.
        await requirePolicy(
          client,
          { schoolId: p.schoolId, override: p.kind === 'staff' ? 'staff' : null },
          { slotId: b.slot_id, familyId: b.family_id, studentId: b.student_id, changing: holdId },
        );
        if (b.extensions >= MAX_HOLD_EXTENSIONS) {
          throw new DomainError(
            'cap_reached',
            'This hold cannot be extended again. Confirm it or let it go.',
          );
        }
        const { rows: updated } = await client.query<{ expires_at: Date; extensions: number }>(
          `UPDATE bookings SET expires_at = now() + make_interval(secs => $2), extensions = extensions + 1
          WHERE id = $1 RETURNING expires_at, extensions`,
          [holdId, b.hold_seconds],
        );
        extension = updated[0]!.extensions;
        expiresAt = updated[0]!.expires_at;
        const [view] = await loadBookingViews(client, [holdId]);
        facts = await recordChanges(client, b.event_id, this.ctx.actorOf(p), [
          {
            action: 'extended',
            slotId: b.slot_id,
            bookingId: holdId,
            familyId: b.family_id,
            studentId: b.student_id,
          },
        ]);
        return view!;
      },
    );
    if (result.ok && facts.length > 0) {
      this.ctx.publish(facts);
      this.ctx.scheduleExpiry({
        bookingId: holdId,
        eventId: result.data.eventId,
        expiresAt: expiresAt!,
        extension,
      });
    }
    return result;
  }

  /** Lets go of a hold before it lapses. */
  releaseHold(p: Principal, holdId: string, idem: Idem): Promise<Result<BookingView>> {
    return this.end(p, holdId, idem, 'released');
  }

  /** Cancels a booking (or a hold): families until the event's cut-off, admins at any time. */
  cancel(p: Principal, bookingId: string, idem: Idem): Promise<Result<BookingView>> {
    return this.end(p, bookingId, idem, 'cancelled');
  }

  private async end(
    p: Principal,
    bookingId: string,
    idem: Idem,
    action: 'released' | 'cancelled',
  ): Promise<Result<BookingView>> {
    let facts: Fact[] = [];
    const result = await runIdempotent(
      this.ctx.deps.db,
      this.ctx.scope(p, idem, action, { bookingId }),
      async (client) => {
        const b = await this.ctx.lockBooking(client, p, bookingId, 'No such booking.');
        if (b.archived)
          throw new DomainError('window_closed', 'This event is archived and can no longer change.');
        if (action === 'released' && b.status !== 'held') throw new DomainError('not_found', 'No such hold.');
        if (b.status === 'expired' || (b.status === 'held' && !b.live)) throw new DomainError('hold_expired');
        if (b.status !== 'held' && b.status !== 'confirmed')
          throw new DomainError('not_found', 'This booking has ended.');
        if (p.kind === 'family' && b.status === 'confirmed' && !b.before_cutoff) {
          throw new DomainError(
            'window_closed',
            'Appointments can no longer be cancelled online. Please contact the school.',
          );
        }
        await client.query(END_BOOKING([bookingId]));
        facts = await recordChanges(client, b.event_id, this.ctx.actorOf(p), [
          {
            action: b.status === 'held' ? 'released' : 'cancelled',
            slotId: b.slot_id,
            bookingId,
            familyId: b.family_id,
            studentId: b.student_id,
          },
        ]);
        const [view] = await loadBookingViews(client, [bookingId]);
        return view!;
      },
    );
    if (result.ok) this.ctx.publish(facts);
    return result;
  }
}
