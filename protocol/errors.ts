/**
 * The closed set of error codes Confer answers with, over HTTP and in socket
 * acknowledgements, and the HTTP status each maps to. Raw exception text never
 * leaves the server: a client only ever sees one of these codes and its message.
 */
export const ERROR_STATUS = {
  slot_taken: 409,
  clash: 409,
  gap: 409,
  window_closed: 409,
  not_your_teacher: 403,
  cap_reached: 409,
  hold_expired: 409,
  fair_start_pending: 409,
  import_plan_stale: 409,
  import_confirmation_required: 409,
  import_restore_conflict: 409,
  availability_locked: 409,
  bookings_in_the_way: 409,
  interpreter_unavailable: 409,
  not_found: 404,
  forbidden: 403,
  invalid_input: 400,
  unknown_message: 400,
  unknown_placeholder: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_mismatch: 422,
  unauthenticated: 401,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_MESSAGES: Record<ErrorCode, string> = {
  slot_taken: 'Someone else has just taken this slot.',
  clash: 'This time clashes with another appointment of your family.',
  gap: 'This is too close to another appointment of your family.',
  window_closed: 'Booking is not open for this event right now.',
  not_your_teacher: 'This teacher does not teach this child.',
  cap_reached: 'This child already has the most appointments allowed.',
  hold_expired: 'Your hold on this slot has expired.',
  fair_start_pending:
    'Requests are being collected for a fair start; slots are allocated when the window ends.',
  import_plan_stale:
    'The file or the school’s data changed since the file was checked: check it again and look at the new plan.',
  import_confirmation_required:
    'This import removes more than a school usually means to: look at the removals and confirm them.',
  import_restore_conflict: 'Restoring would lose changes made since this import.',
  availability_locked: 'Only the school’s admins can change this availability now.',
  bookings_in_the_way:
    'This change would remove booked appointments (listed): ask an admin to move those families first.',
  interpreter_unavailable:
    'No interpreter for your language is free at this time. Please choose another time.',
  not_found: 'Not found.',
  forbidden: 'You are not allowed to do this.',
  invalid_input: 'The request is not valid.',
  unknown_message: 'There is no message with this key to override.',
  unknown_placeholder:
    'The text uses a {placeholder} the English message does not have; use only the ones listed.',
  payload_too_large: 'The request is too large.',
  unsupported_media_type: 'Send the request body as JSON (Content-Type: application/json).',
  idempotency_mismatch: 'This idempotency key was already used for a different request.',
  unauthenticated: 'Please sign in.',
  rate_limited: 'Too many attempts. Please wait and try again.',
  unavailable: 'The service is busy. Please try again shortly.',
  internal: 'Something went wrong on our side.',
};

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** Field-level problems for `invalid_input`: path and reason, never values; for `bookings_in_the_way`, each appointment in the way (`bookings.<id>`, its local time). */
  issues?: { path: string; message: string }[];
  /** Seconds to wait, for `rate_limited` and `unavailable`. */
  retryAfter?: number;
  /** Problems found beyond those in `issues` (a CSV import lists only its first 100). */
  issuesNotListed?: number;
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

export function errorBody(code: ErrorCode, extra: Partial<Omit<ErrorBody, 'code'>> = {}): ErrorBody {
  return { code, message: ERROR_MESSAGES[code], ...extra };
}
