import { Worker } from 'bullmq';
import { QUEUES } from '../protocol/jobs.ts';
import { enqueueEmails } from '../server/src/features/mail/mail-queue.ts';
import { dueScheduledMail } from '../server/src/features/mail/mail-sweep.ts';
import { createEmailQueue, createMailScheduleQueue } from '../server/src/wiring/queues.ts';
import type { WorkerContext } from './worker-context.ts';

/**
 * A repeating sweep (every MAIL_SWEEP_MINUTES) that turns due reminders and
 * teachers' day schedules into e-mail jobs. Every worker process upserts the same
 * scheduler, so there is one sweep however many processes run.
 */
export async function createMailScheduleWorker(
  ctx: WorkerContext,
): Promise<{ worker: Worker; close(): Promise<void> }> {
  const schedule = createMailScheduleQueue(ctx.bullConnection, ctx.config.REDIS_PREFIX);
  const email = createEmailQueue(ctx.bullConnection, ctx.config.REDIS_PREFIX);
  const retry = { attempts: ctx.config.EMAIL_ATTEMPTS, backoffMs: ctx.config.EMAIL_BACKOFF_MS };
  await schedule.upsertJobScheduler(
    'mail-sweep',
    { every: Math.round(ctx.config.MAIL_SWEEP_MINUTES * 60_000) },
    { name: 'sweep', data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  const worker = new Worker(
    QUEUES.mailSchedule,
    async () => {
      const jobs = await dueScheduledMail(ctx.db, {
        reminderHoursBefore: ctx.config.REMINDER_HOURS_BEFORE,
        teacherScheduleHour: ctx.config.TEACHER_SCHEDULE_HOUR,
      });
      await enqueueEmails(email, jobs, retry);
      return { enqueued: jobs.length };
    },
    ctx.workerOptions(1),
  );
  return {
    worker,
    async close() {
      await worker.close();
      await Promise.all([schedule.close(), email.close()]);
    },
  };
}
