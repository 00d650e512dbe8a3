import { DelayedError, Worker } from 'bullmq';
import { FairnessJobSchema } from '../protocol/fairness.ts';
import { QUEUES } from '../protocol/jobs.ts';
import { BookingService } from '../server/src/features/booking/booking.service.ts';
import { createFairnessJobs } from '../server/src/features/fair-start/fairness-context.ts';
import { enqueueEmails } from '../server/src/features/mail/mail-queue.ts';
import { listenForFreedSlots } from '../server/src/features/waiting-list/slot-freed-listener.ts';
import { createSocketEmitter } from '../server/src/infra/emitter.ts';
import { fairnessServices } from '../server/src/wiring/fairness-services.ts';
import { createEmailQueue, createFairnessQueue } from '../server/src/wiring/queues.ts';
import { parsePayload } from './payload.ts';
import type { WorkerContext } from './worker-context.ts';

/**
 * The `fairness` queue: fair-start draws at the end of their window, offer
 * expiries (a lapsed offer passes the slot on), running-late clears. Also hears
 * freed slots (PostgreSQL NOTIFY) and offers them to the waiting lists. Every
 * handler checks the clock and the database, so a late, early or repeated run is
 * harmless.
 */
export function createFairStartWorker(ctx: WorkerContext): { worker: Worker; close(): Promise<void> } {
  const prefix = ctx.config.REDIS_PREFIX;
  const logError = (err: unknown, context: string) => ctx.logger.error({ err, context }, 'fairness error');
  const jobs = createFairnessJobs(createFairnessQueue(ctx.bullConnection, prefix));
  const emailQueue = createEmailQueue(ctx.bullConnection, prefix);
  const retry = { attempts: ctx.config.EMAIL_ATTEMPTS, backoffMs: ctx.config.EMAIL_BACKOFF_MS };
  const f = fairnessServices(
    {
      db: ctx.db,
      publisher: ctx.publisher,
      live: createSocketEmitter(ctx.redis, prefix),
      jobs,
      // Booking mail (the draw's confirmations) goes through the outbox (migration 012).
      mail: (mails) => enqueueEmails(emailQueue, mails, retry),
      logError,
    },
    {
      redis: ctx.redis,
      redisPrefix: prefix,
      booking: new BookingService({
        db: ctx.db,
        slotLock: null,
        publisher: ctx.publisher,
        holdExpiry: { schedule: async () => {} },
        logError,
      }),
    },
  );
  const listener = listenForFreedSlots(ctx.db, f.waitingList, { sweepMs: 60_000, logError });
  const worker = new Worker(
    QUEUES.fairness,
    async (job, token) => {
      const payload = parsePayload(FairnessJobSchema, job, ctx.logger);
      switch (payload.kind) {
        case 'allocate': {
          const out = await f.fairStart.allocate(payload.eventId);
          if (!out.done && out.retryAt) {
            // The window was moved later: come back then (same job, same id).
            await job.moveToDelayed(out.retryAt.getTime(), token);
            throw new DelayedError();
          }
          return out.done ? `allocated ${out.granted ?? 0}` : 'nothing to do';
        }
        case 'offer-expiry':
          return (await f.offers.expire(payload.offerId)) ? 'lapsed' : 'unchanged';
        case 'delay-clear':
          return (await f.night.clearDelay(payload.eventId, payload.teacherId, payload.clearsAt))
            ? 'cleared'
            : 'unchanged';
      }
    },
    ctx.workerOptions(4),
  );
  return {
    worker,
    async close() {
      await worker.close();
      await listener.close();
      await Promise.all([jobs.close(), emailQueue.close()].map((p) => p.catch(() => {})));
    },
  };
}
