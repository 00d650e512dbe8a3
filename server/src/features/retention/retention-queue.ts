import type { Queue } from 'bullmq';

/**
 * Makes sure the repeating sweep exists. Every worker process calls this at start;
 * the scheduler id is fixed, so there is one schedule however many run.
 */
export async function scheduleRetention(queue: Queue, everyMinutes: number): Promise<void> {
  await queue.upsertJobScheduler(
    'retention-sweep',
    { every: Math.round(everyMinutes * 60_000) },
    { name: 'sweep', data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
}
