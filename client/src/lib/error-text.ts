import { ERROR_MESSAGES, type ErrorBody, type ErrorCode } from '../../../protocol/errors.ts';
import { m } from './i18n/messages.svelte.ts';

/** "2 minutes", "45 seconds": a wait a person can read, in the language on screen. */
export function describeWait(seconds: number): string {
  if (seconds >= 90) return m.wait_minutes({ count: Math.ceil(seconds / 60) });
  return m.wait_seconds({ count: Math.max(1, Math.round(seconds)) });
}

/**
 * Every refusal code in the family's words. The server's `message` is English and never
 * shown to a family: the code is the contract. `null`: a code only staff screens meet
 * (imports, availability), which stay English (protocol/errors.ts's text).
 */
const REFUSAL: Record<ErrorCode, (() => string) | null> = {
  slot_taken: () => m.error_slot_taken({ slot: m.parent_that_time() }),
  clash: () => m.error_clash({ slot: m.parent_that_time() }),
  gap: () => m.error_gap({ slot: m.parent_that_time() }),
  window_closed: () => m.error_window_closed(),
  not_your_teacher: () => m.error_not_your_teacher(),
  cap_reached: () => m.error_cap_reached(),
  hold_expired: () => m.error_hold_expired({ slot: m.parent_that_time() }),
  fair_start_pending: () => m.error_fair_start_pending(),
  interpreter_unavailable: () => m.error_interpreter_unavailable(),
  not_found: () => m.error_not_found(),
  forbidden: () => m.error_forbidden(),
  invalid_input: () => m.error_invalid_input(),
  payload_too_large: () => m.error_payload_too_large(),
  idempotency_mismatch: () => m.error_idempotency_mismatch(),
  unauthenticated: () => m.error_unauthenticated(),
  rate_limited: () => m.error_rate_limited({ wait: describeWait(10) }),
  unavailable: () => m.error_unavailable(),
  internal: () => m.error_internal(),
  import_plan_stale: null,
  import_confirmation_required: null,
  import_restore_conflict: null,
  availability_locked: null,
  bookings_in_the_way: null,
  unsupported_media_type: null,
  unknown_message: null,
  unknown_placeholder: null,
};

/** Any refusal in words, for a screen with nothing more particular to say about it. */
export function refusalText(error: ErrorBody): string {
  if (error.code === 'rate_limited')
    return m.error_rate_limited({ wait: describeWait(error.retryAfter ?? 10) });
  return REFUSAL[error.code]?.() ?? ERROR_MESSAGES[error.code];
}

/** Sign-in refusals in words for the person at the keyboard (staff: staffLoginErrorText). */
export function loginErrorText(error: ErrorBody, who: 'family' | 'staff'): string {
  if (who === 'staff') return staffLoginErrorText(error, 'sign_in');
  switch (error.code) {
    case 'unauthenticated':
      return m.error_login_not_found();
    case 'rate_limited':
      return m.error_login_rate_limited({ wait: describeWait(error.retryAfter ?? 60) });
    case 'invalid_input':
      return m.error_login_incomplete();
    case 'unavailable':
      return m.error_login_unavailable();
    // A right sign-in to a school the operator suspended: the only refusal of its kind.
    case 'forbidden':
      return m.error_login_suspended();
    default:
      return refusalText(error);
  }
}

/**
 * A refused staff sign-in (`POST /auth/staff/login`: unauthenticated, forbidden, rate_limited)
 * or reset-link request (`POST /auth/password/reset-request`: rate_limited), plus what any
 * request can meet (invalid_input, unavailable — the client's own answer when the network is
 * down), in the staff's words. Any other code gets the general message: the server's `message`
 * is never shown, so its wording can change without reaching a screen.
 */
export function staffLoginErrorText(error: ErrorBody, action: 'sign_in' | 'reset_link'): string {
  const wait = () => describeWait(error.retryAfter ?? 60);
  if (error.code === 'unavailable') return m.staff_login_error_unavailable();
  if (action === 'reset_link') {
    if (error.code === 'rate_limited') return m.staff_login_reset_rate_limited({ wait: wait() });
    if (error.code === 'invalid_input') return m.staff_login_email_invalid();
    return m.staff_login_reset_error_general();
  }
  switch (error.code) {
    case 'unauthenticated':
      return m.staff_login_error_no_match();
    case 'invalid_input':
      return m.staff_login_error_incomplete();
    case 'rate_limited':
      return m.staff_login_error_rate_limited({ wait: wait() });
    // A right sign-in to a school the operator suspended: the only refusal of its kind.
    case 'forbidden':
      return m.staff_login_error_suspended();
    default:
      return m.staff_login_error_general();
  }
}

/** A refused booking action, with what it was about ("18:05 with Mr Smith"). */
export function bookingErrorText(error: ErrorBody, what: string): string {
  switch (error.code) {
    case 'slot_taken':
      return m.error_slot_taken({ slot: what });
    case 'clash':
      return m.error_clash({ slot: what });
    case 'gap':
      return m.error_gap({ slot: what });
    case 'hold_expired':
      return m.error_hold_expired({ slot: what });
    default:
      return refusalText(error);
  }
}
