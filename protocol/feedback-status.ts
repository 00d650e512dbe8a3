/**
 * Following feedback or a complaint by its reference and secret (complaints
 * procedure): what the sender may see, and nothing of who at the school answered it.
 * Read by the JSON operation and by the /feedback/status page alike.
 */
import { z } from 'zod';
import { FeedbackAbout, FeedbackKind, FeedbackStatus } from './schools.ts';

const instant = z.iso.datetime({ offset: true });

/** Typed from a mail or a note: case and spaces or dashes in the secret do not matter. */
export const FeedbackStatusRequest = z.strictObject({
  reference: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^FB-[A-Z0-9]{8}$/, 'A reference looks like FB-ABCD2345.'),
  secret: z.string().trim().min(1).max(64),
});
export type FeedbackStatusRequest = z.infer<typeof FeedbackStatusRequest>;

/** The status in plain words, the same on the page, in the API and in the reply mail. */
export const FEEDBACK_STATUS_WORDS: Record<FeedbackStatus, string> = {
  new: 'Received, not answered yet',
  in_progress: 'Being looked into',
  resolved: 'Answered and closed',
};

export const FeedbackStatusView = z.object({
  reference: z.string(),
  kind: FeedbackKind,
  about: FeedbackAbout,
  /** Who answers it: the school's name, or the service's operator. */
  answeredBy: z.string(),
  status: FeedbackStatus,
  /** FEEDBACK_STATUS_WORDS of `status`. */
  statusText: z.string(),
  /** The school's zone (the service's for service items): dates are read in it. */
  timeZone: z.string(),
  receivedAt: instant,
  updatedAt: instant,
  replies: z.array(
    z.object({
      at: instant,
      /** The school or the service, never a member of staff's name. */
      from: z.string(),
      body: z.string(),
      statusTo: FeedbackStatus.nullable(),
    }),
  ),
});
export type FeedbackStatusView = z.infer<typeof FeedbackStatusView>;
