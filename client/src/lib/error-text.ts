import { ERROR_MESSAGES, type ErrorBody } from '../../../protocol/errors.ts';

/** "2 minutes", "45 seconds": a wait a person can read. */
export function describeWait(seconds: number): string {
  if (seconds >= 90) {
    const minutes = Math.ceil(seconds / 60);
    return `${minutes} minutes`;
  }
  const s = Math.max(1, Math.round(seconds));
  return s === 1 ? '1 second' : `${s} seconds`;
}

/** Sign-in refusals in words for the person at the keyboard. */
export function loginErrorText(error: ErrorBody, who: 'family' | 'staff'): string {
  switch (error.code) {
    case 'unauthenticated':
      return who === 'family'
        ? 'We could not find a family with that school code, surname and access code. Check the letter or e-mail from school and try again.'
        : 'That e-mail address and password do not match an account at this school.';
    case 'rate_limited':
      return `Too many sign-in attempts. Please wait ${describeWait(error.retryAfter ?? 60)} and try again.`;
    case 'invalid_input':
      return who === 'family'
        ? 'Please fill in the school code, your surname and your access code.'
        : 'Please fill in your e-mail address and password.';
    case 'unavailable':
      return 'The school’s booking system is busy or unreachable. Please try again in a moment.';
    default:
      return error.message || ERROR_MESSAGES[error.code];
  }
}

/** A refused booking action, with what it was about ("18:05 with Mr Smith"). */
export function bookingErrorText(error: ErrorBody, what: string): string {
  switch (error.code) {
    case 'slot_taken':
      return `Sorry, ${what} has just been taken by someone else. Please choose another time.`;
    case 'clash':
      return `${what} clashes with another appointment of your family.`;
    case 'gap':
      return `${what} is too close to another of your family’s appointments: you need time to get between rooms.`;
    case 'cap_reached':
      return 'This child already has the most appointments allowed for this evening.';
    case 'window_closed':
      return 'Booking is not open for this evening right now.';
    case 'hold_expired':
      return `Your hold on ${what} ran out before it was confirmed. Please choose it again if it is still free.`;
    case 'not_your_teacher':
      return 'This teacher does not teach this child.';
    case 'rate_limited':
      return `Too many requests. Please wait ${describeWait(error.retryAfter ?? 10)} and try again.`;
    case 'unavailable':
      return 'The school’s booking system is busy. Please try again in a moment.';
    default:
      return error.message || ERROR_MESSAGES[error.code];
  }
}
