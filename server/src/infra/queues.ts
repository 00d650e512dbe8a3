import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type HoldExpiryJob, jobIds, QUEUES } from '../../../protocol/jobs.ts';

/** BullMQ's own key prefix for a deployment: queues live beside our keys, not in `bull:`. */
export function bullPrefix(redisPrefix: string): string {
  return `${redisPrefix}bull`;
}

export function createHoldExpiryQueue(connection: Redis, redisPrefix: string): Queue<HoldExpiryJob> {
  return new Queue<HoldExpiryJob>(QUEUES.holdExpiry, { connection, prefix: bullPrefix(redisPrefix) });
}

/**
 * Schedules a hold's release `afterLapseMs` after its expiry (the confirmation grace,
 * features/booking/confirmation-grace.ts: a confirmation that arrived in time may
 * still be waiting for the database, and the release would find the hold not yet
 * ending). The deterministic id makes a second add a no-op.
 */
export function holdExpiryScheduler(queue: Queue<HoldExpiryJob>, afterLapseMs: number) {
  return {
    async schedule(hold: {
      bookingId: string;
      eventId: string;
      expiresAt: Date;
      extension?: number;
    }): Promise<void> {
      await queue.add(
        'expire',
        { bookingId: hold.bookingId, eventId: hold.eventId },
        {
          jobId: jobIds.holdExpiry(hold.bookingId, hold.extension),
          delay: Math.max(0, hold.expiresAt.getTime() + afterLapseMs - Date.now()),
          attempts: 5,
          backoff: { type: 'exponential', delay: 500 },
          removeOnComplete: 1000,
          removeOnFail: 5000,
        },
      );
    },
  };
}
