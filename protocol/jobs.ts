import { z } from 'zod';

/** Queue names and job payloads shared by the server (which enqueues) and the workers. */
export const QUEUES = {
  holdExpiry: 'hold-expiry',
  sessionIdle: 'session-idle',
  email: 'email',
  /** Repeating sweep that finds reminders and teachers' day schedules that are due. */
  mailSchedule: 'mail-schedule',
  /** Repeating archive-and-purge of past events. */
  retention: 'retention',
  /** Fair start draws, offer expiries and running-late clears (protocol/fairness.ts). */
  fairness: 'fairness',
} as const;

export interface HoldExpiryJob {
  bookingId: string;
  eventId: string;
}

// Workers validate every payload: a malformed one fails at once as unrecoverable
// instead of being retried until its attempts run out.
export const HoldExpiryJobSchema = z.object({ bookingId: z.uuid(), eventId: z.uuid() });

export const SessionIdleJobSchema = z.object({ sessionId: z.uuid() });
export type SessionIdleJob = z.infer<typeof SessionIdleJobSchema>;

const uuid = z.uuid();
const by = z.enum(['family', 'staff', 'system']);

export const EmailJobSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('booking-confirmed'),
    eventId: uuid,
    familyId: uuid,
    bookingIds: z.array(uuid).min(1).max(100),
    by,
  }),
  z.object({
    kind: z.literal('booking-cancelled'),
    eventId: uuid,
    familyId: uuid,
    bookingIds: z.array(uuid).min(1).max(100),
    by,
  }),
  z.object({
    kind: z.literal('booking-changed'),
    eventId: uuid,
    familyId: uuid,
    bookingIds: z.array(uuid).min(1).max(100),
    by,
    /** Tells successive changes of the same booking apart (e.g. the event version). */
    changeId: z.string().regex(/^[\w-]{1,64}$/),
  }),
  z.object({ kind: z.literal('reminder'), eventId: uuid, familyId: uuid }),
  /** A notice about the evening itself (waiting-list offer, teacher running late); text composed by the sender. */
  z.object({
    kind: z.literal('family-notice'),
    eventId: uuid,
    familyId: uuid,
    noticeId: z.string().regex(/^[\w-]{1,100}$/),
    subject: z.string().min(1).max(200),
    body: z.string().min(1).max(5000),
  }),
  /**
   * A teacher's invitation to book, to a family of their classes who has not booked them
   *; `invitationId` is the booking_invitations row. The worker checks the
   * family's opt-out and whether it has booked since when it sends.
   */
  z.object({ kind: z.literal('booking-invitation'), eventId: uuid, familyId: uuid, invitationId: uuid }),
  z.object({
    kind: z.literal('teacher-schedule'),
    eventId: uuid,
    staffId: uuid,
    /** The school-local day (YYYY-MM-DD) whose appointments the mail lists. */
    date: z.iso.date(),
  }),
  /**
   * An invitation or reset link. Jobs carry ids, never secrets: the worker
   * opens the link's sealed token from its staff_links row (`inviteId`/`requestId` is
   * that row's id) when it sends. A job still carrying a `link` from before is read
   * without it.
   */
  z.object({ kind: z.literal('staff-invitation'), staffId: uuid, inviteId: uuid }),
  /**
   * An interpreter's schedule for one event, with a one-time sign-in link: `linkId` is
   * the interpreter_links row whose sealed token the worker opens when it sends.
   */
  z.object({ kind: z.literal('interpreter-schedule'), eventId: uuid, interpreterId: uuid, linkId: uuid }),
  z.object({ kind: z.literal('password-reset'), staffId: uuid, requestId: uuid }),
  z.object({
    kind: z.literal('system-update'),
    updateId: z.string().regex(/^[\w-]{1,64}$/),
    staffId: uuid,
    subject: z.string().min(1).max(200),
    body: z.string().min(1).max(20_000),
  }),
  /**
   * A family's new access code (letters by e-mail). The code waits sealed in the
   * family's row until this mail is sent; the job names that mail by a random id.
   */
  z.object({ kind: z.literal('access-code'), familyId: uuid, mailId: uuid }),
  /** Acknowledges feedback or a complaint with its reference number. */
  z.object({
    kind: z.literal('feedback-received'),
    feedbackId: uuid,
    reference: z.string().regex(/^FB-[A-Z0-9]{8}$/),
  }),
  /**
   * Staff's or the operator's reply to feedback or a complaint, to the address the
   * sender gave. `replyId` is the feedback_replies row: each reply is its own mail.
   */
  z.object({
    kind: z.literal('feedback-reply'),
    feedbackId: uuid,
    replyId: z.string().regex(/^\d{1,19}$/),
  }),
  /** Fans one operator message out to every school admin who has not opted out. */
  z.object({
    kind: z.literal('system-update-broadcast'),
    updateId: z.string().regex(/^[\w-]{1,64}$/),
    subject: z.string().min(1).max(200),
    body: z.string().min(1).max(20_000),
    /** Only this school's admins; every school's when omitted. */
    schoolId: uuid.optional(),
  }),
]);
export type EmailJob = z.infer<typeof EmailJobSchema>;
export type EmailKind = EmailJob['kind'];

export const MailScheduleJobSchema = z.object({}).loose();
export const RetentionJobSchema = z.object({}).loose();

/**
 * Deterministic ids: a job added twice exists once, so retries and duplicate
 * notifications collapse. BullMQ 6 refuses `:` inside custom ids (apart from a
 * legacy three-part form it plans to drop), hence the dots.
 */
export const jobIds = {
  /** Each extension of a hold gets its own job: the first one's id is taken until it runs. */
  holdExpiry: (bookingId: string, extension = 0) =>
    extension ? `hold.${bookingId}.${extension}` : `hold.${bookingId}`,
  sessionIdle: (sessionId: string) => `session.${sessionId}`,
  /** `subject` is a booking id, a batch digest, or another id naming what the mail is about. */
  email: (subject: string, kind: EmailKind) => `email.${subject}.${kind}`,
} as const;
