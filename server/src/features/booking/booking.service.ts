import { type ErrorBody, errorBody } from '../../../../protocol/errors.ts';
import type {
  BookingView,
  ConfirmHoldsRequest,
  CreateHoldRequest,
  SlotView,
} from '../../../../protocol/schemas.ts';
import type { Admission } from '../../infra/admission.ts';
import { type Db, type DbClient, prepared } from '../../infra/db.ts';
import type { SlotLock } from '../../infra/slot-lock.ts';
import type { Principal } from '../auth/principal.ts';
import { familyOf, principalKey } from '../auth/principal.ts';
import { DomainError, type Result } from '../domain-error.ts';
import type { Publisher } from '../live/publisher.ts';
import { refusalRaised } from './booking-refusals.ts';
import { confirmOnce, type HoldRequest, holdOnce, holdWithin, replayOf } from './booking-statements.ts';
import { bookingViewOf, loadBookingViews, loadItinerary } from './booking-views.ts';
import { CONFIRMATION_GRACE_MS } from './confirmation-grace.ts';
import { type Actor, type Change, type Fact, recordChanges } from './event-changes.ts';
import { hopelessConfirmation } from './hopeless-confirmation.ts';
import { runIdempotent } from './idempotency.ts';
import { loadSlotViews } from './slot-views.ts';

/** Schedules the job that releases a hold at its expiry (the worker side of holds). */
export interface HoldExpiryScheduler {
  schedule(hold: { bookingId: string; eventId: string; expiresAt: Date; extension?: number }): Promise<void>;
}

/**
 * What happened to a family's bookings. The mail about it is not sent from here: the
 * booking log's trigger writes it to the outbox in the change's own transaction
 * (migration 012), and the workers' relay sends it on.
 */
export interface BookingNotification {
  kind: 'confirmed' | 'cancelled' | 'changed';
  eventId: string;
  familyId: string;
  bookingIds: string[];
  /** Who acted: a family itself, staff on its behalf, or the system. */
  by: 'family' | 'staff' | 'system';
}

export interface BookingServiceDeps {
  db: Db;
  /** The Redis fast path; null when switched off (the constraints still decide). */
  slotLock: SlotLock | null;
  /**
   * The opening-night guard on holds and confirmations (503 + Retry-After); none means
   * no limit. Asked here, once, for every edge (HTTP and socket) that books.
   */
  admission?: Pick<Admission, 'refuse'>;
  /** Slots this instance has heard are taken (live/slot-state-cache.ts); holds for them lose at once. */
  slotStates?: { isTakenFrom(familyId: string | undefined, slotId: string): boolean };
  publisher: Publisher;
  holdExpiry: HoldExpiryScheduler;
  logError?: (err: unknown, context: string) => void;
}

/** WCAG 2.2.1 asks for at least ten; more would let a family sit on a slot all evening. */
export const MAX_HOLD_EXTENSIONS = 10;

/** Thrown when an expiry job runs before its hold has lapsed; the queue retries it. */
export class HoldNotLapsedYet extends Error {
  constructor(bookingId: string) {
    super(`hold ${bookingId} has not lapsed yet`);
  }
}

const END_BOOKING = prepared(
  'booking.end',
  `UPDATE bookings SET status = 'cancelled', ended_at = now() WHERE id = $1`,
);
const LOCK_BOOKING = prepared(
  'booking.lock',
  `SELECT b.event_id, b.slot_id, b.family_id, b.student_id, b.status, b.extensions,
          (b.status = 'confirmed' OR b.expires_at > now()) AS live,
          e.school_id, e.hold_seconds, e.archived_at IS NOT NULL AS archived,
          now() < coalesce(e.cancel_cutoff_at, e.booking_closes_at) AS before_cutoff
     FROM bookings b JOIN events e ON e.id = b.event_id
    WHERE b.id = $1 FOR UPDATE OF b`,
);
const EVENT_WINDOW = prepared(
  'event.window',
  `SELECT school_id, archived_at IS NOT NULL AS archived,
          archived_at IS NULL AND now() >= booking_opens_at AND now() < booking_closes_at AS open
     FROM events WHERE id = $1`,
);

interface Idem {
  key: string | null;
}

export class BookingService {
  constructor(private readonly deps: BookingServiceDeps) {}

  private actorOf(p: Principal): Actor {
    return p.kind === 'family' ? { kind: 'family', id: p.familyId } : { kind: 'staff', id: p.staffId };
  }

  /** The family a request acts for: a family acts for itself; only admins act for others. */
  private familyFor(p: Principal, requested: string | undefined): string {
    if (p.kind === 'family') {
      if (requested && requested !== p.familyId) throw new DomainError('forbidden');
      return p.familyId;
    }
    if (!p.isAdmin) throw new DomainError('forbidden');
    if (!requested) throw new DomainError('invalid_input', 'Name the family to book for.');
    return requested;
  }

  private scope(p: Principal, idem: Idem, operation: string, input: unknown) {
    return idem.key ? { principal: principalKey(p), key: idem.key, operation, input } : null;
  }

  private after(facts: Fact[]): void {
    if (facts.length > 0) this.deps.publisher.publish(facts);
  }

  /**
   * While writes queue for a database connection, the answer to a hold for a slot
   * this instance already knows is taken by another family (live/slot-state-cache.ts),
   * else null. Asked before the admission guard: a sure loser should hear so at once,
   * not "busy", and should not take a write's place. With connections free, the
   * database answers, with its full order of refusals (a closed window or another
   * family's child before a taken slot).
   */
  private knownTaken(
    p: Principal,
    input: { slotId: string; familyId?: string },
  ): { ok: false; error: ErrorBody } | null {
    const pool = this.deps.db;
    const queueing =
      pool.waitingCount > 0 || (pool.totalCount >= (pool.options.max ?? 10) && pool.idleCount === 0);
    const familyId = p.kind === 'family' ? p.familyId : input.familyId;
    return queueing && this.deps.slotStates?.isTakenFrom(familyId, input.slotId)
      ? { ok: false, error: errorBody('slot_taken') }
      : null;
  }

  /** Places a short hold on a slot for one of the family's children. */
  async hold(p: Principal, input: CreateHoldRequest, idem: Idem): Promise<Result<BookingView>> {
    const refused =
      this.knownTaken(p, input) ??
      (await this.deps.admission?.refuse({ slotId: input.slotId }, familyOf(p), p.schoolId));
    if (refused) return refused;
    let familyId: string;
    try {
      familyId = this.familyFor(p, input.familyId);
    } catch (err) {
      return { ok: false, error: (err as DomainError).body };
    }
    const lock = this.deps.slotLock ? await this.deps.slotLock.acquire(input.slotId) : null;
    // Lost the race for this slot: answer now, without touching PostgreSQL. If Redis
    // is down we go on without the lock; the unique index still picks one winner.
    if (lock && !lock.acquired && lock.reason === 'taken') {
      // A retry of a hold that committed finds its own lock (or a contender's) still
      // set: the stored answer stands whatever the lock says (issue 12).
      const scope = this.scope(p, idem, 'hold', input);
      const replayed = scope ? await replayOf<BookingView>(this.deps.db, scope, bookingViewOf) : null;
      return replayed ?? { ok: false, error: new DomainError('slot_taken').body };
    }
    try {
      const { result, facts } = await holdOnce(
        this.deps.db,
        this.holdRequest(p, familyId, input),
        this.scope(p, idem, 'hold', input),
      );
      if (result.ok && facts.length > 0) {
        this.after(facts);
        // Not awaited: the answer must not wait on Redis. If scheduling fails, the hold
        // still lapses on time — snapshots treat it as free and the next hold ends it.
        this.deps.holdExpiry
          .schedule({
            bookingId: result.data.id,
            eventId: result.data.eventId,
            expiresAt: new Date(result.data.expiresAt!),
          })
          .catch((err) => this.deps.logError?.(err, 'schedule hold expiry'));
      }
      return result;
    } finally {
      // Not awaited either: the write has committed or rolled back, and a contender
      // arriving now is answered by the database (or this instance's knowledge of the
      // slot); the answer should not wait one more Redis round trip for it.
      if (lock?.acquired) void this.deps.slotLock!.release(input.slotId, lock.token);
    }
  }

  private holdRequest(p: Principal, familyId: string, input: CreateHoldRequest): HoldRequest {
    return {
      slotId: input.slotId,
      familyId,
      studentId: input.studentId,
      schoolId: p.schoolId,
      byStaff: p.kind === 'staff',
      actor: this.actorOf(p),
    };
  }

  /**
   * Holds several slots in one transaction, all or none (an itinerary's one click):
   * each hold goes through the same checks and constraints as a single hold, and
   * the first refusal rolls every one of them back. No Redis lock: the
   * constraints decide, and a lost race answers like a single hold would.
   */
  async holdAll(
    p: Principal,
    inputs: CreateHoldRequest[],
    idem: Idem,
  ): Promise<Result<{ bookings: BookingView[] }>> {
    let familyId: string;
    try {
      familyId = this.familyFor(p, inputs[0]?.familyId);
      if (inputs.some((i) => (i.familyId ?? familyId) !== familyId)) throw new DomainError('forbidden');
    } catch (err) {
      return { ok: false, error: (err as DomainError).body };
    }
    // The same guards as a single hold (the admission guard, the virtual queue), asked
    // for every slot: an itinerary's meetings name only their slots, and a side road
    // without them let a family still in the queue hold (issue 11).
    for (const slotId of new Set(inputs.map((i) => i.slotId))) {
      const refused = await this.deps.admission?.refuse({ slotId }, familyOf(p));
      if (refused) return refused;
    }
    let facts: Fact[] = [];
    let held: { bookingId: string; eventId: string; expiresAt: Date }[] = [];
    // A fixed order (by slot) so two multi-holds of one family cannot deadlock.
    const ordered = [...inputs].sort((a, b) => (a.slotId < b.slotId ? -1 : a.slotId > b.slotId ? 1 : 0));
    const result = await runIdempotent(
      this.deps.db,
      this.scope(p, idem, 'holdAll', ordered),
      async (client) => {
        facts = [];
        held = [];
        const views: BookingView[] = [];
        for (const input of ordered) {
          const out = await holdWithin(client, this.holdRequest(p, familyId, input));
          facts.push(...out.facts);
          views.push(out.view);
          held.push({
            bookingId: out.view.id,
            eventId: out.view.eventId,
            expiresAt: new Date(out.view.expiresAt!),
          });
        }
        return { bookings: views.sort((a, b) => a.startsAt.localeCompare(b.startsAt)) };
      },
    );
    if (result.ok && facts.length > 0) {
      this.after(facts);
      for (const h of held)
        this.deps.holdExpiry.schedule(h).catch((err) => this.deps.logError?.(err, 'schedule hold expiry'));
    }
    return result;
  }

  /** Confirms a family's holds together: all of them, or none if any has lapsed. */
  async confirm(
    p: Principal,
    input: ConfirmHoldsRequest,
    idem: Idem,
  ): Promise<Result<{ bookings: BookingView[] }>> {
    // Taken first: the waits below (the hopeless check's connection, admission, the
    // statement's connection) must not cost the family a hold that was live when
    // they asked (issue 12). The database bounds it to the confirmation grace.
    const arrivedAt = new Date();
    let familyId: string;
    try {
      familyId = this.familyFor(p, input.familyId);
    } catch (err) {
      return { ok: false, error: (err as DomainError).body };
    }
    // A confirmation that cannot succeed is answered before it spends an admission token.
    const hopeless = this.deps.admission
      ? await hopelessConfirmation(this.deps.db, {
          eventId: input.eventId,
          familyId,
          schoolId: p.schoolId,
          byStaff: p.kind === 'staff',
          holdIds: input.holdIds ?? null,
          keyed: idem.key ? { principal: principalKey(p), key: idem.key } : null,
          arrivedAt,
        })
      : null;
    if (hopeless) return { ok: false, error: hopeless };
    const refused = await this.deps.admission?.refuse({ eventId: input.eventId }, familyOf(p));
    if (refused) return refused;
    const { result, facts } = await confirmOnce(
      this.deps.db,
      {
        eventId: input.eventId,
        familyId,
        schoolId: p.schoolId,
        byStaff: p.kind === 'staff',
        holdIds: input.holdIds ?? null,
        actor: this.actorOf(p),
        arrivedAt,
      },
      this.scope(p, idem, 'confirm', input),
    );
    if (result.ok) this.after(facts);
    return result;
  }

  /**
   * More time on a live hold: the event's hold length again, from now (WCAG 2.2.1,
   * timing adjustable — at least ten extensions). Everyone sees the new lapse time.
   */
  async extendHold(p: Principal, holdId: string, idem: Idem): Promise<Result<BookingView>> {
    // More time on a slot is taking it for longer: the queue and the guard are asked
    // as for the hold itself.
    if (p.kind === 'family') {
      const { rows } = await this.deps.db.query<{ slot_id: string }>(
        'SELECT slot_id FROM bookings WHERE id = $1 AND family_id = $2',
        [holdId, p.familyId],
      );
      const refused = rows[0]
        ? await this.deps.admission?.refuse({ slotId: rows[0].slot_id }, p.familyId)
        : null;
      if (refused) return refused;
    }
    let facts: Fact[] = [];
    let extension = 0;
    let expiresAt: Date | null = null;
    const result = await runIdempotent(
      this.deps.db,
      this.scope(p, idem, 'extend', { holdId }),
      async (client) => {
        const b = await this.lockBooking(client, p, holdId, 'No such hold.');
        if (b.status !== 'held' && b.status !== 'expired')
          throw new DomainError('not_found', 'No such hold.');
        if (b.archived)
          throw new DomainError('window_closed', 'This event is archived and can no longer change.');
        if (b.status === 'expired' || !b.live) throw new DomainError('hold_expired');
        // The door's rules for the slot it already holds (window, mode; the hold itself
        // not counted against the cap): a hold made by staff is not a family's way in.
        const { rows: policy } = await client.query<{ refusal: { code: string; detail?: string } | null }>(
          'SELECT confer_booking_refusal($1, $2, $3, $4, $5, $6) AS refusal',
          [b.slot_id, b.family_id, b.student_id, p.schoolId, p.kind === 'staff' ? 'staff' : null, holdId],
        );
        const refusal = policy[0]!.refusal;
        if (refusal)
          throw (
            refusalRaised({ code: 'P0001', message: refusal.code, detail: refusal.detail }) ??
            new DomainError('window_closed')
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
        facts = await recordChanges(client, b.event_id, this.actorOf(p), [
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
      this.after(facts);
      this.deps.holdExpiry
        .schedule({ bookingId: holdId, eventId: result.data.eventId, expiresAt: expiresAt!, extension })
        .catch((err) => this.deps.logError?.(err, 'schedule hold expiry'));
    }
    return result;
  }

  /** Lets go of a hold before it lapses. */
  async releaseHold(p: Principal, holdId: string, idem: Idem): Promise<Result<BookingView>> {
    return this.end(p, holdId, idem, 'released');
  }

  /** Cancels a booking (or a hold): families until the event's cut-off, admins at any time. */
  async cancel(p: Principal, bookingId: string, idem: Idem): Promise<Result<BookingView>> {
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
      this.deps.db,
      this.scope(p, idem, action, { bookingId }),
      async (client) => {
        const b = await this.lockBooking(client, p, bookingId, 'No such booking.');
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
        facts = await recordChanges(client, b.event_id, this.actorOf(p), [
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
    if (result.ok) this.after(facts);
    return result;
  }

  /**
   * Ends a hold whose time is up. The database decides: a hold confirmed in time, or
   * already ended, is left alone, so running this twice or late changes nothing.
   */
  async expireHold(bookingId: string): Promise<boolean> {
    let facts: Fact[] = [];
    let released = false;
    await runIdempotent(this.deps.db, null, async (client) => {
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
    this.after(facts);
    if (!released) {
      // A job that runs a moment before the hold is past its grace (clocks of Node and
      // PostgreSQL differ slightly) must not leave the hold to lapse unseen: fail, and
      // BullMQ retries shortly.
      // A hold that was extended has a later job of its own; this one is done.
      const { rowCount } = await this.deps.db.query(
        `SELECT 1 FROM bookings WHERE id = $1 AND status = 'held'
            AND expires_at > now() - $2 * interval '1 millisecond'
            AND expires_at < now() - $2 * interval '1 millisecond' + interval '5 seconds'`,
        [bookingId, CONFIRMATION_GRACE_MS],
      );
      if (rowCount) throw new HoldNotLapsedYet(bookingId);
    }
    return released;
  }

  /** Admins take a slot out of booking (or put it back). A slot someone is in cannot be blocked. */
  async setBlocked(p: Principal, slotId: string, blocked: boolean, idem: Idem): Promise<Result<SlotView>> {
    let facts: Fact[] = [];
    const result = await runIdempotent(
      this.deps.db,
      this.scope(p, idem, 'block', { slotId, blocked }),
      async (client) => {
        if (p.kind !== 'staff' || !p.isAdmin) throw new DomainError('forbidden');
        const { rows } = await client.query<{
          event_id: string;
          school_id: string;
          blocked: boolean;
          archived: boolean;
        }>(
          `SELECT s.event_id, e.school_id, s.blocked, e.archived_at IS NOT NULL AS archived
             FROM slots s JOIN events e ON e.id = s.event_id
          WHERE s.id = $1 FOR UPDATE OF s`,
          [slotId],
        );
        const s = rows[0];
        if (!s || s.school_id !== p.schoolId) throw new DomainError('not_found', 'This slot does not exist.');
        // The door's first rule after tenancy, for staff too: an archived event never changes.
        if (s.archived)
          throw new DomainError('window_closed', 'This event is archived and can no longer change.');
        if (blocked) {
          const { rowCount } = await client.query(
            'SELECT 1 FROM bookings WHERE slot_id = $1 AND booking_is_active(status, expires_at)',
            [slotId],
          );
          if (rowCount)
            throw new DomainError('slot_taken', 'Someone is booked in this slot; cancel the booking first.');
        }
        if (s.blocked !== blocked) {
          await client.query('UPDATE slots SET blocked = $2 WHERE id = $1', [slotId, blocked]);
          facts = await recordChanges(client, s.event_id, this.actorOf(p), [
            { action: blocked ? 'blocked' : 'unblocked', slotId },
          ]);
        }
        const [view] = await loadSlotViews(client, [slotId]);
        return view!;
      },
    );
    if (result.ok) this.after(facts);
    return result;
  }

  async itinerary(
    p: Principal,
    eventId: string,
    familyId?: string,
  ): Promise<Result<{ bookings: BookingView[] }>> {
    try {
      const fid = this.familyFor(p, familyId);
      await this.eventFor(this.deps.db, p, eventId);
      return { ok: true, data: { bookings: await loadItinerary(this.deps.db, fid, eventId) } };
    } catch (err) {
      if (err instanceof DomainError) return { ok: false, error: err.body };
      throw err;
    }
  }

  /**
   * Locks a booking for a change and checks the principal may touch it: its family,
   * or an admin of its school. Anything else is "not found", not "forbidden", so ids
   * of other families and schools reveal nothing.
   */
  private async lockBooking(client: DbClient, p: Principal, bookingId: string, notFound: string) {
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
    }>(LOCK_BOOKING([bookingId]));
    const b = rows[0];
    const mayAct =
      b && b.school_id === p.schoolId && (p.kind === 'family' ? b.family_id === p.familyId : p.isAdmin);
    if (!b || !mayAct) throw new DomainError('not_found', notFound);
    return b;
  }

  private async eventFor(q: Db | DbClient, p: Principal, eventId: string) {
    const { rows } = await q.query<{ school_id: string; open: boolean; archived: boolean }>(
      EVENT_WINDOW([eventId]),
    );
    const e = rows[0];
    if (!e || e.school_id !== p.schoolId) throw new DomainError('not_found', 'This event does not exist.');
    return e;
  }
}
