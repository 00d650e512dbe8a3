import type {
  BookingView,
  ConfirmHoldsRequest,
  CreateHoldRequest,
  SlotView,
} from '../../../../protocol/schemas.ts';
import { DomainError, type Result } from '../../refusals/domain-error.ts';
import type { Principal } from '../auth/principal.ts';
import { BookingContext, type BookingServiceDeps, type Idem } from './booking-context.ts';
import { loadItinerary } from './booking-views.ts';
import { HoldAndConfirm } from './hold-and-confirm.ts';
import { HoldExpiry } from './hold-expiry.ts';
import { HoldLifecycle } from './hold-lifecycle.ts';
import { StaffActions } from './staff-actions.ts';

export type { BookingServiceDeps, HoldExpiryScheduler } from './booking-context.ts';

/**
 * The booking door's TypeScript side, as the edges (HTTP routes, the socket gateway)
 * and the workers see it. It is split along its real seams — the hot path
 * (hold-and-confirm.ts), what happens to a hold or booking afterwards
 * (hold-lifecycle.ts), the system's expiry (hold-expiry.ts) and staff actions
 * (staff-actions.ts) — which share one BookingContext. The rules themselves are in
 * PostgreSQL (confer_booking_refusal, docs/booking-door.md).
 */
export class BookingService {
  private readonly ctx: BookingContext;
  private readonly hot: HoldAndConfirm;
  private readonly lifecycle: HoldLifecycle;
  private readonly expiry: HoldExpiry;
  private readonly staff: StaffActions;

  constructor(deps: BookingServiceDeps) {
    this.ctx = new BookingContext(deps);
    this.hot = new HoldAndConfirm(this.ctx);
    this.lifecycle = new HoldLifecycle(this.ctx);
    this.expiry = new HoldExpiry(this.ctx);
    this.staff = new StaffActions(this.ctx);
  }

  hold(p: Principal, input: CreateHoldRequest, idem: Idem): Promise<Result<BookingView>> {
    return this.hot.hold(p, input, idem);
  }

  holdAll(
    p: Principal,
    inputs: CreateHoldRequest[],
    idem: Idem,
  ): Promise<Result<{ bookings: BookingView[] }>> {
    return this.hot.holdAll(p, inputs, idem);
  }

  confirm(
    p: Principal,
    input: ConfirmHoldsRequest,
    idem: Idem,
  ): Promise<Result<{ bookings: BookingView[] }>> {
    return this.hot.confirm(p, input, idem);
  }

  extendHold(p: Principal, holdId: string, idem: Idem): Promise<Result<BookingView>> {
    return this.lifecycle.extendHold(p, holdId, idem);
  }

  releaseHold(p: Principal, holdId: string, idem: Idem): Promise<Result<BookingView>> {
    return this.lifecycle.releaseHold(p, holdId, idem);
  }

  cancel(p: Principal, bookingId: string, idem: Idem): Promise<Result<BookingView>> {
    return this.lifecycle.cancel(p, bookingId, idem);
  }

  expireHold(bookingId: string): Promise<boolean> {
    return this.expiry.expireHold(bookingId);
  }

  setBlocked(p: Principal, slotId: string, blocked: boolean, idem: Idem): Promise<Result<SlotView>> {
    return this.staff.setBlocked(p, slotId, blocked, idem);
  }

  /** A family's bookings at an event (its own, or any family's for an admin). */
  async itinerary(
    p: Principal,
    eventId: string,
    familyId?: string,
  ): Promise<Result<{ bookings: BookingView[] }>> {
    try {
      const fid = this.ctx.familyFor(p, familyId);
      await this.ctx.eventFor(this.ctx.deps.db, p, eventId);
      return { ok: true, data: { bookings: await loadItinerary(this.ctx.deps.db, fid, eventId) } };
    } catch (err) {
      if (err instanceof DomainError) return { ok: false, error: err.body };
      throw err;
    }
  }
}
