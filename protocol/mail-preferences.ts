/**
 * An admin's own choice about the operator's service-update mail (the
 * system-update opt-out): seen and changed from their account, and by the link in
 * each such mail.
 */
import { z } from 'zod';

export const MailPreferences = z.object({
  /** The address the service updates go to (the admin's account address). */
  email: z.string(),
  /** False once the admin opted out. */
  systemUpdates: z.boolean(),
});
export type MailPreferences = z.infer<typeof MailPreferences>;

export const SetMailPreferencesRequest = z.strictObject({ systemUpdates: z.boolean() });
export type SetMailPreferencesRequest = z.infer<typeof SetMailPreferencesRequest>;
