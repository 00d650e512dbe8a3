/**
 * A teacher's families who have not booked them yet, and the polite invitation to book
 * the teacher may send them. Rate-limited: one invitation per family per
 * event in 24 hours (whichever teacher sends it), and at most INVITATIONS_PER_TEACHER_HOUR
 * per teacher per hour. A family that opted out of invitations is listed but not mailed.
 */
import { z } from 'zod';

const id = z.uuid();
const instant = z.iso.datetime({ offset: true });

/** How long a family is left alone after an invitation about an event. */
export const INVITATION_FAMILY_INTERVAL_HOURS = 24;
/** How many invitations one teacher may send in any hour. */
export const INVITATIONS_PER_TEACHER_HOUR = 30;

/** Why a family is not (or was not) sent an invitation now. */
export const InvitationSkip = z.enum([
  /** Every child of theirs in the teacher's classes has an appointment with the teacher. */
  'booked',
  /** No child of theirs is in the teacher's classes. */
  'not_your_class',
  /** The family stopped invitations with the link in an earlier one. */
  'opted_out',
  /** The school has no e-mail address for the family. */
  'no_email',
  /** Invited about this event in the last 24 hours (by this or another teacher). */
  'invited_recently',
]);

export const NotBookedFamily = z.object({
  familyId: id,
  surname: z.string(),
  /** The children of this family in the teacher's classes with no appointment with the teacher. */
  children: z.array(z.object({ studentId: id, name: z.string(), className: z.string() })),
  /** The family's last invitation about this event (from any teacher), if any. */
  lastInvitedAt: instant.nullable(),
  /** Null when an invitation can go now; else why not. */
  cannotInvite: InvitationSkip.nullable(),
  /** When `invited_recently`: from when another invitation may go. */
  canInviteAt: instant.nullable(),
});

export const NotBookedView = z.object({
  eventId: id,
  /** Whether families can still book (an invitation is only sent while they can). */
  bookingOpen: z.boolean(),
  families: z.array(NotBookedFamily),
  /** The teacher's own hourly allowance. */
  sentLastHour: z.int(),
  perHour: z.int(),
});

export const SendInvitationsRequest = z.object({
  familyIds: z.array(id).min(1).max(INVITATIONS_PER_TEACHER_HOUR),
});

export const SendInvitationsResponse = z.object({
  invited: z.array(z.object({ familyId: id, invitationId: id })),
  skipped: z.array(z.object({ familyId: id, reason: InvitationSkip })),
  sentLastHour: z.int(),
  perHour: z.int(),
});

export type NotBookedFamily = z.infer<typeof NotBookedFamily>;
export type NotBookedView = z.infer<typeof NotBookedView>;
export type SendInvitationsRequest = z.infer<typeof SendInvitationsRequest>;
export type SendInvitationsResponse = z.infer<typeof SendInvitationsResponse>;
export type InvitationSkip = z.infer<typeof InvitationSkip>;
