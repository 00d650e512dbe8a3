import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FairnessJob } from '../../../protocol/fairness.ts';
import {
  type EmailJob,
  type HoldExpiryJob,
  jobIds,
  QUEUES,
  type SessionIdleJob,
} from '../../../protocol/jobs.ts';

// Every BullMQ queue of Confer is made in this file (the workers' Worker objects are
// made in workers/); features and workers are handed the queue they add to.

/** BullMQ's own key prefix for a deployment: queues live beside our keys, not in `bull:`. */
export function bullPrefix(redisPrefix: string): string {
  return `${redisPrefix}bull`;
}

export function createHoldExpiryQueue(connection: Redis, redisPrefix: string): Queue<HoldExpiryJob> {
  return new Queue<HoldExpiryJob>(QUEUES.holdExpiry, { connection, prefix: bullPrefix(redisPrefix) });
}

export function createEmailQueue(connection: Redis, redisPrefix: string): Queue<EmailJob> {
  return new Queue<EmailJob>(QUEUES.email, { connection, prefix: bullPrefix(redisPrefix) });
}

export function createRetentionQueue(connection: Redis, redisPrefix: string): Queue {
  return new Queue(QUEUES.retention, { connection, prefix: bullPrefix(redisPrefix) });
}

export function createSessionIdleQueue(connection: Redis, redisPrefix: string): Queue<SessionIdleJob> {
  return new Queue<SessionIdleJob>(QUEUES.sessionIdle, { connection, prefix: bullPrefix(redisPrefix) });
}

export function createFairnessQueue(connection: Redis, redisPrefix: string): Queue<FairnessJob> {
  return new Queue<FairnessJob>(QUEUES.fairness, { connection, prefix: bullPrefix(redisPrefix) });
}

export function createMailScheduleQueue(connection: Redis, redisPrefix: string): Queue {
  return new Queue(QUEUES.mailSchedule, { connection, prefix: bullPrefix(redisPrefix) });
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
