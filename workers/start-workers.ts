import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { QUEUES } from '../protocol/jobs.ts';
import type { Config } from '../server/src/config.ts';
import type { Db } from '../server/src/infra/db.ts';
import type { Mailer } from '../server/src/infra/mailer.ts';
import { createEmailWorker } from './email.worker.ts';
import { createFairStartWorker } from './fair-start.worker.ts';
import { createHoldExpiryWorker } from './hold-expiry.worker.ts';
import { startHoldSweep } from './hold-sweep.ts';
import { createMailScheduleWorker } from './mail-schedule.worker.ts';
import { startOutboxRelay } from './outbox-relay.worker.ts';
import { createRetentionWorker } from './retention.worker.ts';
import { createSessionIdleWorker } from './session-idle.worker.ts';
import { startStatusHeartbeat } from './status-heartbeat.ts';
import { createWorkerContext } from './worker-context.ts';

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface RunningWorkers {
  workers: Worker[];
  /** Stops taking jobs, lets running ones finish (`worker.close()`), then lets go of connections. */
  close(): Promise<void>;
}

/**
 * Starts one BullMQ worker per queue (or only those named). Used by the worker
 * process and by the tests, which run the same workers against their own
 * database and Redis prefix. Workers are stateless: run as many processes as
 * you like.
 */
export async function startWorkers(opts: {
  config: Config;
  db: Db;
  logger: Logger;
  mailer: Mailer;
  only?: QueueName[];
  /** The database-driven sweep of lapsed holds (hold-sweep.ts): on unless `only` picks queues. */
  holdSweep?: boolean;
  /** The outbox relay (outbox-relay.worker.ts): on unless `only` picks queues without e-mail. */
  outboxRelay?: boolean;
}): Promise<RunningWorkers> {
  const ctx = createWorkerContext(opts);
  const wanted = (q: QueueName) => !opts.only || opts.only.includes(q);
  const closers: (() => Promise<void>)[] = [];
  const workers: Worker[] = [];
  closers.push(await startStatusHeartbeat(ctx));
  const add = (w: { worker: Worker; close(): Promise<void> } | Worker) => {
    const worker = 'worker' in w ? w.worker : w;
    workers.push(worker);
    closers.push('worker' in w ? () => w.close() : () => worker.close());
    worker.on('failed', (job, err) => {
      opts.logger.warn(
        { queue: worker.name, jobId: job?.id, attemptsMade: job?.attemptsMade, err: err.message },
        'job failed',
      );
    });
    worker.on('error', (err) => opts.logger.error({ queue: worker.name, err: err.message }, 'worker error'));
  };
  if (wanted(QUEUES.holdExpiry)) add(createHoldExpiryWorker(ctx));
  if (wanted(QUEUES.sessionIdle)) add(createSessionIdleWorker(ctx));
  if (wanted(QUEUES.email)) add(createEmailWorker(ctx));
  if (wanted(QUEUES.mailSchedule)) add(await createMailScheduleWorker(ctx));
  if (wanted(QUEUES.retention)) add(await createRetentionWorker(ctx));
  if (wanted(QUEUES.fairness)) add(createFairStartWorker(ctx));
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  if (opts.holdSweep ?? !opts.only) {
    const sweep = startHoldSweep({
      db: opts.db,
      publisher: ctx.publisher,
      logger: opts.logger,
      intervalMs: opts.config.HOLD_SWEEP_SECONDS * 1000,
    });
    closers.push(() => sweep.close());
  }
  if (opts.outboxRelay ?? wanted(QUEUES.email)) {
    const relay = await startOutboxRelay(ctx);
    closers.push(() => relay.close());
  }
  return {
    workers,
    async close() {
      await Promise.all(closers.map((c) => c()));
      await ctx.close();
    },
  };
}
