import type { Admission } from '../../infra/admission.ts';
import { type Db, type DbClient, prepared } from '../../infra/db.ts';
import type { SlotLock } from '../../infra/slot-lock.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import type { Principal } from '../auth/principal.ts';
import { principalKey } from '../auth/principal.ts';
import type { Publisher } from '../live/publisher.ts';
import type { Actor, Fact } from './event-changes.ts';

/** Schedules the job that releases a hold at its expiry (the worker side of holds). */
export interface HoldExpiryScheduler {
  schedule(hold: { bookingId: string; eventId: string; expiresAt: Date; extension?: number }): Promise<void>;
}

export interface BookingServiceDeps {
  db: Db;
  /** The Redis fast path; null when switched off (the constraints still decide). */
  slotLock: SlotLock | null;
  /**
   * The opening-night guard on holds and confirmations (503 + Retry-After); none means
   * no limit. Asked by the booking service, once, for every edge (HTTP and socket) that books.
   */
  admission?: Pick<Admission, 'refuse'>;
  /** Slots this instance has heard are taken (live/slot-state-cache.ts); holds for them lose at once. */
  slotStates?: { isTakenFrom(familyId: string | undefined, slotId: string): boolean };
  publisher: Publisher;
  holdExpiry: HoldExpiryScheduler;
  logError?: (err: unknown, context: string) => void;
}

/** The request's idempotency key, if it carried one. */
export interface Idem {
  key: string | null;
}

const LOCK_BOOKING = prepared(
  'booking.lock',
  `SELECT b.event_id, b.slot_id, b.family_id, b.student_id, b.status, b.extensions,
          (b.status = 'confirmed' OR b.expires_at > now()) AS live,
          e.school_id, e.hold_seconds, e.archived_at IS NOT NULL AS archived,
          now() < coalesce(e.cancel_cutoff_at, e.booking_closes_at) AS before_cutoff,
          -- Separated parents in a joint event (migration 016): the child's other family
          -- may change or cancel the confirmed appointment too.
          (e.shared_child_mode = 'joint' AND b.status = 'confirmed'
           AND EXISTS (SELECT 1 FROM family_students fs WHERE fs.family_id = $2 AND fs.student_id = b.student_id)) AS shared
     FROM bookings b JOIN events e ON e.id = b.event_id
    WHERE b.id = $1 FOR UPDATE OF b`,
);
const EVENT_WINDOW = prepared(
  'event.window',
  `SELECT school_id, archived_at IS NOT NULL AS archived,
          archived_at IS NULL AND now() >= booking_opens_at AND now() < booking_closes_at AS open
     FROM events WHERE id = $1`,
);

/**
 * What every part of the booking door shares: who acts for whom, the idempotency
 * scope, locking a booking with its tenancy check, and telling screens after commit.
 * The parts (hold-and-confirm.ts, hold-lifecycle.ts, hold-expiry.ts, staff-actions.ts)
 * each take one of these rather than repeating the rules.
 */
export class BookingContext {
  constructor(readonly deps: BookingServiceDeps) {}

  actorOf(p: Principal): Actor {
    return p.kind === 'family' ? { kind: 'family', id: p.familyId } : { kind: 'staff', id: p.staffId };
  }

  /** The family a request acts for: a family acts for itself; only admins act for others. */
  familyFor(p: Principal, requested: string | undefined): string {
    if (p.kind === 'family') {
      if (requested && requested !== p.familyId) throw new DomainError('forbidden');
      return p.familyId;
    }
    if (!p.isAdmin) throw new DomainError('forbidden');
    if (!requested) throw new DomainError('invalid_input', 'Name the family to book for.');
    return requested;
  }

  scope(p: Principal, idem: Idem, operation: string, input: unknown) {
    return idem.key ? { principal: principalKey(p), key: idem.key, operation, input } : null;
  }

  /** Sends committed facts towards the screens (the outbox relay covers a lost publish). */
  publish(facts: Fact[]): void {
    if (facts.length > 0) this.deps.publisher.publish(facts);
  }

  /**
   * Not awaited by callers: the answer must not wait on Redis. If scheduling fails,
   * the hold still lapses on time — snapshots treat it as free, the next hold ends
   * it, and the workers' database sweep ends it for good (workers/hold-sweep.ts).
   */
  scheduleExpiry(hold: { bookingId: string; eventId: string; expiresAt: Date; extension?: number }): void {
    this.deps.holdExpiry.schedule(hold).catch((err) => this.deps.logError?.(err, 'schedule hold expiry'));
  }

  /**
   * Locks a booking for a change and checks the principal may touch it: its family,
   * or an admin of its school. Anything else is "not found", not "forbidden", so ids
   * of other families and schools reveal nothing.
   */
  async lockBooking(client: DbClient, p: Principal, bookingId: string, notFound: string) {
    const { rows } = await client.query<{
      event_id: string;
      slot_id: string;
      family_id: string;
      student_id: string;
      status: string;
      live: boolean;
      extensions: number;
      school_id: string;
      hold_seconds: number;
      before_cutoff: boolean;
      archived: boolean;
      shared: boolean;
    }>(LOCK_BOOKING([bookingId, p.kind === 'family' ? p.familyId : null]));
    const b = rows[0];
    const mayAct =
      b &&
      b.school_id === p.schoolId &&
      (p.kind === 'family' ? b.family_id === p.familyId || b.shared : p.isAdmin);
    if (!b || !mayAct) throw new DomainError('not_found', notFound);
    return b;
  }

  async eventFor(q: Db | DbClient, p: Principal, eventId: string) {
    const { rows } = await q.query<{ school_id: string; open: boolean; archived: boolean }>(
      EVENT_WINDOW([eventId]),
    );
    const e = rows[0];
    if (!e || e.school_id !== p.schoolId) throw new DomainError('not_found', 'This event does not exist.');
    return e;
  }
}
