import { DelayedError, UnrecoverableError, Worker } from 'bullmq';
import { EmailJobSchema, QUEUES } from '../protocol/jobs.ts';
import { fromAddress } from '../server/src/features/mail/calendar.ts';
import { finishedEmailData } from '../server/src/features/mail/finished-email-job.ts';
import { MailService } from '../server/src/features/mail/mail.service.ts';
import { enqueueEmails } from '../server/src/features/mail/mail-queue.ts';
import { MailInFlight } from '../server/src/features/mail/sent-log.ts';
import { serverKeys } from '../server/src/infra/server-keys.ts';
import { createEmailQueue } from '../server/src/wiring/queues.ts';
import { parsePayload } from './payload.ts';
import { SmtpBackoff, smtpUnreachable } from './smtp-backoff.ts';
import type { WorkerContext } from './worker-context.ts';

/**
 * Sends e-mail over SMTP. A failed send throws, and BullMQ retries with
 * exponential backoff (EMAIL_ATTEMPTS, EMAIL_BACKOFF_MS); the sent-log makes sure
 * a retry after a known successful send does not send again, and that a retry after
 * an unknown outcome sends with the same Message-ID (sent-log.ts).
 */
/**
 * How soon a mail waiting for its family's turn looks again (sent-log.ts): about the
 * time one SMTP exchange takes, with jitter so waiting mails do not ask in step.
 */
const TURN_WAIT_MS = 1000;

export function createEmailWorker(ctx: WorkerContext): { worker: Worker; close(): Promise<void> } {
  const queue = createEmailQueue(ctx.bullConnection, ctx.config.REDIS_PREFIX);
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
    sealKey: serverKeys(ctx.config.SERVER_SECRET).mailSeal,
    organizerEmail: fromAddress(ctx.config.MAIL_FROM),
  });
  // Back off for the server, not per message (smtp-backoff.ts), from the queue's own base delay.
  const backoff = new SmtpBackoff(ctx.config.EMAIL_BACKOFF_MS);
  const worker: Worker = new Worker(
    QUEUES.email,
    async (job, token) => {
      try {
        const payload = parsePayload(EmailJobSchema, job, ctx.logger);
        const outcome = await mail.handle(payload);
        // Only an SMTP exchange that worked says the server is back.
        if (outcome === 'sent') backoff.succeeded();
        // Only a job that carries text (a notice, an update) is rewritten without it: a
        // booking mail's job holds ids alone, and one more Redis write per mail was waste.
        const kept = finishedEmailData(payload);
        if (Object.keys(kept).length !== Object.keys(payload).length) await job.updateData(kept);
        ctx.logger.info({ jobId: job.id, kind: payload.kind, outcome }, 'email job done');
        return outcome;
      } catch (err) {
        // The server cannot be reached: every mail would fail alike. Stop taking mail
        // for a while and put this one back without spending an attempt.
        if (smtpUnreachable(err)) {
          const wait = backoff.failed();
          ctx.logger.warn({ err: (err as Error).message, retryInMs: wait }, 'SMTP server unreachable');
          await worker.rateLimit(wait);
          throw Worker.RateLimitError();
        }
        // Another mail of the family's has its turn, or this one is in another attempt's
        // hands: wait a moment without spending an attempt. With the back-off, a family
        // confirming five appointments at once had its fifth mail wait out five growing
        // delays (chaos: 30 of a storm's confirmations unmailed by the end of the run).
        if (err instanceof MailInFlight && token) {
          await job.moveToDelayed(Date.now() + TURN_WAIT_MS + Math.floor(Math.random() * 500), token);
          throw new DelayedError();
        }
        // A job failed for good stays in Redis for weeks: it keeps no text either (a
        // malformed one, perhaps from before jobs stopped carrying secrets, keeps nothing).
        const last = err instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        if (last) {
          const parsed = EmailJobSchema.safeParse(job.data);
          await job
            .updateData(parsed.success ? finishedEmailData(parsed.data) : { kind: job.name })
            .catch(() => {});
        }
        throw err;
      }
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
