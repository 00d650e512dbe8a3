import type { EmailJob } from '../../../../protocol/jobs.ts';

/**
 * What a finished e-mail job keeps in Redis (BullMQ keeps finished jobs for days): the
 * ids that say what the mail was about, never its text. Payloads already carry no
 * secrets or addresses; the notices written by a person (a teacher running
 * late, an operator's update) lose their subject and body here.
 */
export function finishedEmailData(job: EmailJob): Record<string, unknown> {
  const { subject: _subject, body: _body, ...ids } = job as EmailJob & { subject?: unknown; body?: unknown };
  return ids;
}
