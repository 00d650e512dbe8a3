import { DEFAULT_RETENTION_DAYS, MIN_RETENTION_DAYS } from '../../../../protocol/school-settings.ts';
import { PLAN_LIFETIME_MINUTES } from '../import/import.service.ts';

/**
 * What the retention sweep purges, and when: the one statement of it. The privacy page
 * prints these rules (with the school's own period when it knows the school), the
 * sweep (retention.service.ts) uses the same constants, and docs/workers.md carries the
 * same sentences (test/unit/retention-rules-docs.test.ts compares them), so the page,
 * the docs and the code cannot drift apart.
 */

/** Feedback and complaints are anonymised this long after they last changed (a reply, a status). */
export const FEEDBACK_RETENTION_DAYS = 365;
/** Records that belong to no school (the operator's own actions, mail about the service itself). */
export const SERVICE_RECORD_DAYS = DEFAULT_RETENTION_DAYS;
/** A retried write's stored answer is needed only while a client may still retry. */
export const IDEMPOTENCY_ANSWER_HOURS = 24;
/**
 * A one-time link once spent (used; retired by a newer one, by a change of the interpreter's
 * e-mail or by the deactivation of the staff account; or expired) works no more: the sign-in,
 * the password page and the link's mail all refuse it. Both kinds, an interpreter's sign-in
 * link and a staff member's invitation or password-reset link, then hold no more than a
 * digest, ids and times, but they tie an interpreter to an evening, or tell when someone
 * was invited or reset their password, and until the mail is sent a sealed copy of the
 * token. Not the school's period: nothing the school keeps needs the row (the sign-in or
 * the password set is in the record of changes).
 * A day, not at once: "my link did not work" the morning after can still be answered from
 * it (used, or expired, and when).
 */
export const SPENT_LINK_HOURS = 24;
/** Finished e-mail jobs (ids only) leave Redis after the shortest period any school may choose. */
export const FINISHED_MAIL_JOB_DAYS = MIN_RETENTION_DAYS;

export interface RetentionRule {
  what: string;
  when: string;
}

/**
 * The rules in words. `period` is the school's retention period in days, or null when
 * the reader's school is not known ("the school's retention period").
 */
export function retentionRules(period: number | null, archiveAfterDays: number): RetentionRule[] {
  const p = period === null ? "the school's retention period" : `${period} days`;
  return [
    {
      what: 'A parents’ evening is archived: it can no longer change, and stays readable by its school.',
      when: `${archiveAfterDays} days after it ends`,
    },
    {
      what: 'An evening’s appointments, notes, waiting lists and booking record are detached from the families and children: they point at anonymous placeholders, notes are emptied, and the addresses its mail went to are cleared.',
      when: `${p} after the evening ends`,
    },
    {
      what: 'Families and children who have left the school’s roll (a child on no class list; a family with no child on one) are anonymised: names, e-mail address, access code (its digest and its sealed copy), the school’s reference, class, class lists and family links are removed, and their sessions deleted. Families and children still on the roll are kept.',
      when: `${p} after they were added, last signed in or last at an evening, whichever is latest`,
    },
    {
      what: 'Sign-in sessions are deleted.',
      when: `${p} after they were last used (they end after the idle time-out long before)`,
    },
    {
      what: 'A one-time link — an interpreter’s sign-in link, or a staff member’s invitation or password-reset link — is deleted (its digest, and its sealed copy until its mail is sent).',
      when: `${SPENT_LINK_HOURS} hours after it was used, replaced by a newer one, cancelled or expired`,
    },
    {
      what: 'The address a mail was sent to is cleared from the sent-mail log, and undelivered mail records are deleted.',
      when: `${p} after sending (mail not about a school: ${SERVICE_RECORD_DAYS} days)`,
    },
    {
      what: 'Finished e-mail jobs (which hold ids only) are removed from the job queue.',
      when: `${FINISHED_MAIL_JOB_DAYS} days after they finished`,
    },
    {
      what: 'The record of every change (who did what, when) is deleted.',
      when: `${p} after the change (changes not about a school: ${SERVICE_RECORD_DAYS} days)`,
    },
    {
      what: 'Feedback and complaints lose the sender’s name, e-mail address, subject, message and the replies; the reference, kind and status stay as counts.',
      when: `${FEEDBACK_RETENTION_DAYS} days after the item last changed`,
    },
    {
      what: 'A checked import’s plan (which lists the names it would add, change or remove) is deleted.',
      when: `${PLAN_LIFETIME_MINUTES} minutes after the check, or when it is imported`,
    },
    {
      what: 'An import’s record loses what it changed (names included), so it can no longer be undone; its counts stay.',
      when: `${p} after the import`,
    },
    {
      what: 'The stored answer of a repeated request (kept so a retry is not done twice) is deleted.',
      when: `${IDEMPOTENCY_ANSWER_HOURS} hours after the request`,
    },
  ];
}
