import { type ErrorBody, errorBody } from '../../../../protocol/errors.ts';
import type { BookingView, ConfirmHoldsRequest, CreateHoldRequest } from '../../../../protocol/schemas.ts';
import { DomainError, type Result } from '../../refusals/domain-error.ts';
import type { Principal } from '../auth/principal.ts';
import { familyOf, principalKey } from '../auth/principal.ts';
import type { BookingContext, Idem } from './booking-context.ts';
import { confirmOnce, type HoldRequest, holdOnce, holdWithin, replayOf } from './booking-statements.ts';
import { bookingViewOf } from './booking-views.ts';
import type { Fact } from './event-changes.ts';
import { hopelessConfirmation } from './hopeless-confirmation.ts';
import { runIdempotent } from './idempotency.ts';

/**
 * The opening-night hot path: holds, itinerary holds and confirmations. Each is one
 * statement in PostgreSQL (confer_hold / confer_confirm, which ask the booking
 * policy); what runs here first is only what can answer without the database —
 * the slot this instance knows is taken, the admission guard, the Redis slot lock.
 */
export class HoldAndConfirm {
  constructor(private readonly ctx: BookingContext) {}

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
    const pool = this.ctx.deps.db;
    const queueing =
      pool.waitingCount > 0 || (pool.totalCount >= (pool.options.max ?? 10) && pool.idleCount === 0);
    const familyId = p.kind === 'family' ? p.familyId : input.familyId;
    return queueing && this.ctx.deps.slotStates?.isTakenFrom(familyId, input.slotId)
      ? { ok: false, error: errorBody('slot_taken') }
      : null;
  }

  /** Places a short hold on a slot for one of the family's children. */
  async hold(p: Principal, input: CreateHoldRequest, idem: Idem): Promise<Result<BookingView>> {
    const { deps } = this.ctx;
    const refused =
      this.knownTaken(p, input) ??
      (await deps.admission?.refuse({ slotId: input.slotId }, familyOf(p), p.schoolId));
    if (refused) return refused;
    let familyId: string;
    try {
      familyId = this.ctx.familyFor(p, input.familyId);
    } catch (err) {
      return { ok: false, error: (err as DomainError).body };
    }
    const lock = deps.slotLock ? await deps.slotLock.acquire(input.slotId) : null;
    // Lost the race for this slot: answer now, without touching PostgreSQL. If Redis
    // is down we go on without the lock; the unique index still picks one winner.
    if (lock && !lock.acquired && lock.reason === 'taken') {
      // A retry of a hold that committed finds its own lock (or a contender's) still
      // set: the stored answer stands whatever the lock says.
      const scope = this.ctx.scope(p, idem, 'hold', input);
      const replayed = scope ? await replayOf<BookingView>(deps.db, scope, bookingViewOf) : null;
      return replayed ?? { ok: false, error: new DomainError('slot_taken').body };
    }
    try {
      const { result, facts } = await holdOnce(
        deps.db,
        this.holdRequest(p, familyId, input),
        this.ctx.scope(p, idem, 'hold', input),
      );
      if (result.ok && facts.length > 0) {
        this.ctx.publish(facts);
        this.ctx.scheduleExpiry({
          bookingId: result.data.id,
          eventId: result.data.eventId,
          expiresAt: new Date(result.data.expiresAt!),
        });
      }
      return result;
    } finally {
      // Not awaited: the write has committed or rolled back, and a contender
      // arriving now is answered by the database (or this instance's knowledge of the
      // slot); the answer should not wait one more Redis round trip for it.
      if (lock?.acquired) void deps.slotLock!.release(input.slotId, lock.token);
    }
  }

  private holdRequest(p: Principal, familyId: string, input: CreateHoldRequest): HoldRequest {
    return {
      slotId: input.slotId,
      familyId,
      studentId: input.studentId,
      schoolId: p.schoolId,
      byStaff: p.kind === 'staff',
      actor: this.ctx.actorOf(p),
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
      familyId = this.ctx.familyFor(p, inputs[0]?.familyId);
      if (inputs.some((i) => (i.familyId ?? familyId) !== familyId)) throw new DomainError('forbidden');
    } catch (err) {
      return { ok: false, error: (err as DomainError).body };
    }
    // The same guards as a single hold (the admission guard, the virtual queue), asked
    // for every slot: an itinerary's meetings name only their slots, and a side road
    // without them let a family still in the queue hold.
    for (const slotId of new Set(inputs.map((i) => i.slotId))) {
      const refused = await this.ctx.deps.admission?.refuse({ slotId }, familyOf(p));
      if (refused) return refused;
    }
    let facts: Fact[] = [];
    let held: { bookingId: string; eventId: string; expiresAt: Date }[] = [];
    // A fixed order (by slot) so two multi-holds of one family cannot deadlock.
    const ordered = [...inputs].sort((a, b) => (a.slotId < b.slotId ? -1 : a.slotId > b.slotId ? 1 : 0));
    const result = await runIdempotent(
      this.ctx.deps.db,
      this.ctx.scope(p, idem, 'holdAll', ordered),
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
      this.ctx.publish(facts);
      for (const h of held) this.ctx.scheduleExpiry(h);
    }
    return result;
  }

  /** Confirms a family's holds together: all of them, or none if any has lapsed. */
  async confirm(
    p: Principal,
    input: ConfirmHoldsRequest,
    idem: Idem,
  ): Promise<Result<{ bookings: BookingView[] }>> {
    const { deps } = this.ctx;
    // Taken first: the waits below (the hopeless check's connection, admission, the
    // statement's connection) must not cost the family a hold that was live when
    // they asked. The database bounds it to the confirmation grace.
    const arrivedAt = new Date();
    let familyId: string;
    try {
      familyId = this.ctx.familyFor(p, input.familyId);
    } catch (err) {
      return { ok: false, error: (err as DomainError).body };
    }
    // A confirmation that cannot succeed is answered before it spends an admission token.
    const hopeless = deps.admission
      ? await hopelessConfirmation(deps.db, {
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
    const refused = await deps.admission?.refuse({ eventId: input.eventId }, familyOf(p));
    if (refused) return refused;
    const { result, facts } = await confirmOnce(
      deps.db,
      {
        eventId: input.eventId,
        familyId,
        schoolId: p.schoolId,
        byStaff: p.kind === 'staff',
        holdIds: input.holdIds ?? null,
        actor: this.ctx.actorOf(p),
        arrivedAt,
      },
      this.ctx.scope(p, idem, 'confirm', input),
    );
    if (result.ok) this.ctx.publish(facts);
    return result;
  }
}
