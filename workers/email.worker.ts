import { Queue, Worker } from 'bullmq';
import { EmailJobSchema, QUEUES } from '../protocol/jobs.ts';
import { MailService } from '../server/src/features/mail/mail.service.ts';
import { enqueueEmails } from '../server/src/features/mail/mail-queue.ts';
import { parsePayload } from './payload.ts';
import type { WorkerContext } from './worker-context.ts';

/**
 * Sends e-mail over SMTP. A failed send throws, and BullMQ retries with
 * exponential backoff (EMAIL_ATTEMPTS, EMAIL_BACKOFF_MS); the sent-log makes sure
 * a retry after a known successful send does not send again, and that a retry after
 * an unknown outcome sends with the same Message-ID (sent-log.ts).
 */
export function createEmailWorker(ctx: WorkerContext): { worker: Worker; close(): Promise<void> } {
  const queue = new Queue(QUEUES.email, {
    connection: ctx.bullConnection,
    prefix: ctx.workerOptions(1).prefix,
  });
  // Without a listener BullMQ prints every connection error of a Redis that is away to
  // stderr; the shared connection already logs them once (worker-context.ts).
  queue.on('error', () => {});
  const retry = { attempts: ctx.config.EMAIL_ATTEMPTS, backoffMs: ctx.config.EMAIL_BACKOFF_MS };
  const mail = new MailService({
    db: ctx.db,
    mailer: ctx.mailer,
    publicUrl: ctx.config.PUBLIC_URL ?? `http://localhost:${ctx.config.PORT}`,
    enqueue: (jobs) => enqueueEmails(queue, jobs, retry),
    sendLeaseMs: ctx.config.EMAIL_SEND_LEASE_MS,
  });
  const worker = new Worker(
    QUEUES.email,
    async (job) => {
      const payload = parsePayload(EmailJobSchema, job, ctx.logger);
      const outcome = await mail.handle(payload);
      ctx.logger.info({ jobId: job.id, kind: payload.kind, outcome }, 'email job done');
      return outcome;
    },
    ctx.workerOptions(ctx.config.EMAIL_CONCURRENCY),
  );
  return {
    worker,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
