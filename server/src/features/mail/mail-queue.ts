import type { JobsOptions, Queue } from 'bullmq';
import type { EmailJob } from '../../../../protocol/jobs.ts';
import type { OutboxHandler, OutboxRow } from '../../infra/outbox-relay.ts';
import { emailKey } from './email-keys.ts';

export interface EmailRetry {
  attempts: number;
  backoffMs: number;
}

/** Adds mails under their deterministic ids: the same mail enqueued twice is one job. */
export async function enqueueEmails(
  queue: Queue<EmailJob>,
  jobs: EmailJob[],
  retry: EmailRetry,
): Promise<void> {
  if (jobs.length === 0) return;
  const opts = (job: EmailJob): JobsOptions => ({
    jobId: emailKey(job),
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs },
    removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
    removeOnFail: { age: 30 * 24 * 3600 },
  });
  await queue.addBulk(jobs.map((data) => ({ name: data.kind, data, opts: opts(data) })));
}

// The job schema's limit; a family never has more appointments at one evening.
const MAX_BOOKINGS_PER_MAIL = 100;

/**
 * The mail an outbox row stands for (migration 012 writes one per family and kind
 * for every confirmation, cancellation, move or resize of a confirmed appointment).
 * Its key (email-keys.ts) comes from the row: the booking ids for confirmations and
 * cancellations (each happens once per booking), the outbox id for changes (a booking
 * can change many times). Relaying a row twice therefore adds one job, and a mail
 * sent twice carries the same Message-ID.
 */
export function outboxMails(row: OutboxRow): EmailJob[] {
  if (row.topic !== 'mail' || !row.mailKind || !row.familyId || !row.bookingIds?.length) return [];
  // A teacher's invitation to book (migration 028): the row names the invitation.
  if (row.mailKind === 'invitation')
    return row.bookingIds.map((invitationId) => ({
      kind: 'booking-invitation',
      eventId: row.eventId,
      familyId: row.familyId!,
      invitationId,
    }));
  const by = row.actorKind ?? 'system';
  const ids = [...row.bookingIds].sort();
  const jobs: EmailJob[] = [];
  for (let i = 0; i < ids.length; i += MAX_BOOKINGS_PER_MAIL) {
    const bookingIds = ids.slice(i, i + MAX_BOOKINGS_PER_MAIL);
    const base = { eventId: row.eventId, familyId: row.familyId, bookingIds, by };
    jobs.push(
      row.mailKind === 'confirmed'
        ? { kind: 'booking-confirmed', ...base }
        : row.mailKind === 'cancelled'
          ? { kind: 'booking-cancelled', ...base }
          : { kind: 'booking-changed', ...base, changeId: `outbox-${row.id}${i ? `-${i}` : ''}` },
    );
  }
  return jobs;
}

/** BullMQ's word that a job has run: completed, or failed for good (its attempts used up). */
const FINISHED = new Set(['completed', 'failed']);

/**
 * The outbox's mail rows become e-mail jobs. A row is done only once BullMQ reports
 * every job of it finished; until then it stays pending and is looked at again: a job
 * Redis no longer knows (its data lost) is added again under the same id, and the
 * sent-log stops a mail that did go out from going out twice. Resolves once BullMQ
 * has every job that was missing.
 */
export function outboxMailHandler(queue: Queue<EmailJob>, retry: EmailRetry): OutboxHandler {
  return async (rows) => {
    const pending: string[] = [];
    const missing: EmailJob[] = [];
    for (const row of rows) {
      let finished = true;
      for (const job of outboxMails(row)) {
        const state = await queue.getJobState(emailKey(job));
        if (state === 'unknown') missing.push(job);
        if (!FINISHED.has(state)) finished = false;
      }
      if (!finished) pending.push(row.id);
    }
    await enqueueEmails(queue, missing, retry);
    return { pending };
  };
}
