import type { Queue } from 'bullmq';
import type { EmailJob } from '../../../../protocol/jobs.ts';
import { type EmailRetry, enqueueEmails } from '../mail/mail-queue.ts';

/**
 * Where the school features hand mail to the workers: the BullMQ e-mail queue, with
 * deterministic job ids (the workers' sent-log makes sending at-most-once).
 */
export interface EmailOutbox {
  send(jobs: EmailJob[]): Promise<void>;
  close(): Promise<void>;
}

/** `makeQueue` is called at the first mail: a server that never mails opens no queue. */
export function queueOutbox(makeQueue: () => Queue<EmailJob>, retry: EmailRetry): EmailOutbox {
  let queue: Queue<EmailJob> | null = null;
  return {
    async send(jobs) {
      queue ??= makeQueue();
      await enqueueEmails(queue, jobs, retry);
    },
    async close() {
      await queue?.close();
    },
  };
}
