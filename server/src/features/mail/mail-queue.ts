import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type EmailJob, QUEUES } from '../../../../protocol/jobs.ts';
import { bullPrefix } from '../../infra/queues.ts';
import type { BookingNotification } from '../booking/booking.service.ts';
import { emailKey } from './email-keys.ts';

export function createEmailQueue(connection: Redis, redisPrefix: string): Queue<EmailJob> {
  return new Queue<EmailJob>(QUEUES.email, { connection, prefix: bullPrefix(redisPrefix) });
}

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

/** The `notify` hook of the booking service: confirmations, cancellations and changes become mail. */
export function bookingMailNotifier(queue: Queue<EmailJob>, retry: EmailRetry) {
  return async (n: BookingNotification & { changeId?: string }): Promise<void> => {
    const base = { eventId: n.eventId, familyId: n.familyId, bookingIds: n.bookingIds, by: n.by };
    const job: EmailJob =
      n.kind === 'confirmed'
        ? { kind: 'booking-confirmed', ...base }
        : n.kind === 'cancelled'
          ? { kind: 'booking-cancelled', ...base }
          : { kind: 'booking-changed', ...base, changeId: n.changeId ?? String(Date.now()) };
    await enqueueEmails(queue, [job], retry);
  };
}
