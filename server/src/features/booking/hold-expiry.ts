import type { BookingContext } from './booking-context.ts';
import { CONFIRMATION_GRACE_MS } from './confirmation-grace.ts';
import { type Fact, recordChanges } from './event-changes.ts';
import { runIdempotent } from './idempotency.ts';

/** Thrown when an expiry job runs before its hold has lapsed; the queue retries it. */
export class HoldNotLapsedYet extends Error {
  constructor(bookingId: string) {
    super(`hold ${bookingId} has not lapsed yet`);
  }
}

/**
 * The system's own change to bookings: ending holds whose time is up (the worker's
 * delayed job; the database sweep in workers/hold-sweep.ts catches what jobs miss).
 */
export class HoldExpiry {
  constructor(private readonly ctx: BookingContext) {}

  /**
   * Ends a hold whose time is up. The database decides: a hold confirmed in time, or
   * already ended, is left alone, so running this twice or late changes nothing.
   */
  async expireHold(bookingId: string): Promise<boolean> {
    const { db } = this.ctx.deps;
    let facts: Fact[] = [];
    let released = false;
    await runIdempotent(db, null, async (client) => {
      // Holds lapse in waves (everyone who held at 19:00:0x lapses at 19:02:0x), so
      // one job ends every lapsed hold of its event at once: one transaction for the
      // wave instead of one per hold. Holds another transaction has locked are
      // skipped (their own jobs come), but never the job's own hold.
      const { rows } = await client.query<{
        id: string;
        event_id: string;
        slot_id: string;
        family_id: string;
        student_id: string;
      }>(
        // Only holds past the confirmation grace: a confirmation that arrived before
        // the lapse may still be waiting for a connection (confirmation-grace.ts).
        `UPDATE bookings SET status = 'expired', ended_at = now()
          WHERE status = 'held' AND expires_at <= now() - $2 * interval '1 millisecond'
            AND (id = $1 OR id IN (
                  SELECT o.id FROM bookings o
                   WHERE o.event_id = (SELECT event_id FROM bookings WHERE id = $1)
                     AND o.status = 'held' AND o.expires_at <= now() - $2 * interval '1 millisecond'
                   ORDER BY o.expires_at LIMIT 500
                     FOR UPDATE SKIP LOCKED))
          RETURNING id, event_id, slot_id, family_id, student_id`,
        [bookingId, CONFIRMATION_GRACE_MS],
      );
      if (rows.length === 0) return;
      released = rows.some((r) => r.id === bookingId);
      facts = await recordChanges(
        client,
        rows[0]!.event_id,
        { kind: 'system', id: null },
        rows.map((b) => ({
          action: 'expired',
          slotId: b.slot_id,
          bookingId: b.id,
          familyId: b.family_id,
          studentId: b.student_id,
        })),
      );
    });
    this.ctx.publish(facts);
    if (!released) {
      // A job that runs a moment before the hold is past its grace (clocks of Node and
      // PostgreSQL differ slightly) must not leave the hold to lapse unseen: fail, and
      // BullMQ retries shortly.
      // A hold that was extended has a later job of its own; this one is done.
      const { rowCount } = await db.query(
        `SELECT 1 FROM bookings WHERE id = $1 AND status = 'held'
            AND expires_at > now() - $2 * interval '1 millisecond'
            AND expires_at < now() - $2 * interval '1 millisecond' + interval '5 seconds'`,
        [bookingId, CONFIRMATION_GRACE_MS],
      );
      if (rowCount) throw new HoldNotLapsedYet(bookingId);
    }
    return released;
  }
}
