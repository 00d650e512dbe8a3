/**
 * How long after its lapse a hold may still be confirmed by a confirmation that
 * reached the server before the lapse and then waited (for admission, for a database
 * connection). confer_confirm (migration 014) clamps the arrival instant to
 * [now() - 5 s, now()] — the same figure, written in SQL — so nothing may end a hold
 * before it is this far past `expires_at`: the expiry job (scheduled this long after
 * the lapse, infra/queues.ts via index.ts), BookingService.expireHold and the lapsed-hold
 * sweep (workers/hold-sweep.ts) all wait it out. Screens and the booking policy
 * still count the hold as free by the clock (`booking_is_active`): during the grace
 * another family may take the slot, and then the waiting confirmation is refused.
 * Change it here and in migration 014's confer_confirm together.
 */
export const CONFIRMATION_GRACE_MS = 5000;
