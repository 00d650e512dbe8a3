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

/** Schedules a hold's release at its expiry; the deterministic id makes a second add a no-op. */
export function holdExpiryScheduler(queue: Queue<HoldExpiryJob>) {
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
          delay: Math.max(0, hold.expiresAt.getTime() - Date.now()),
          attempts: 5,
          backoff: { type: 'exponential', delay: 500 },
          removeOnComplete: 1000,
          removeOnFail: 5000,
        },
      );
    },
  };
}
