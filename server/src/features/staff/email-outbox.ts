import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EmailJob } from '../../../../protocol/jobs.ts';
import { createEmailQueue } from '../../wiring/queues.ts';
import { type EmailRetry, enqueueEmails } from '../mail/mail-queue.ts';

/**
 * Where the school features hand mail to the workers: the BullMQ e-mail queue, with
 * deterministic job ids (the workers' sent-log makes sending at-most-once).
 */
export interface EmailOutbox {
  send(jobs: EmailJob[]): Promise<void>;
  close(): Promise<void>;
}

export function queueOutbox(redis: Redis, redisPrefix: string, retry: EmailRetry): EmailOutbox {
  let queue: Queue<EmailJob> | null = null;
  return {
    async send(jobs) {
      queue ??= createEmailQueue(redis, redisPrefix);
      await enqueueEmails(queue, jobs, retry);
    },
    async close() {
      await queue?.close();
    },
  };
}
