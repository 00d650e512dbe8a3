import { Worker } from 'bullmq';
import { HoldExpiryJobSchema, QUEUES } from '../protocol/jobs.ts';
import { BookingService } from '../server/src/features/booking/booking.service.ts';
import { parsePayload } from './payload.ts';
import type { WorkerContext } from './worker-context.ts';

/**
 * Releases a hold at its expiry. The database decides (`expireHold` only ends a
 * hold that is still held and past `expires_at`), so a late, repeated or
 * concurrent run changes nothing, and a hold confirmed in time stays booked.
 * Screens showing the slot see a `released` fact (published on the fact channel).
 */
export function createHoldExpiryWorker(ctx: WorkerContext): Worker {
  const booking = new BookingService({
    db: ctx.db,
    slotLock: null,
    publisher: ctx.publisher,
    // Expiring never places a hold, so nothing here schedules one.
    holdExpiry: { schedule: async () => {} },
    logError: (err, context) => ctx.logger.error({ err, context }, 'hold expiry error'),
  });
  return new Worker(
    QUEUES.holdExpiry,
    async (job) => {
      const { bookingId } = parsePayload(HoldExpiryJobSchema, job, ctx.logger);
      const released = await booking.expireHold(bookingId);
      return released ? 'released' : 'unchanged';
    },
    ctx.workerOptions(ctx.config.HOLD_EXPIRY_CONCURRENCY),
  );
}
