import { pgCode, pgConstraint } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';

// Admin operations let the database constraints decide (no check-then-write races);
// which constraint refused says what to tell the admin.
const REFUSALS: Record<string, () => DomainError> = {
  slots_staff_id_tstzrange_excl: () =>
    new DomainError('clash', "This would overlap another of the teacher's slots."),
  event_sittings_no_overlap: () => new DomainError('clash', 'Two sittings of one event cannot overlap.'),
  bookings_one_per_slot: () => new DomainError('slot_taken'),
  bookings_one_per_teacher: () =>
    new DomainError('clash', 'This child already has an appointment with this teacher.'),
  bookings_family_clash: () =>
    new DomainError('clash', "This would clash with another of the family's appointments."),
  bookings_student_clash: () =>
    new DomainError('clash', "This would clash with another of the child's appointments."),
  bookings_family_gap: () =>
    new DomainError(
      'gap',
      "This would leave too little time before or after another of the family's appointments.",
    ),
  booking_interpreters_no_overlap: () => new DomainError('interpreter_unavailable'),
};

/** The closed refusal for a unique/exclusion violation, or the error itself when it is something else. */
export function refusalOrRethrow(err: unknown): never {
  const code = pgCode(err);
  // The interpreter trigger (booking-interpreters.sql) refuses a booking no free interpreter can take.
  if (code === 'P0001' && (err as { message?: string }).message === 'interpreter_unavailable')
    throw new DomainError('interpreter_unavailable');
  if (code === '23505' || code === '23P01') {
    const make = REFUSALS[pgConstraint(err) ?? ''];
    if (make) throw make();
  }
  throw err;
}
