import { ERROR_STATUS, type ErrorCode } from '../../../../protocol/errors.ts';
import { pgCode, pgConstraint } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { fairStartPending } from '../fair-start/fair-start-pending.ts';

// Which constraint refused the write says which rule was broken.
const CONSTRAINT_ERRORS: Record<string, () => DomainError> = {
  bookings_one_per_slot: () => new DomainError('slot_taken'),
  bookings_one_per_teacher: () =>
    new DomainError('clash', 'This child already has an appointment with this teacher.'),
  bookings_family_clash: () => new DomainError('clash'),
  bookings_student_clash: () =>
    new DomainError('clash', 'This child already has an appointment at this time.'),
  bookings_family_gap: () => new DomainError('gap'),
  // The reservation trigger tries every free interpreter before refusing; this is a
  // writer reaching the constraint without it (plain SQL).
  booking_interpreters_no_overlap: () => new DomainError('interpreter_unavailable'),
};

/** The refusal a constraint violation stands for, or null when it is not one of the booking rules. */
export function refusalFrom(err: unknown): DomainError | null {
  const code = pgCode(err);
  // Raised by the interpreter trigger under any writer of bookings (booking-interpreters.sql).
  if (code === 'P0001' && (err as { message?: string }).message === 'interpreter_unavailable')
    return new DomainError('interpreter_unavailable');
  if (code !== '23505' && code !== '23P01') return null;
  const make = CONSTRAINT_ERRORS[pgConstraint(err) ?? ''];
  return make ? make() : null;
}

/**
 * The refusal a booking function raised in PostgreSQL (`RAISE EXCEPTION '<code>'`,
 * SQLSTATE P0001, with JSON in DETAIL for the message), or a constraint's refusal;
 * null for anything else.
 */
export function refusalRaised(err: unknown): DomainError | null {
  if (pgCode(err) !== 'P0001') return refusalFrom(err);
  const code = (err as { message?: string }).message ?? '';
  if (!(code in ERROR_STATUS)) return null;
  let detail: { message?: string; windowEndsAt?: string; timeZone?: string; retryAfter?: number } = {};
  try {
    detail = JSON.parse((err as { detail?: string }).detail ?? '{}');
  } catch {}
  if (code === 'fair_start_pending' && detail.windowEndsAt && detail.timeZone)
    return fairStartPending(new Date(detail.windowEndsAt), detail.timeZone);
  // A pause (migration 024) says when to look again: the edge sends it as Retry-After.
  const extra = typeof detail.retryAfter === 'number' ? { retryAfter: detail.retryAfter } : {};
  return new DomainError(code as ErrorCode, detail.message, extra);
}
