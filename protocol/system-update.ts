import { z } from 'zod';

/**
 * The operator's system-update mail to school admins, from the operator's screen: the
 * same message the `mail:system-update` command queues (the worker's
 * `system-update-broadcast` job fans it out to every admin who has not opted out).
 */
export const SystemUpdateDraft = z.strictObject({
  subject: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1).max(20_000),
});
export const SendSystemUpdateRequest = z.strictObject({
  subject: SystemUpdateDraft.shape.subject,
  body: SystemUpdateDraft.shape.body,
  /** Only this school's admins; every school's when omitted. */
  schoolId: z.uuid().optional(),
});
/** The mail as an admin gets it, with a placeholder admin, school and opt-out link. */
export const SystemUpdatePreview = z.object({ subject: z.string(), text: z.string(), html: z.string() });
export const SentSystemUpdate = z.object({
  /** The update's id (as `--id` of the command): one per message. */
  updateId: z.string(),
  /** How many admins were opted in when it was queued. */
  admins: z.number().int(),
});
/** What the sent-log holds of each update: counts and dates, never an address. */
export const SystemUpdateHistory = z.object({
  updates: z.array(
    z.object({
      updateId: z.string(),
      sent: z.number().int(),
      /** Claimed by a worker and not yet accepted by the mail server. */
      sending: z.number().int(),
      firstSentAt: z.iso.datetime(),
      lastSentAt: z.iso.datetime(),
    }),
  ),
});
export type SystemUpdateDraft = z.infer<typeof SystemUpdateDraft>;
export type SendSystemUpdateRequest = z.infer<typeof SendSystemUpdateRequest>;
export type SystemUpdatePreview = z.infer<typeof SystemUpdatePreview>;
export type SentSystemUpdate = z.infer<typeof SentSystemUpdate>;
export type SystemUpdateHistory = z.infer<typeof SystemUpdateHistory>;
