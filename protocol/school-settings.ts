/**
 * A school's own settings that its admins see and change: how long personal
 * data is kept, and where families write to the school about their data. The same
 * bounds hold wherever a period is set (the operator creating a school, an admin
 * changing it), so there is one rule for what a period may be.
 */
import { z } from 'zod';

/** The shortest period a school may choose: finished e-mail jobs are dropped from Redis after it. */
export const MIN_RETENTION_DAYS = 30;
/** Ten years: longer than any record a school must keep about a parents' evening. */
export const MAX_RETENTION_DAYS = 3650;
/** A new school's period when the operator does not name one (migration 004's default). */
export const DEFAULT_RETENTION_DAYS = 365;

export const RetentionDays = z
  .number()
  .int()
  .min(MIN_RETENTION_DAYS, `Choose at least ${MIN_RETENTION_DAYS} days.`)
  .max(MAX_RETENTION_DAYS, `Choose at most ${MAX_RETENTION_DAYS} days.`);

export const SchoolSettings = z.object({
  code: z.string(),
  name: z.string(),
  /** Days after which personal data is purged (docs/workers.md, "Retention"). */
  retentionDays: z.number().int(),
  /** Where families write about their data; shown on the privacy page. Null until set. */
  contactEmail: z.string().nullable(),
});

export const UpdateSchoolSettingsRequest = z
  .strictObject({
    retentionDays: RetentionDays.optional(),
    /** An address to show families; an empty one (a cleared field) shows none. */
    contactEmail: z.union([z.email().max(254).toLowerCase(), z.literal('')]).optional(),
  })
  .refine((r) => r.retentionDays !== undefined || r.contactEmail !== undefined, {
    message: 'Change the retention period (retentionDays) or the contact address (contactEmail).',
    path: ['retentionDays'],
  });

export type SchoolSettings = z.infer<typeof SchoolSettings>;
export type UpdateSchoolSettingsRequest = z.infer<typeof UpdateSchoolSettingsRequest>;
