import { DateTime } from 'luxon';
import { DomainError } from '../../refusals/domain-error.ts';
import { instantToLocalTime, localToInstant } from '../events/slot-generation.ts';

/**
 * A wall-clock time the admin typed, as an instant in the school's zone. Times that do
 * not exist there (skipped by a spring-forward change) are refused rather than quietly
 * shifted by an hour: the admin should pick the time the school actually means.
 */
export function schoolInstant(date: string, time: string, timeZone: string, path: string): Date {
  let at: Date;
  try {
    at = localToInstant(date, time, timeZone);
  } catch {
    throw new DomainError('invalid_input', undefined, {
      issues: [{ path, message: 'Not a valid date or time.' }],
    });
  }
  if (instantToLocalTime(at, timeZone) !== time || schoolDate(at, timeZone) !== date) {
    throw new DomainError('invalid_input', undefined, {
      issues: [{ path, message: `${date} ${time} does not exist in ${timeZone} (clocks change).` }],
    });
  }
  return at;
}

/** The school-local calendar date of an instant. */
export function schoolDate(at: Date, timeZone: string): string {
  return DateTime.fromJSDate(at, { zone: timeZone }).toISODate()!;
}

export { instantToLocalTime as schoolTime };
